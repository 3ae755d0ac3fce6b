/**
 * Managed RAM secrets (SecretType RAMCredentials, SubType RamUserAccessKey): each rotation gives
 * the RAM user a new AccessKey. A RAM user holds at most two keys, so:
 * - generate deletes, when the user is at the limit, a key that is not ACSCurrent (one that is
 *   neither ACSCurrent nor ACSPrevious first: an orphan of an interrupted generate), then creates
 *   the new key with the managing credential. It never reads the old secret, so a wrong initial
 *   secret is healed by the first rotation.
 * - apply has nothing left to do: the key exists once created.
 * - verify proves the new key with a real call signed by it (RAM GetUser on its own user; a
 *   permission refusal still proves the signature), retried while RAM has not yet propagated it.
 * - finalize disables and deletes every key that is neither the new ACSCurrent nor ACSPrevious,
 *   and asks the engine to retire ACSPrevious once the PreviousKeyWindow has passed (cleanup).
 * Deleting the secret touches no key (as in KMS).
 */
import { isPrivilegedName, ramUserResource, type SecretResources } from '../../../domain/deputy/index.js';
import { invalidParameter, TargetError } from '../../../domain/errors.js';
import type {
  ApplyResponse,
  CleanupRequest,
  CleanupResponse,
  DriverSecret,
  FinalizeRequest,
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
  VerifyResponse,
} from '../../../ports/target-driver.js';
import { clientPerCredentials, type CredentialsProvider } from '../../support/cloud-credentials.js';
import {
  accessKeyIdOf,
  formatAccessKey,
  parseSecretData,
  ramTimestamp,
  requireAccessKey,
  type AccessKeyPair,
} from './access-key-value.js';
import { ramConfigOf, type RamSecretConfig } from './config.js';
import { sdkRamApi, ramErrorCode, type RamApi, type RamApiFactory, type RamKeyInfo } from './ram-api.js';
import { isGone, isPermissionDenied, ramCall, ramTargetError } from './ram-errors.js';

export const RAM_KEYS_PER_USER = 2;

export interface RamAccessKeyDriverOptions {
  /** The managing credential (needs ram:ListAccessKeys, CreateAccessKey, UpdateAccessKey, DeleteAccessKey). */
  credentials: CredentialsProvider;
  /** RAM endpoint override (tests: http://127.0.0.1:port). */
  endpoint?: string;
  /** Replaces the SDK (tests of failure paths). */
  api?: RamApiFactory;
  /** Attempts of verify while a new key is not yet known everywhere (default 6). */
  verifyAttempts?: number;
  /** Wait before verify attempt n+1 (default 1 s, doubling, at most 8 s). */
  verifyDelayMs?: (attempt: number) => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const defaultDelay = (attempt: number): number => Math.min(8000, 1000 * 2 ** (attempt - 1));
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Thrown inside verify while the new key may still be propagating; retried, then reported. */
class NotYetVisible extends Error {
  constructor(readonly final: TargetError) {
    super(final.message);
  }
}

export class RamAccessKeyDriver implements TargetDriver {
  readonly kind = 'ram-access-key';
  private readonly apiFor: RamApiFactory;
  private readonly manager: () => Promise<RamApi>;

  constructor(private readonly options: RamAccessKeyDriverOptions) {
    this.apiFor = options.api ?? sdkRamApi({ ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    this.manager = clientPerCredentials(options.credentials, this.apiFor);
  }

  supports(secret: DriverSecret): boolean {
    return secret.type === 'RAMCredentials';
  }

  validateConfig(secret: DriverSecret): void {
    ramConfigOf(secret.extendedConfig);
  }

  /** The RAM user whose AccessKeys rotate; administrator names are privileged (a pure check sees names, not policies). */
  resourcesOf({ secret, scope }: ResourcesRequest): SecretResources {
    const { userName } = ramConfigOf(secret.extendedConfig);
    return { managingSecrets: [], targets: [{ resource: ramUserResource(scope.accountId, userName), privileged: isPrivilegedName(userName) }] };
  }

  async preflight(req: PreflightRequest): Promise<PreflightResponse> {
    const config = ramConfigOf(req.secret.extendedConfig);
    const checks: PreflightCheck[] = [];
    let keys: RamKeyInfo[];
    try {
      keys = await this.listKeys(config);
      checks.push({ name: 'ram.list-access-keys', ok: true, detail: `RAM user ${config.userName} has ${keys.length} of ${RAM_KEYS_PER_USER} AccessKeys.` });
    } catch (error) {
      checks.push({ name: 'ram.list-access-keys', ok: false, detail: ramTargetError('ListAccessKeys', error).message });
      return { checks };
    }
    const currentId = accessKeyIdOf(req.currentValue);
    if (req.currentValue) {
      const listed = keys.find((k) => k.accessKeyId === currentId);
      checks.push({
        name: 'ram.current-key',
        ok: listed?.status === 'Active',
        detail: listed ? `ACSCurrent's AccessKey ${listed.accessKeyId} is ${listed.status}.` : `ACSCurrent names no AccessKey of RAM user ${config.userName}.`,
      });
      if (listed) checks.push(await this.authenticationCheck(config, req.currentValue));
    }
    return { checks };
  }

  async initialVersions(req: InitialVersionsRequest): Promise<InitialVersionsResponse> {
    const config = ramConfigOf(req.secret.extendedConfig);
    const pairs = parseSecretData(req.secretData);
    const keys = await this.listKeys(config);
    const given = new Set(pairs.map((p) => p.AccessKeyId));
    for (const key of keys) {
      if (!given.has(key.accessKeyId)) throw invalidParameter('SecretData', `must list every AccessKey of RAM user ${config.userName}`);
    }
    const created = (pair: AccessKeyPair) => keys.find((k) => k.accessKeyId === pair.AccessKeyId)?.createDate;
    for (const pair of pairs) {
      if (created(pair) === undefined) throw invalidParameter('SecretData', `AccessKey ${pair.AccessKeyId} is not a key of RAM user ${config.userName}`);
    }
    const newestFirst = [...pairs].sort((a, b) => Date.parse(created(b) ?? '') - Date.parse(created(a) ?? ''));
    const value = (pair: AccessKeyPair) => formatAccessKey(pair, created(pair) || this.timestamp());
    const [newest, older] = newestFirst as [AccessKeyPair, AccessKeyPair | undefined];
    return older ? { current: value(newest), previous: value(older) } : { current: value(newest) };
  }

  async generate(req: GenerateRequest): Promise<GenerateResponse> {
    const config = ramConfigOf(req.secret.extendedConfig);
    const currentId = accessKeyIdOf(req.currentValue);
    const previousId = accessKeyIdOf(req.previousValue);
    const keys = await this.listKeys(config);
    if (keys.length >= RAM_KEYS_PER_USER) {
      const untracked = keys.find((k) => k.accessKeyId !== currentId && k.accessKeyId !== previousId);
      const previous = keys.find((k) => k.accessKeyId === previousId && k.accessKeyId !== currentId);
      const victim = untracked ?? previous;
      if (!victim) throw new TargetError('Target.Rejected', `RAM user ${config.userName} has no AccessKey that may be removed.`, false);
      await this.retireKey(config, victim.accessKeyId);
    }
    const api = await this.manager();
    const created = await ramCall('CreateAccessKey', () => api.createAccessKey(config.userName));
    const pair = { AccessKeyId: created.accessKeyId, AccessKeySecret: created.accessKeySecret };
    return { value: formatAccessKey(pair, created.createDate || this.timestamp()) };
  }

  /** The key was created by generate: there is nothing to put on the target. */
  async apply(): Promise<ApplyResponse> {
    return {};
  }

  async verify(req: VerifyRequest): Promise<VerifyResponse> {
    const config = ramConfigOf(req.secret.extendedConfig);
    const pair = requireAccessKey(req.pendingValue, 'pending value');
    const attempts = this.options.verifyAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.proveKey(config, pair);
        return {};
      } catch (error) {
        if (!(error instanceof NotYetVisible)) throw error;
        if (attempt >= attempts) throw error.final;
        await (this.options.sleep ?? realSleep)((this.options.verifyDelayMs ?? defaultDelay)(attempt));
      }
    }
  }

  /** Drift check: one signed call made with ACSCurrent; no waiting for propagation, the key is not new. */
  async checkCurrent(req: { secret: DriverSecret; currentValue: string }): Promise<Record<string, never>> {
    const config = ramConfigOf(req.secret.extendedConfig);
    try {
      await this.proveKey(config, requireAccessKey(req.currentValue, 'ACSCurrent'));
    } catch (error) {
      throw error instanceof NotYetVisible ? error.final : error;
    }
    return {};
  }

  async finalize(req: FinalizeRequest): Promise<FinalizeResponse> {
    const config = ramConfigOf(req.secret.extendedConfig);
    const currentId = accessKeyIdOf(req.newCurrentValue);
    if (currentId === null) throw new TargetError('Target.InvalidSecretData', 'The new ACSCurrent names no AccessKey.', false);
    const previousId = accessKeyIdOf(req.newPreviousValue);
    const keys = await this.listKeys(config);
    for (const key of keys) {
      if (key.accessKeyId !== currentId && key.accessKeyId !== previousId) await this.retireKey(config, key.accessKeyId);
    }
    const previousStays = previousId !== null && previousId !== currentId && keys.some((k) => k.accessKeyId === previousId);
    return previousStays ? { cleanupAfterSeconds: config.previousKeyWindowSeconds } : {};
  }

  async cleanup(req: CleanupRequest): Promise<CleanupResponse> {
    const config = ramConfigOf(req.secret.extendedConfig);
    const retiredId = accessKeyIdOf(req.retiredValue);
    if (retiredId === null || retiredId === accessKeyIdOf(req.currentValue)) return {};
    const keys = await this.listKeys(config);
    if (keys.some((k) => k.accessKeyId === retiredId)) await this.retireKey(config, retiredId);
    return {};
  }

  private timestamp(): string {
    return ramTimestamp((this.options.now ?? Date.now)());
  }

  private async listKeys(config: RamSecretConfig): Promise<RamKeyInfo[]> {
    const api = await this.manager();
    return ramCall('ListAccessKeys', () => api.listAccessKeys(config.userName));
  }

  /** Disabled first (RAM's console requires it before a delete), then deleted; a key already gone is success. */
  private async retireKey(config: RamSecretConfig, accessKeyId: string): Promise<void> {
    const api = await this.manager();
    for (const [action, call] of [
      ['UpdateAccessKey', () => api.updateAccessKey(config.userName, accessKeyId, 'Inactive')],
      ['DeleteAccessKey', () => api.deleteAccessKey(config.userName, accessKeyId)],
    ] as const) {
      try {
        await call();
      } catch (error) {
        if (isGone(ramErrorCode(error))) return;
        throw ramTargetError(action, error);
      }
    }
  }

  /** The key is the user's, Active, and a call signed with it authenticates. */
  private async proveKey(config: RamSecretConfig, pair: AccessKeyPair): Promise<void> {
    const listed = (await this.listKeys(config)).find((k) => k.accessKeyId === pair.AccessKeyId);
    if (!listed) {
      throw new NotYetVisible(new TargetError('Target.AccountMismatch', `The AccessKey is not a key of RAM user ${config.userName}.`, false));
    }
    if (listed.status !== 'Active') throw new TargetError('Target.AuthenticationFailed', 'The AccessKey is disabled.', false);
    try {
      await this.apiFor({ accessKeyId: pair.AccessKeyId, accessKeySecret: pair.AccessKeySecret }).getUser(config.userName);
    } catch (error) {
      const code = ramErrorCode(error);
      if (isPermissionDenied(code)) return;
      const failure = ramTargetError('GetUser signed with the new AccessKey', error);
      if (code === 'InvalidAccessKeyId.NotFound') throw new NotYetVisible(failure);
      throw failure;
    }
  }

  private async authenticationCheck(config: RamSecretConfig, value: string): Promise<PreflightCheck> {
    const name = 'ram.current-key-authenticates';
    const pair = requireAccessKey(value, 'ACSCurrent value');
    try {
      await this.apiFor({ accessKeyId: pair.AccessKeyId, accessKeySecret: pair.AccessKeySecret }).getUser(config.userName);
      return { name, ok: true, detail: 'A call signed with ACSCurrent authenticates.' };
    } catch (error) {
      const code = ramErrorCode(error);
      if (isPermissionDenied(code)) return { name, ok: true, detail: 'A call signed with ACSCurrent authenticates (and is not allowed GetUser).' };
      return { name, ok: false, detail: ramTargetError('GetUser signed with ACSCurrent', error).message };
    }
  }
}
