/**
 * Rotates accounts of a self-managed SQL database (PostgreSQL, MySQL/MariaDB) with a managing
 * credential that is itself a secret. The strategy logic is here once; an SqlEngine supplies the
 * database's primitives. Errors are left as the client library throws them: wrap the driver in
 * RedactingDriver, which classifies them and strips secret values.
 */
import {
  checkPendingAccount,
  fixedAccounts,
  formatAccountCredential,
  parseAccountCredential,
  partnerAccount,
  pendingAccountName,
  requireAccountCredential,
  requireFixedAccount,
  type AccountCredential,
} from '../../../domain/database-accounts.js';
import { invalidParameter, KmsError, TargetError } from '../../../domain/errors.js';
import { generateTargetPassword } from '../../../domain/password-profiles.js';
import type {
  ApplyRequest,
  DriverSecret,
  FinalizeResponse,
  GenerateRequest,
  GenerateResponse,
  InitialVersionsRequest,
  PreflightCheck,
  PreflightRequest,
  PreflightResponse,
  ResourcesRequest,
  TargetDriver,
  VerifyRequest,
  WrittenValueRequest,
} from '../../../ports/target-driver.js';
import { databaseAccountResource, databaseRoleResource, isPrivilegedName, type SecretResources } from '../../../domain/deputy/index.js';
import { accountNamesOf } from '../account-names.js';
import { parseSqlTargetConfig, type SqlTargetConfig } from './config.js';
import type { SqlEngine, SqlLogin, SqlSession, SqlTimeouts } from './engine.js';
import { failed, passed, reason, type ResolveSecret } from '../driver-kit.js';

export type { ResolveSecret };

export interface SqlDriverOptions {
  resolveSecret: ResolveSecret;
  timeouts?: Partial<SqlTimeouts>;
}

const DEFAULT_TIMEOUTS: SqlTimeouts = { connectMs: 10_000, queryMs: 15_000 };
const CREDENTIAL_FORMAT = 'must be {"AccountName","AccountPassword"} JSON';

/**
 * The account fixed at creation. Secrets created before it was recorded fall back to ACSCurrent's
 * account, which since then only values naming that same account can replace.
 */
const fixedAccountOf = (config: SqlTargetConfig, current: AccountCredential | null): string => {
  const fixed = config.accountName ?? current?.AccountName;
  if (fixed === undefined)
    throw new TargetError('Target.AccountMismatch', 'The account this secret manages is not known: ACSCurrent names none.', false);
  return fixed;
};

const partnerClause = (config: SqlTargetConfig): string => (config.strategy === 'DoubleUsers' ? ' (or its partner)' : '');


export class SqlAccountDriver implements TargetDriver {
  readonly kind: string;
  private readonly timeouts: SqlTimeouts;

  constructor(
    private readonly engine: SqlEngine,
    private readonly options: SqlDriverOptions,
  ) {
    this.kind = engine.kind;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  }

  supports(secret: DriverSecret): boolean {
    return secret.type === 'Generic' && secret.extendedConfig.SecretSubType === this.engine.subType;
  }

  validateConfig(secret: DriverSecret): void {
    this.config(secret);
  }

  /** Records the initial value's account in ExtendedConfig.AccountName: every later value must name it. */
  fixTarget(req: InitialVersionsRequest): Record<string, unknown> {
    const config = this.config(req.secret);
    const initial = parseAccountCredential(req.secretData);
    if (!initial) throw invalidParameter('SecretData', CREDENTIAL_FORMAT);
    const fixed = config.accountName ?? initial.AccountName;
    if (!fixedAccounts(config.strategy, fixed).includes(initial.AccountName))
      throw invalidParameter('SecretData', `must name the account in ExtendedConfig.AccountName${partnerClause(config)}`);
    return { ...req.secret.extendedConfig, AccountName: fixed };
  }

  /** A written value must be a credential of the account fixed at creation: it cannot move the secret to another. */
  async checkWrittenValue(req: WrittenValueRequest): Promise<void> {
    const config = this.config(req.secret);
    const written = parseAccountCredential(req.value);
    if (!written) throw invalidParameter('SecretData', CREDENTIAL_FORMAT);
    let fixed: string;
    try {
      fixed = fixedAccountOf(config, parseAccountCredential(req.currentValue));
    } catch {
      throw invalidParameter('SecretData', 'cannot be checked: the account this secret manages is not known');
    }
    if (!fixedAccounts(config.strategy, fixed).includes(written.AccountName))
      throw invalidParameter('SecretData', `must name the account "${fixed}"${partnerClause(config)}: the account of a secret is fixed when it is created`);
  }

  async preflight(req: PreflightRequest): Promise<PreflightResponse> {
    const checks: PreflightCheck[] = [];
    let config: SqlTargetConfig;
    try {
      config = this.config(req.secret);
      checks.push(passed('config', 'The ExtendedConfig is valid.'));
    } catch (error) {
      return { checks: [failed('config', reason(error))] };
    }
    const current = parseAccountCredential(req.currentValue);
    if (req.currentValue !== undefined && req.currentValue !== null && !current)
      checks.push(failed('current-value', 'ACSCurrent is not {"AccountName","AccountPassword"} JSON.'));
    checks.push(...(await this.managerChecks(config, current)));
    if (current) checks.push(await this.loginCheck('current-login', config, current));
    return { checks };
  }

  async generate(req: GenerateRequest): Promise<GenerateResponse> {
    const config = this.config(req.secret);
    const current = requireAccountCredential(req.currentValue, 'ACSCurrent');
    requireFixedAccount(config.strategy, fixedAccountOf(config, current), current, 'ACSCurrent');
    const previous = parseAccountCredential(req.previousValue);
    const account = pendingAccountName(config.strategy, current, previous, this.engine.maxAccountNameBytes);
    const password = generateTargetPassword(this.engine.passwordTarget, config.passwordProfile, { accountName: account });
    return { value: formatAccountCredential({ AccountName: account, AccountPassword: password }) };
  }

  async apply(req: ApplyRequest): Promise<Record<string, never>> {
    const config = this.config(req.secret);
    const pending = requireAccountCredential(req.pendingValue, 'The pending value');
    const current = parseAccountCredential(req.currentValue);
    // The accounts come from what was fixed at creation; ACSCurrent only says which of the two is in use.
    const fixed = fixedAccountOf(config, current);
    requireFixedAccount(config.strategy, fixed, pending, 'The pending value');
    if (current) requireFixedAccount(config.strategy, fixed, current, 'ACSCurrent');
    checkPendingAccount(config.strategy, pending, current);
    await this.withManager(config, async (session) => {
      if (config.strategy === 'SingleUser') return session.resetPassword(pending.AccountName, pending.AccountPassword);
      // checkPendingAccount has proven that DoubleUsers has a current credential and a Role.
      const partner = (current as AccountCredential).AccountName;
      return session.setGroupMember(pending.AccountName, pending.AccountPassword, config.role as string, partner);
    });
    return {};
  }

  /** A real login with the pending credential; for DoubleUsers also proof that it acts with the group's privileges. */
  async verify(req: VerifyRequest): Promise<Record<string, never>> {
    const config = this.config(req.secret);
    const pending = requireAccountCredential(req.pendingValue, 'The pending value');
    if (config.accountName !== undefined) requireFixedAccount(config.strategy, config.accountName, pending, 'The pending value');
    await this.withSession(config, { user: pending.AccountName, password: pending.AccountPassword }, async (session) => {
      await session.ping();
      if (config.strategy !== 'DoubleUsers') return;
      const role = await session.effectiveRole();
      if (role !== config.role)
        throw new TargetError('Target.VerifyFailed', 'The pending account logs in but does not use the group role by default.', true);
    });
    return {};
  }

  /** The managing secret, each account the values name (with its partner for DoubleUsers), and the group role. */
  resourcesOf({ secret, values, scope }: ResourcesRequest): SecretResources {
    const config = this.config(secret);
    const accounts = accountNamesOf(values, config.strategy === 'DoubleUsers');
    const roles = config.role === undefined ? [] : [config.role];
    const { host, port } = config;
    return {
      managingSecrets: [{ reference: config.managerSecretName, host, port, accounts, roles }],
      targets: [
        ...accounts.map((a) => ({ resource: databaseAccountResource(scope, host, port, a), privileged: isPrivilegedName(a) })),
        ...roles.map((r) => ({ resource: databaseRoleResource(scope, host, port, r), privileged: isPrivilegedName(r) })),
      ],
    };
  }

  /** SingleUser resets the password ACSCurrent holds; DoubleUsers changes the other account. */
  replacesCurrentInPlace(secret: DriverSecret): boolean {
    return this.config(secret).strategy === 'SingleUser';
  }

  /** Drift check: a real login with ACSCurrent, read-only (no role check: the first account may predate the group). */
  async checkCurrent(req: { secret: DriverSecret; currentValue: string }): Promise<Record<string, never>> {
    const config = this.config(req.secret);
    const current = requireAccountCredential(req.currentValue, 'ACSCurrent');
    await this.withSession(config, { user: current.AccountName, password: current.AccountPassword }, (session) => session.ping());
    return {};
  }

  /** SQL needs no cleanup: the other account's password stays valid as ACSPrevious, which is the dual-account promise. */
  async finalize(): Promise<FinalizeResponse> {
    return {};
  }

  private config(secret: DriverSecret): SqlTargetConfig {
    return parseSqlTargetConfig(secret.extendedConfig, this.engine);
  }

  private async managerCredential(config: SqlTargetConfig): Promise<AccountCredential> {
    let value: string;
    try {
      value = await this.options.resolveSecret(config.managerSecretName);
    } catch (error) {
      const detail = error instanceof KmsError ? error.code : 'unknown error';
      throw new TargetError('Target.ManagerSecretUnavailable', `The managing secret cannot be read (${detail}).`, true);
    }
    return requireAccountCredential(value, 'The managing secret');
  }

  private async withSession<T>(config: SqlTargetConfig, login: SqlLogin, work: (s: SqlSession) => Promise<T>): Promise<T> {
    const session = await this.engine.connect(config, login, this.timeouts);
    try {
      return await work(session);
    } finally {
      await session.close();
    }
  }

  private async withManager<T>(config: SqlTargetConfig, work: (s: SqlSession) => Promise<T>): Promise<T> {
    const manager = await this.managerCredential(config);
    return this.withSession(config, { user: manager.AccountName, password: manager.AccountPassword }, work);
  }

  private async managerChecks(config: SqlTargetConfig, current: AccountCredential | null): Promise<PreflightCheck[]> {
    let manager: AccountCredential;
    try {
      manager = await this.managerCredential(config);
    } catch (error) {
      return [failed('manager-secret', reason(error))];
    }
    const checks = [passed('manager-secret', `The managing credential for account "${manager.AccountName}" was read.`)];
    let session: SqlSession;
    try {
      session = await this.engine.connect(config, { user: manager.AccountName, password: manager.AccountPassword }, this.timeouts);
      await session.ping();
    } catch (error) {
      return [...checks, failed('manager-login', reason(error))];
    }
    try {
      checks.push(passed('manager-login', `Logged in to ${config.host}:${config.port} as "${manager.AccountName}".`));
      const accounts = current ? [current.AccountName] : [];
      if (current && config.strategy === 'DoubleUsers') accounts.push(partnerAccount(current.AccountName));
      const permission = await session.managementPermission({ strategy: config.strategy, accounts, group: config.role });
      checks.push({ name: 'manage-accounts', ...permission });
      if (current) checks.push(await this.accountCheck(session, current.AccountName));
      if (config.strategy === 'DoubleUsers') checks.push(await this.groupCheck(session, config.role as string));
    } catch (error) {
      checks.push(failed('manager-queries', reason(error)));
    } finally {
      await session.close();
    }
    return checks;
  }

  private async accountCheck(session: SqlSession, account: string): Promise<PreflightCheck> {
    return (await session.accountExists(account))
      ? passed('account', `The account "${account}" exists.`)
      : failed('account', `The account "${account}" in ACSCurrent does not exist.`);
  }

  private async groupCheck(session: SqlSession, role: string): Promise<PreflightCheck> {
    return passed(
      'group-role',
      (await session.accountExists(role))
        ? `The group role "${role}" exists.`
        : `The group role "${role}" does not exist yet; the first rotation creates it (it has no privileges until you grant them).`,
    );
  }

  private async loginCheck(name: string, config: SqlTargetConfig, credential: AccountCredential): Promise<PreflightCheck> {
    try {
      await this.withSession(config, { user: credential.AccountName, password: credential.AccountPassword }, (s) => s.ping());
      return passed(name, `The account "${credential.AccountName}" logs in.`);
    } catch (error) {
      return failed(name, reason(error));
    }
  }
}
