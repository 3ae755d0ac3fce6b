/**
 * Where to connect and as whom. Each setting is taken from the first of: command-line option,
 * environment variable, profile, default (endpoint 127.0.0.1:9000, region cn-hangzhou; protocol http
 * for a loopback host, https otherwise). Credentials come from, in order: `--data-dir` (a local
 * runtime's root-credentials.json), ROTOR_ACCESS_KEY_ID + ROTOR_ACCESS_KEY_SECRET, the profile's
 * accessKeyId + accessKeySecret, the profile's dataDir, and last `${ROTOR_DATA_DIR:-./.rotor}` when
 * a local runtime has written its credentials there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { usageError } from './exit-codes.js';
import type { GlobalFlags } from './global-options.js';
import type { Io } from './io.js';
import { loadProfiles, type Profile } from './profiles.js';

/** Same name as the local runtime's (shared/runtime/root-credentials.ts); a test keeps them equal. */
export const ROOT_CREDENTIALS_FILE = 'root-credentials.json';
export const DEFAULT_DATA_DIR = './.rotor';
export const DEFAULT_ENDPOINT = '127.0.0.1:9000';
export const DEFAULT_REGION = 'cn-hangzhou';

export type Protocol = 'http' | 'https';

export interface Connection {
  /** host[:port] */
  endpoint: string;
  protocol: Protocol;
  region: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export interface ResolvedProfile {
  name: string | null;
  profile: Profile;
}

/** --profile, else ROTOR_PROFILE, else the file's defaultProfile, else a profile named "default" if any. */
export const resolveProfile = (flags: GlobalFlags, io: Io): ResolvedProfile => {
  const file = loadProfiles(io);
  const requested = flags.profile ?? (io.env.ROTOR_PROFILE || undefined) ?? file.defaultProfile;
  if (requested === undefined) {
    const fallback = file.profiles.default;
    return fallback ? { name: 'default', profile: fallback } : { name: null, profile: {} };
  }
  const profile = file.profiles[requested];
  if (!profile) {
    const known = Object.keys(file.profiles);
    const where = file.path ?? 'no profiles file';
    throw usageError(
      `no profile "${requested}" (${where}${known.length ? `; profiles: ${known.join(', ')}` : ''})`,
    );
  }
  return { name: requested, profile };
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/i;

/** Accepts `host`, `host:port` or a URL; a URL's scheme sets the protocol. */
export const parseEndpoint = (raw: string): { endpoint: string; protocol?: Protocol } => {
  const text = raw.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw usageError('the endpoint is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError('the endpoint URL must be http or https');
    return { endpoint: url.host, protocol: url.protocol === 'http:' ? 'http' : 'https' };
  }
  if (!/^[A-Za-z0-9.\-[\]:]+$/.test(text)) throw usageError('the endpoint must be host[:port] or a URL');
  return { endpoint: text };
};

const hostOf = (endpoint: string): string => endpoint.replace(/:\d+$/, '');

const parseProtocol = (raw: string | undefined): Protocol | undefined => {
  if (raw === undefined) return undefined;
  if (raw !== 'http' && raw !== 'https') throw usageError('the protocol (--protocol, ROTOR_PROTOCOL) must be http or https');
  return raw;
};

const readRootCredentials = (dataDir: string): { accessKeyId: string; accessKeySecret: string } => {
  const file = join(dataDir, ROOT_CREDENTIALS_FILE);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(`cannot read ${file} (${code ?? 'not JSON'}); is it a secret-rotor data dir?`);
  }
  const { accessKeyId, accessKeySecret } = (json ?? {}) as Record<string, unknown>;
  if (typeof accessKeyId !== 'string' || typeof accessKeySecret !== 'string') {
    throw usageError(`${file} has no accessKeyId and accessKeySecret`);
  }
  return { accessKeyId, accessKeySecret };
};

const envCredentials = (io: Io): { accessKeyId: string; accessKeySecret: string } | null => {
  const id = io.env.ROTOR_ACCESS_KEY_ID || undefined;
  const secret = io.env.ROTOR_ACCESS_KEY_SECRET || undefined;
  if (id === undefined && secret === undefined) return null;
  if (id === undefined || secret === undefined) {
    throw usageError('ROTOR_ACCESS_KEY_ID and ROTOR_ACCESS_KEY_SECRET are set together or not at all');
  }
  return { accessKeyId: id, accessKeySecret: secret };
};

const profileCredentials = (name: string | null, p: Profile): { accessKeyId: string; accessKeySecret: string } | null => {
  if (p.accessKeyId === undefined && p.accessKeySecret === undefined) return null;
  if (p.accessKeyId === undefined || p.accessKeySecret === undefined) {
    throw usageError(`profile "${name}" must set accessKeyId and accessKeySecret together`);
  }
  return { accessKeyId: p.accessKeyId, accessKeySecret: p.accessKeySecret };
};

const resolveCredentials = (flags: GlobalFlags, io: Io, resolved: ResolvedProfile) => {
  if (flags.dataDir !== undefined) return readRootCredentials(resolve(io.cwd, flags.dataDir));
  const fromEnv = envCredentials(io);
  if (fromEnv) return fromEnv;
  const fromProfile = profileCredentials(resolved.name, resolved.profile);
  if (fromProfile) return fromProfile;
  if (resolved.profile.dataDir) return readRootCredentials(resolved.profile.dataDir);
  const localDir = resolve(io.cwd, io.env.ROTOR_DATA_DIR || DEFAULT_DATA_DIR);
  if (existsSync(join(localDir, ROOT_CREDENTIALS_FILE))) return readRootCredentials(localDir);
  throw usageError(
    'no credentials: set ROTOR_ACCESS_KEY_ID and ROTOR_ACCESS_KEY_SECRET, use a profile with accessKeyId and ' +
      "accessKeySecret, or point --data-dir at a local runtime's data dir (see 'rotor --help')",
  );
};

export const resolveConnection = (flags: GlobalFlags, io: Io): Connection => {
  const resolved = resolveProfile(flags, io);
  const { profile } = resolved;
  const rawEndpoint = flags.endpoint ?? (io.env.ROTOR_ENDPOINT || undefined) ?? profile.endpoint ?? DEFAULT_ENDPOINT;
  const { endpoint, protocol: fromUrl } = parseEndpoint(rawEndpoint);
  // An explicit --protocol beats the scheme of an endpoint URL, which beats the other sources.
  const protocol =
    parseProtocol(flags.protocol) ??
    fromUrl ??
    parseProtocol(io.env.ROTOR_PROTOCOL || undefined) ??
    profile.protocol ??
    (LOOPBACK.test(hostOf(endpoint)) ? 'http' : 'https');
  const region = flags.region ?? (io.env.ROTOR_REGION || undefined) ?? profile.region ?? DEFAULT_REGION;
  return { endpoint, protocol, region, ...resolveCredentials(flags, io, resolved) };
};

/** Where `rotor events` reads: --data-dir, else ROTOR_DATA_DIR, else the profile's dataDir, else ./.rotor. */
export const resolveDataDir = (flags: GlobalFlags, io: Io): string => {
  if (flags.dataDir !== undefined) return resolve(io.cwd, flags.dataDir);
  if (io.env.ROTOR_DATA_DIR) return resolve(io.cwd, io.env.ROTOR_DATA_DIR);
  const { profile } = resolveProfile(flags, io);
  return profile.dataDir ?? resolve(io.cwd, DEFAULT_DATA_DIR);
};
