/**
 * The few primitives a SQL database adapter implements; the rotation semantics (which account,
 * confused-deputy checks, preflight order) live once in SqlAccountDriver.
 */
import type { AccountStrategy } from '../../../domain/database-accounts.js';
import type { PasswordTarget } from '../../../domain/password-profiles.js';
import type { SqlConfigDefaults, SqlTargetConfig } from './config.js';

export interface SqlLogin {
  user: string;
  password: string;
}

export interface SqlTimeouts {
  connectMs: number;
  queryMs: number;
}

/** What a rotation will touch: the accounts (those that exist) and, for DoubleUsers, the group. */
export interface ManagementScope {
  strategy: AccountStrategy;
  accounts: string[];
  group?: string;
}

export interface SqlSession {
  /** `SELECT 1`. */
  ping(): Promise<void>;
  /** Whether this login may do everything a rotation in this scope does; detail never quotes a secret. */
  managementPermission(scope: ManagementScope): Promise<{ ok: boolean; detail: string }>;
  accountExists(name: string): Promise<boolean>;
  /** The role whose privileges this session uses (the group, for a DoubleUsers account). */
  effectiveRole(): Promise<string | null>;
  /** SingleUser: resets an existing account's password. */
  resetPassword(account: string, password: string): Promise<void>;
  /**
   * DoubleUsers: creates the group role when missing, creates or resets `account` as a login with
   * `password`, and makes both `account` and `partner` members that use the group by default.
   * Safe to repeat.
   */
  setGroupMember(account: string, password: string, group: string, partner: string): Promise<void>;
  close(): Promise<void>;
}

export interface SqlEngine extends SqlConfigDefaults {
  readonly kind: string;
  readonly passwordTarget: PasswordTarget;
  readonly maxAccountNameBytes: number;
  /** Logs in; throws the client library's own error when the login fails. */
  connect(config: SqlTargetConfig, login: SqlLogin, timeouts: SqlTimeouts): Promise<SqlSession>;
}
