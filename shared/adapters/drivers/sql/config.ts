/**
 * ExtendedConfig of a self-managed database secret (our extension; see ../README.md):
 * {"SecretSubType":"PostgreSQL"|"MySQL","Strategy":"SingleUser"|"DoubleUsers","Host","Port"?,
 *  "Database"?,"ManagerSecretName","PasswordProfile"?,"Role"?,"AccountHost"?,"SslMode"?,"SslCa"?,"AccountName"?}
 */
import { invalidParameter } from '../../../domain/errors.js';
import type { AccountStrategy } from '../../../domain/database-accounts.js';
import type { PasswordProfile } from '../../../domain/password.js';
import { profileForTarget, type PasswordTarget } from '../../../domain/password-profiles.js';
import { parseSqlTls, type SqlTls } from './tls-config.js';

export type { SslMode } from './tls-config.js';
export type SqlSubType = 'PostgreSQL' | 'MySQL';

export interface SqlTargetConfig extends SqlTls {
  subType: SqlSubType;
  strategy: AccountStrategy;
  host: string;
  port: number;
  database: string | undefined;
  managerSecretName: string;
  passwordProfile: PasswordProfile;
  /** The group role both DoubleUsers accounts belong to. */
  role: string | undefined;
  /** MySQL accounts are user@host; PostgreSQL ignores this. */
  accountHost: string;
  /**
   * The account fixed at creation (from the initial value when not given): SingleUser acts on it
   * alone, DoubleUsers on it and its partner. Absent only on secrets created before it existed.
   */
  accountName: string | undefined;
}

export interface SqlConfigDefaults {
  subType: SqlSubType;
  passwordTarget: PasswordTarget;
  defaultPort: number;
  maxRoleNameBytes: number;
}

const FIELD = 'ExtendedConfig.';
const STRATEGIES: readonly AccountStrategy[] = ['SingleUser', 'DoubleUsers'];
const MAX_HOST_LENGTH = 255;
const MAX_SECRET_NAME_LENGTH = 192;

const optionalString = (config: Record<string, unknown>, field: string, maxLength: number): string | undefined => {
  const value = config[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > maxLength)
    throw invalidParameter(`${FIELD}${field}`, `must be a non-empty string of at most ${maxLength} characters`);
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalidParameter(`${FIELD}${field}`, 'must not contain control characters');
  return value;
};

const requiredString = (config: Record<string, unknown>, field: string, maxLength: number): string => {
  const value = optionalString(config, field, maxLength);
  if (value === undefined) throw invalidParameter(`${FIELD}${field}`, 'is required');
  return value;
};

const oneOf = <T extends string>(config: Record<string, unknown>, field: string, allowed: readonly T[], fallback?: T): T => {
  const value = config[field] ?? fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw invalidParameter(`${FIELD}${field}`, `must be one of ${allowed.join(', ')}`);
  return value as T;
};

const port = (config: Record<string, unknown>, fallback: number): number => {
  const value = config.Port ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65_535)
    throw invalidParameter(`${FIELD}Port`, 'must be an integer from 1 to 65535');
  return value;
};

const byteLength = (s: string): number => new TextEncoder().encode(s).length;

export const parseSqlTargetConfig = (config: Record<string, unknown>, defaults: SqlConfigDefaults): SqlTargetConfig => {
  if (config.SecretSubType !== defaults.subType) throw invalidParameter(`${FIELD}SecretSubType`, `must be ${defaults.subType}`);
  const strategy = oneOf(config, 'Strategy', STRATEGIES);
  const role = optionalString(config, 'Role', 255);
  if (strategy === 'DoubleUsers' && role === undefined)
    throw invalidParameter(`${FIELD}Role`, 'is required for DoubleUsers: both accounts take their privileges from this group role');
  if (role !== undefined && byteLength(role) > defaults.maxRoleNameBytes)
    throw invalidParameter(`${FIELD}Role`, `must be at most ${defaults.maxRoleNameBytes} bytes`);
  const host = requiredString(config, 'Host', MAX_HOST_LENGTH);
  return {
    subType: defaults.subType,
    strategy,
    host,
    port: port(config, defaults.defaultPort),
    database: optionalString(config, 'Database', 255),
    managerSecretName: requiredString(config, 'ManagerSecretName', MAX_SECRET_NAME_LENGTH),
    passwordProfile: profileForTarget(defaults.passwordTarget, config.PasswordProfile, `${FIELD}PasswordProfile.`),
    role,
    accountHost: optionalString(config, 'AccountHost', MAX_HOST_LENGTH) ?? '%',
    ...parseSqlTls(config, host),
    accountName: optionalString(config, 'AccountName', 255),
  };
};
