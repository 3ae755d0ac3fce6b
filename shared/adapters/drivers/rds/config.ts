/**
 * ExtendedConfig of a managed RDS secret (`SecretType=Rds`), KMS's fields plus ours:
 * `{"SecretSubType":"SingleUser"|"DoubleUsers","DBInstanceId":"rm-…","CustomData":{…}}`, and
 * optionally `CreateAccounts` (one-click creation), `PasswordProfile`, `VerifyLogin`, `LoginDatabase`.
 */
import type { AccountStrategy } from '../../../domain/database-accounts.js';
import { invalidParameter } from '../../../domain/errors.js';
import { profileForTarget } from '../../../domain/password-profiles.js';
import type { PasswordProfile } from '../../../domain/password.js';
import type { DriverSecret } from '../../../ports/target-driver.js';

export const RDS_PRIVILEGES = ['ReadWrite', 'ReadOnly', 'DDLOnly', 'DMLOnly', 'DBOwner'] as const;
export type RdsPrivilege = (typeof RDS_PRIVILEGES)[number];

/** What one-click creation makes: the account (and, for DoubleUsers, its twin) with one database grant. */
export interface CreateAccountsConfig {
  accountName: string;
  accountType: 'Normal' | 'Super';
  /** Normal accounts: the database and permission granted to every created account. */
  grant?: { database: string; privilege: RdsPrivilege };
}

export interface RdsSecretConfig {
  strategy: AccountStrategy;
  instanceId: string;
  createAccounts?: CreateAccountsConfig;
  passwordProfile: PasswordProfile;
  /** Verify logs in to the instance with the new password (needs a network path to it). Default true. */
  verifyLogin: boolean;
  /** Database for the verify login on PostgreSQL; default the granted database, else `postgres`. */
  loginDatabase?: string;
}

const PREFIX = 'ExtendedConfig.';
const KNOWN = new Set(['SecretSubType', 'DBInstanceId', 'CustomData', 'CreateAccounts', 'PasswordProfile', 'VerifyLogin', 'LoginDatabase']);
/** RDS instance ids: rm- (MySQL and most engines), pgm- (PostgreSQL), pgr-/rr- (read-only) and friends; letters and digits after. */
const INSTANCE_ID = /^[a-z]{2,5}-[a-z0-9]{6,40}$/;
/** RDS's rule for account names it creates: lowercase letter first, then lowercase, digits, `_`; letter or digit last; at most 32. */
export const RDS_ACCOUNT_NAME = /^[a-z][a-z0-9_]{0,30}[a-z0-9]$/;
/** The twin of a one-click DoubleUsers account. */
export const TWIN_SUFFIX = '_clone';
/** RDS database names: lowercase letter first, lowercase, digits, `_` and `-`; at most 64. */
const DATABASE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

const text = (fields: Record<string, unknown>, name: string, prefix = PREFIX): string | undefined => {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${prefix}${name}`, 'must be a non-empty string');
  return value;
};

const parseCreateAccounts = (value: unknown, strategy: AccountStrategy): CreateAccountsConfig | undefined => {
  if (value === undefined) return undefined;
  const prefix = `${PREFIX}CreateAccounts.`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParameter(`${PREFIX}CreateAccounts`, 'must be a JSON object');
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields))
    if (!['AccountName', 'AccountType', 'DBName', 'Privilege'].includes(key)) throw invalidParameter(`${prefix}${key}`, 'is not a known field');
  const accountName = text(fields, 'AccountName', prefix);
  if (!accountName) throw invalidParameter(`${prefix}AccountName`, 'is required');
  const longest = strategy === 'DoubleUsers' ? accountName + TWIN_SUFFIX : accountName;
  if (!RDS_ACCOUNT_NAME.test(accountName) || !RDS_ACCOUNT_NAME.test(longest))
    throw invalidParameter(
      `${prefix}AccountName`,
      `must be lowercase letters, digits and _, start with a letter, end with a letter or digit, at most ${strategy === 'DoubleUsers' ? 32 - TWIN_SUFFIX.length : 32} characters`,
    );
  const accountType = text(fields, 'AccountType', prefix) ?? 'Normal';
  if (accountType !== 'Normal' && accountType !== 'Super') throw invalidParameter(`${prefix}AccountType`, 'must be Normal or Super');
  if (accountType === 'Super' && strategy === 'DoubleUsers')
    throw invalidParameter(`${prefix}AccountType`, 'must be Normal for DoubleUsers (an instance has one high-privilege account)');
  const database = text(fields, 'DBName', prefix);
  const privilege = text(fields, 'Privilege', prefix);
  if (accountType === 'Super') {
    if (database || privilege) throw invalidParameter(`${prefix}DBName`, 'is not used for a Super account, which has every privilege');
    return { accountName, accountType };
  }
  if (!database) throw invalidParameter(`${prefix}DBName`, 'is required for a Normal account');
  if (!DATABASE_NAME.test(database)) throw invalidParameter(`${prefix}DBName`, 'is not a valid RDS database name');
  if (!privilege || !(RDS_PRIVILEGES as readonly string[]).includes(privilege))
    throw invalidParameter(`${prefix}Privilege`, `must be one of ${RDS_PRIVILEGES.join(', ')}`);
  return { accountName, accountType, grant: { database, privilege: privilege as RdsPrivilege } };
};

export const parseRdsConfig = (secret: DriverSecret): RdsSecretConfig => {
  const fields = secret.extendedConfig;
  for (const key of Object.keys(fields)) if (!KNOWN.has(key)) throw invalidParameter(`${PREFIX}${key}`, 'is not a field of Rds secrets');
  const strategy = fields.SecretSubType;
  if (strategy !== 'SingleUser' && strategy !== 'DoubleUsers') throw invalidParameter(`${PREFIX}SecretSubType`, 'must be SingleUser or DoubleUsers');
  const instanceId = text(fields, 'DBInstanceId');
  if (!instanceId) throw invalidParameter(`${PREFIX}DBInstanceId`, 'is required');
  if (!INSTANCE_ID.test(instanceId)) throw invalidParameter(`${PREFIX}DBInstanceId`, 'is not an RDS instance id');
  if (fields.CustomData !== undefined && (typeof fields.CustomData !== 'object' || fields.CustomData === null || Array.isArray(fields.CustomData)))
    throw invalidParameter(`${PREFIX}CustomData`, 'must be a JSON object');
  const verifyLogin = fields.VerifyLogin ?? true;
  if (typeof verifyLogin !== 'boolean') throw invalidParameter(`${PREFIX}VerifyLogin`, 'must be true or false');
  const createAccounts = parseCreateAccounts(fields.CreateAccounts, strategy);
  const loginDatabase = text(fields, 'LoginDatabase') ?? createAccounts?.grant?.database;
  return {
    strategy,
    instanceId,
    ...(createAccounts ? { createAccounts } : {}),
    passwordProfile: profileForTarget('alibaba-rds', fields.PasswordProfile),
    verifyLogin,
    ...(loginDatabase ? { loginDatabase } : {}),
  };
};
