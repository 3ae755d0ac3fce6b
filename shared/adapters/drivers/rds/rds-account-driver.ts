/**
 * Managed RDS secrets (`SecretType=Rds`): rotation through the RDS OpenAPI (ResetAccountPassword),
 * as KMS does it. DoubleUsers keeps two accounts with the same privileges and resets the one in
 * ACSPrevious, so the credential in use keeps working until the promote step swaps them;
 * SingleUser resets its one account in place. CreateSecret either imports existing accounts
 * (SecretData `{"Accounts":[…]}`, passwords not checked: a wrong one is healed by the first
 * rotation) or creates them (ExtendedConfig.CreateAccounts: CreateAccount + GrantAccountPrivilege),
 * only once every other check of the create has passed.
 */
import {
  formatAccountCredential,
  parseAccountCredential,
  partnerAccount,
  requireAccountCredential,
  type AccountCredential,
} from '../../../domain/database-accounts.js';
import { isPrivilegedName, rdsAccountResource, type SecretResources } from '../../../domain/deputy/index.js';
import { invalidParameter, TargetError } from '../../../domain/errors.js';
import { accountNamesOf } from '../account-names.js';
import { generateTargetPassword } from '../../../domain/password-profiles.js';
import type {
  ApplyRequest,
  DriverSecret,
  FinalizeResponse,
  GenerateRequest,
  GenerateResponse,
  InitialVersionsRequest,
  InitialVersionsResponse,
  PreflightCheck,
  PreflightRequest,
  PreflightResponse,
  ResourcesRequest,
  TargetDriver,
  VerifyRequest,
} from '../../../ports/target-driver.js';
import { parseRdsConfig, TWIN_SUFFIX, type RdsSecretConfig } from './config.js';
import { loginToInstance, type InstanceLogin } from './instance-login.js';
import type { RdsAccountsApi, RdsInstanceInfo } from './rds-api.js';
import { failed, passed, reason } from '../driver-kit.js';

export interface RdsDriverOptions {
  api: RdsAccountsApi;
  login?: InstanceLogin;
  loginTimeoutMs?: number;
  /** Verify logins tried before giving up: a reset may take a moment to reach every node. */
  verifyAttempts?: number;
  verifyRetryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const mismatch = (text: string) => new TargetError('Target.AccountMismatch', text, false);

const SECRET_DATA_FORMAT = 'must be {"Accounts":[{"AccountName":"…","AccountPassword":"…"}]}';

/** SecretData in RDS's input format: the accounts to import. */
const parseImportedAccounts = (secretData: string): AccountCredential[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretData);
  } catch {
    throw invalidParameter('SecretData', SECRET_DATA_FORMAT);
  }
  const accounts = (parsed as { Accounts?: unknown } | null)?.Accounts;
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(accounts)) throw invalidParameter('SecretData', SECRET_DATA_FORMAT);
  return accounts.map((account) => {
    const credential = parseAccountCredential(JSON.stringify(account ?? null));
    if (!credential) throw invalidParameter('SecretData', SECRET_DATA_FORMAT);
    return credential;
  });
};

/** Each account of SecretData in the input format, as a credential value; none when it is not that format. */
const importedAccountValues = (value: string | null | undefined): string[] => {
  try {
    return value ? parseImportedAccounts(value).map((a) => JSON.stringify(a)) : [];
  } catch {
    return [];
  }
};

export class RdsAccountDriver implements TargetDriver {
  readonly kind = 'rds-account';
  private readonly login: InstanceLogin;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RdsDriverOptions) {
    this.login = options.login ?? loginToInstance;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  supports(secret: DriverSecret): boolean {
    return secret.type === 'Rds';
  }

  validateConfig(secret: DriverSecret): void {
    parseRdsConfig(secret);
  }

  /**
   * The instance's accounts the values name (SecretData's `Accounts` at creation, a credential
   * later) and those one-click creation makes; a Super account and administrator names are privileged.
   */
  resourcesOf({ secret, values, scope }: ResourcesRequest): SecretResources {
    const config = parseRdsConfig(secret);
    const doubled = config.strategy === 'DoubleUsers';
    const names = new Set(accountNamesOf([...values, ...values.flatMap(importedAccountValues)], doubled));
    const created = config.createAccounts;
    if (created) for (const name of accountNamesOf([JSON.stringify({ AccountName: created.accountName, AccountPassword: '' })], doubled)) names.add(name);
    const isSuper = (name: string) => created?.accountType === 'Super' && created.accountName === name;
    return {
      managingSecrets: [],
      targets: [...names].map((n) => ({ resource: rdsAccountResource(scope, config.instanceId, n), privileged: isSuper(n) || isPrivilegedName(n) })),
    };
  }

  async initialVersions(req: InitialVersionsRequest): Promise<InitialVersionsResponse> {
    const config = parseRdsConfig(req.secret);
    const given = parseImportedAccounts(req.secretData);
    const accounts = config.createAccounts ? await this.createAccounts(config, given) : await this.importAccounts(config, given);
    const [current, previous] = accounts.map(formatAccountCredential);
    return { current: current as string, ...(previous !== undefined ? { previous } : {}) };
  }

  async preflight(req: PreflightRequest): Promise<PreflightResponse> {
    let config: RdsSecretConfig;
    try {
      config = parseRdsConfig(req.secret);
    } catch (error) {
      return { checks: [failed('config', reason(error))] };
    }
    const checks = [passed('config', 'The ExtendedConfig is valid.')];
    let instance: RdsInstanceInfo;
    try {
      instance = await this.options.api.describeInstance(config.instanceId);
      const running = instance.status === 'Running';
      checks.push((running ? passed : failed)('instance', `The instance runs ${instance.engine} and is ${instance.status || 'in an unknown state'}.`));
    } catch (error) {
      checks.push(failed('instance', reason(error)));
      return { checks };
    }
    const current = parseAccountCredential(req.currentValue);
    if (req.currentValue !== undefined && req.currentValue !== null && !current)
      checks.push(failed('current-value', 'ACSCurrent is not {"AccountName","AccountPassword"} JSON.'));
    if (!current) return { checks };
    try {
      const account = await this.options.api.describeAccount(config.instanceId, current.AccountName);
      checks.push(
        account
          ? passed('account', `The account in ACSCurrent exists (${account.status || 'status unknown'}); the accounts API answers.`)
          : failed('account', 'The account in ACSCurrent does not exist on the instance.'),
      );
    } catch (error) {
      checks.push(failed('account', reason(error)));
    }
    if (config.verifyLogin) checks.push(await this.loginCheck(config, instance, current));
    return { checks };
  }

  async generate(req: GenerateRequest): Promise<GenerateResponse> {
    const config = parseRdsConfig(req.secret);
    const current = requireAccountCredential(req.currentValue, 'ACSCurrent');
    const accountName =
      config.strategy === 'SingleUser' ? current.AccountName : this.twinOf(current, parseAccountCredential(req.previousValue ?? null));
    const password = generateTargetPassword('alibaba-rds', config.passwordProfile);
    return { value: formatAccountCredential({ AccountName: accountName, AccountPassword: password }) };
  }

  async apply(req: ApplyRequest): Promise<Record<string, never>> {
    const config = parseRdsConfig(req.secret);
    const pending = requireAccountCredential(req.pendingValue, 'The pending value');
    const current = parseAccountCredential(req.currentValue);
    if (config.strategy === 'SingleUser') {
      if (current && current.AccountName !== pending.AccountName) throw mismatch('The pending value names a different account than ACSCurrent.');
    } else {
      if (!current) throw new TargetError('Target.InvalidSecretData', 'ACSCurrent is not {"AccountName","AccountPassword"} JSON.', false);
      if (pending.AccountName === current.AccountName)
        throw mismatch('The pending value names the account in ACSCurrent; DoubleUsers resets the other one.');
      if (pending.AccountName !== this.twinOf(current, parseAccountCredential(req.previousValue)))
        throw mismatch('The pending value names neither the account in ACSPrevious nor the twin of ACSCurrent.');
    }
    await this.options.api.resetPassword(config.instanceId, pending.AccountName, pending.AccountPassword);
    return {};
  }

  async verify(req: VerifyRequest): Promise<Record<string, never>> {
    const config = parseRdsConfig(req.secret);
    const pending = requireAccountCredential(req.pendingValue, 'The pending value');
    if (!config.verifyLogin) {
      const account = await this.options.api.describeAccount(config.instanceId, pending.AccountName);
      if (!account) throw new TargetError('Target.Rejected', 'The account of the pending value does not exist on the instance.', false);
      return {};
    }
    const instance = await this.options.api.describeInstance(config.instanceId);
    const attempts = Math.max(1, this.options.verifyAttempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.login(this.loginTarget(config, instance), pending.AccountName, pending.AccountPassword);
        return {};
      } catch (error) {
        if (attempt >= attempts) throw error;
        await this.sleep(this.options.verifyRetryDelayMs ?? 1000);
      }
    }
  }

  /** SingleUser resets the password ACSCurrent holds; DoubleUsers resets the other account. */
  replacesCurrentInPlace(secret: DriverSecret): boolean {
    return parseRdsConfig(secret).strategy === 'SingleUser';
  }

  /** Drift check: what verify does with the pending value (a login, or the account's existence), with ACSCurrent. */
  async checkCurrent(req: { secret: DriverSecret; currentValue: string }): Promise<Record<string, never>> {
    return this.verify({ secret: req.secret, pendingValue: req.currentValue });
  }

  /** RDS keeps both accounts; nothing to clean up once the pending value is promoted. */
  async finalize(): Promise<FinalizeResponse> {
    return {};
  }

  /** The DoubleUsers account that is not in use: ACSPrevious's, or the `_clone` twin when there is no usable ACSPrevious. */
  private twinOf(current: AccountCredential, previous: AccountCredential | null): string {
    if (previous && previous.AccountName !== current.AccountName) return previous.AccountName;
    return partnerAccount(current.AccountName);
  }

  private loginTarget(config: RdsSecretConfig, instance: RdsInstanceInfo) {
    return {
      instance,
      ...(config.loginDatabase ? { database: config.loginDatabase } : {}),
      timeoutMs: this.options.loginTimeoutMs ?? 10_000,
    };
  }

  private async loginCheck(config: RdsSecretConfig, instance: RdsInstanceInfo, current: AccountCredential): Promise<PreflightCheck> {
    try {
      await this.login(this.loginTarget(config, instance), current.AccountName, current.AccountPassword);
      return passed('current-login', 'ACSCurrent logs in to the instance.');
    } catch (error) {
      return failed('current-login', `ACSCurrent does not log in: ${reason(error)}`);
    }
  }

  private async importAccounts(config: RdsSecretConfig, accounts: AccountCredential[]): Promise<AccountCredential[]> {
    const expected = config.strategy === 'DoubleUsers' ? 2 : 1;
    if (accounts.length !== expected)
      throw invalidParameter('SecretData', `must name ${expected} account${expected > 1 ? 's' : ''} for ${config.strategy}`);
    if (new Set(accounts.map((a) => a.AccountName)).size !== accounts.length) throw invalidParameter('SecretData', 'must name two different accounts');
    await this.options.api.describeInstance(config.instanceId);
    for (const [i, account] of accounts.entries()) {
      if (!(await this.options.api.describeAccount(config.instanceId, account.AccountName)))
        throw invalidParameter(`SecretData.Accounts[${i}].AccountName`, 'is not an account of the instance');
    }
    return accounts;
  }

  /** One-click creation: refuses names already taken (it never takes over an account), undoes a half-done creation. */
  private async createAccounts(config: RdsSecretConfig, given: AccountCredential[]): Promise<AccountCredential[]> {
    const plan = config.createAccounts;
    if (!plan) return given;
    if (given.length > 0) throw invalidParameter('SecretData', 'must be {"Accounts":[]} when ExtendedConfig.CreateAccounts creates the accounts');
    const names = config.strategy === 'DoubleUsers' ? [plan.accountName, plan.accountName + TWIN_SUFFIX] : [plan.accountName];
    const { api } = this.options;
    await api.describeInstance(config.instanceId);
    for (const name of names) {
      if (await api.describeAccount(config.instanceId, name))
        throw invalidParameter('ExtendedConfig.CreateAccounts.AccountName', `${name} already exists on the instance; import it instead`);
    }
    const created: AccountCredential[] = [];
    try {
      for (const name of names) {
        const password = generateTargetPassword('alibaba-rds', config.passwordProfile);
        await api.createAccount({ instanceId: config.instanceId, accountName: name, password, accountType: plan.accountType });
        created.push({ AccountName: name, AccountPassword: password });
        if (plan.grant)
          await api.grantPrivilege({ instanceId: config.instanceId, accountName: name, database: plan.grant.database, privilege: plan.grant.privilege });
      }
    } catch (error) {
      for (const account of created) await api.deleteAccount(config.instanceId, account.AccountName).catch(() => undefined);
      throw error;
    }
    return created;
  }
}
