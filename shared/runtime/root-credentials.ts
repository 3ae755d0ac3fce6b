/**
 * The root AccessKey that signs KMS API calls. Taken from the environment when set there;
 * otherwise generated on first start into the data dir (owner-only, created exclusively so two
 * processes starting together agree on one key) and reused afterwards.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { generateAccessKey } from '../domain/access-key.js';
import type { CredentialResolver, ResolvedCredential } from '../http/types.js';
import type { RuntimeConfig } from './config.js';

export const ROOT_CREDENTIALS_FILE = 'root-credentials.json';

export interface RootCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Where they came from, for the startup banner (which never prints the secret). */
  source: { kind: 'env' } | { kind: 'file'; file: string; created: boolean };
}

const fileSchema = z.object({
  accessKeyId: z.string().min(8),
  accessKeySecret: z.string().min(16),
  createdAt: z.string().optional(),
});

const readCredentialsFile = (file: string): { accessKeyId: string; accessKeySecret: string } => {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`Cannot read the root credentials in ${file}: ${(e as Error).name}. Fix or remove the file.`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`The root credentials in ${file} are malformed. Fix or remove the file.`);
  }
  return { accessKeyId: parsed.data.accessKeyId, accessKeySecret: parsed.data.accessKeySecret };
};

const isFileExists = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'EEXIST';

export const loadRootCredentials = (config: Pick<RuntimeConfig, 'dataDir' | 'rootAccessKey'>): RootCredentials => {
  if (config.rootAccessKey) return { ...config.rootAccessKey, source: { kind: 'env' } };

  const file = join(config.dataDir, ROOT_CREDENTIALS_FILE);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const fresh = generateAccessKey();
  try {
    writeFileSync(file, `${JSON.stringify({ ...fresh, createdAt: new Date().toISOString() }, null, 2)}\n`, {
      flag: 'wx',
      mode: 0o600,
    });
    return { ...fresh, source: { kind: 'file', file, created: true } };
  } catch (e) {
    if (!isFileExists(e)) throw e;
  }
  return { ...readCredentialsFile(file), source: { kind: 'file', file, created: false } };
};

/** Generated keys look like Alibaba Cloud ones; the generator is shared with the stored AccessKeys. */
export { generateAccessKey };

/** The root key acts for the account's root principal: always active, allowed everything. */
export const rootCredential = (root: Pick<RootCredentials, 'accessKeySecret'>, accountId: string): ResolvedCredential => ({
  accessKeySecret: root.accessKeySecret,
  principal: `acs:ram::${accountId}:root`,
  status: 'Active',
  grant: { kind: 'root' },
});

/** Only the root key, for callers that have no AccessKey store. */
export const rootCredentialResolver =
  (root: Pick<RootCredentials, 'accessKeyId' | 'accessKeySecret'>, accountId: string): CredentialResolver =>
  async (accessKeyId) =>
    accessKeyId === root.accessKeyId ? rootCredential(root, accountId) : null;
