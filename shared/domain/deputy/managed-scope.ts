/**
 * What a managing secret may be used for, stated in its own ExtendedConfig:
 *
 *   "ManagedScope": {"Hosts": ["db.internal:5432"], "Accounts": ["app_*"], "Roles": ["app_reader"]}
 *
 * Hosts are `host:port`, compared exactly (host without regard to case); Accounts and Roles are
 * patterns with `*` and `?`. A privileged name (domain/deputy/resources.ts) is admitted only by an
 * entry that spells it exactly, never by a pattern. Roles absent or empty: no role may be granted.
 */
import { invalidParameter } from '../errors.js';
import { wildcardMatch } from '../policy/index.js';
import { isPrivilegedName, type ManagingUse } from './resources.js';

export interface ManagedScope {
  hosts: string[];
  accounts: string[];
  roles: string[];
}

const FIELD = 'ExtendedConfig.ManagedScope';
const MAX_ENTRIES = 64;
const MAX_ENTRY_LENGTH = 255;
const HOST_PORT = /^[^\s:]+(:[^\s:]+)*:\d{1,5}$/;

const stringList = (scope: Record<string, unknown>, field: string, required: boolean): string[] => {
  const value = scope[field];
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || value.length > MAX_ENTRIES || (required && value.length === 0))
    throw invalidParameter(`${FIELD}.${field}`, `must be a list of 1 to ${MAX_ENTRIES} strings`);
  for (const entry of value)
    if (typeof entry !== 'string' || entry === '' || entry.length > MAX_ENTRY_LENGTH || /[\u0000-\u001f\u007f]/.test(entry))
      throw invalidParameter(`${FIELD}.${field}`, `must hold non-empty strings of at most ${MAX_ENTRY_LENGTH} characters`);
  return value as string[];
};

/** The ManagedScope of a managing secret's ExtendedConfig, or null when it states none. */
export const parseManagedScope = (config: Record<string, unknown> | null): ManagedScope | null => {
  const raw = config?.ManagedScope;
  if (raw === undefined) return null;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidParameter(FIELD, 'must be a JSON object');
  const fields = raw as Record<string, unknown>;
  for (const key of Object.keys(fields))
    if (!['Hosts', 'Accounts', 'Roles'].includes(key)) throw invalidParameter(`${FIELD}.${key}`, 'is not a known field');
  const hosts = stringList(fields, 'Hosts', true);
  for (const host of hosts) if (!HOST_PORT.test(host)) throw invalidParameter(`${FIELD}.Hosts`, 'must hold host:port entries');
  return { hosts, accounts: stringList(fields, 'Accounts', true), roles: stringList(fields, 'Roles', false) };
};

const admits = (patterns: readonly string[], name: string): boolean =>
  isPrivilegedName(name) ? patterns.includes(name) : patterns.some((p) => wildcardMatch(p, name));

const sameHost = (entry: string, host: string, port: number): boolean => entry.toLowerCase() === `${host}:${port}`.toLowerCase();

/** Why the scope does not admit this use (naming the field and the name, never a value), or null. */
export const scopeRefusal = (scope: ManagedScope, use: ManagingUse): string | null => {
  if (!scope.hosts.some((h) => sameHost(h, use.host, use.port))) return `Hosts does not include ${use.host}:${use.port}`;
  const account = use.accounts.find((a) => !admits(scope.accounts, a));
  if (account !== undefined) return `Accounts does not admit ${account}`;
  const role = use.roles.find((r) => !admits(scope.roles, r));
  if (role !== undefined) return `Roles does not admit ${role}`;
  return null;
};
