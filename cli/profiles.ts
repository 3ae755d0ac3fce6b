/**
 * The profiles file: `ROTOR_CONFIG`, else `$XDG_CONFIG_HOME/rotor/config.json` (XDG_CONFIG_HOME
 * defaults to ~/.config). Named connection settings; the file may hold AccessKey secrets, so it
 * should be readable by its owner only, and problems are reported by field path, never by value.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { usageError } from './exit-codes.js';
import type { Io } from './io.js';

export interface Profile {
  endpoint?: string;
  protocol?: 'http' | 'https';
  region?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  /** A local runtime's data dir: its root-credentials.json and events.ndjson. Relative to the file. */
  dataDir?: string;
}

type FieldCheck = (value: unknown) => string | null;

const nonEmptyString: FieldCheck = (v) => (typeof v === 'string' && v.trim() !== '' ? null : 'expected a non-empty string');

// Checked by hand rather than with a schema library: every command reads this file, and loading
// one costs more start-up time than these few rules.
const PROFILE_FIELDS: Record<keyof Profile, FieldCheck> = {
  endpoint: nonEmptyString,
  protocol: (v) => (v === 'http' || v === 'https' ? null : 'expected "http" or "https"'),
  region: (v) => (typeof v === 'string' && /^[a-z0-9-]+$/.test(v) ? null : 'expected a region id such as cn-hangzhou'),
  accessKeyId: nonEmptyString,
  accessKeySecret: nonEmptyString,
  dataDir: nonEmptyString,
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems by field path; values are never quoted, as some are secrets. */
const validate = (json: unknown): { problems: string[]; defaultProfile?: string; profiles: Record<string, Profile> } => {
  const problems: string[] = [];
  const profiles: Record<string, Profile> = {};
  if (!isObject(json)) return { problems: ['(top level): expected an object'], profiles };
  for (const key of Object.keys(json)) {
    if (key !== 'profiles' && key !== 'defaultProfile') problems.push(`${key}: unknown field`);
  }
  if (json.defaultProfile !== undefined && nonEmptyString(json.defaultProfile)) problems.push('defaultProfile: expected a non-empty string');
  if (json.profiles !== undefined && !isObject(json.profiles)) problems.push('profiles: expected an object of named profiles');
  const entries = isObject(json.profiles) ? Object.entries(json.profiles) : [];
  for (const [name, profile] of entries) {
    if (!isObject(profile)) {
      problems.push(`profiles.${name}: expected an object`);
      continue;
    }
    for (const [field, value] of Object.entries(profile)) {
      const check = PROFILE_FIELDS[field as keyof Profile] as FieldCheck | undefined;
      const problem = check ? check(value) : 'unknown field';
      if (problem) problems.push(`profiles.${name}.${field}: ${problem}`);
    }
    profiles[name] = profile as Profile;
  }
  return { problems, defaultProfile: json.defaultProfile as string | undefined, profiles };
};

export interface ProfilesFile {
  /** Absolute path; null when no file exists at the default location. */
  path: string | null;
  defaultProfile?: string;
  profiles: Record<string, Profile>;
}

export const profilesPath = (io: Io): { path: string; explicit: boolean } => {
  const explicit = io.env.ROTOR_CONFIG;
  if (explicit) return { path: resolve(io.cwd, explicit), explicit: true };
  const configHome = io.env.XDG_CONFIG_HOME && isAbsolute(io.env.XDG_CONFIG_HOME) ? io.env.XDG_CONFIG_HOME : join(io.homeDir, '.config');
  return { path: join(configHome, 'rotor', 'config.json'), explicit: false };
};

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';

const readText = (path: string, explicit: boolean): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (isMissing(e) && !explicit) return null;
    throw usageError(`cannot read the profiles file ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
};

const warnIfShared = (path: string, profiles: Record<string, Profile>, io: Io): void => {
  if (process.platform === 'win32') return;
  if (!Object.values(profiles).some((p) => p.accessKeySecret)) return;
  if ((statSync(path).mode & 0o077) !== 0) {
    io.stderr.write(`rotor: warning: ${path} holds AccessKey secrets and others can read it; run chmod 600 on it\n`);
  }
};

/** Relative data dirs are relative to the file, so a profile means the same from any working directory. */
const withAbsoluteDataDirs = (path: string, profiles: Record<string, Profile>): Record<string, Profile> =>
  Object.fromEntries(
    Object.entries(profiles).map(([name, p]) => [name, p.dataDir ? { ...p, dataDir: resolve(dirname(path), p.dataDir) } : p]),
  );

export const loadProfiles = (io: Io): ProfilesFile => {
  const { path, explicit } = profilesPath(io);
  const text = readText(path, explicit);
  if (text === null) return { path: null, profiles: {} };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw usageError(`the profiles file ${path} is not valid JSON`);
  }
  const { problems, defaultProfile, profiles } = validate(json);
  if (problems.length > 0) throw usageError(`the profiles file ${path} is invalid: ${problems.join('; ')}`);
  warnIfShared(path, profiles, io);
  return { path, defaultProfile, profiles: withAbsoluteDataDirs(path, profiles) };
};
