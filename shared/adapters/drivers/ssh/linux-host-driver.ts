/**
 * Rotates the password or the authorized SSH key of a Linux user over SSH, as a managing login
 * (root, or a user with passwordless sudo) kept in another secret.
 *
 * Password: only a SHA-512 crypt hash, computed here, reaches the host (`chpasswd -e`); verify is
 * a real password login. The old password stops working at apply, as with KMS's ECS secrets.
 *
 * SSH key: apply adds the new public key to this secret's managed block in authorized_keys and
 * keeps the key in use; verify logs in with the new private key; finalize, which runs once the
 * new value is promoted, leaves only the new key in the block. So there is no moment without a
 * working key. Keys outside the block are never touched, except ACSCurrent's own key, which
 * apply moves into the block (still working) so that the rotation can retire it: only when
 * ACSCurrent holds the private key it derives from (proof that the key is the secret's own), and
 * never out of another secret's block.
 *
 * Errors are left as ssh2 throws them; wrap the driver in RedactingDriver (see drivers.ts).
 */
import { hostUserResource, isPrivilegedName, type SecretResources } from '../../../domain/deputy/index.js';
import { invalidParameter, KmsError, TargetError } from '../../../domain/errors.js';
import { generateTargetPassword } from '../../../domain/password-profiles.js';
import type {
  ApplyRequest,
  DriverSecret,
  FinalizeRequest,
  GenerateRequest,
  GenerateResponse,
  PreflightCheck,
  PreflightRequest,
  PreflightResponse,
  ResourcesRequest,
  TargetDriver,
  VerifyRequest,
  WrittenValueRequest,
} from '../../../ports/target-driver.js';
import { LINUX_PASSWORD, LINUX_SUBTYPES, managedBlockId, parseLinuxHostConfig, type LinuxHostConfig } from './config.js';
import {
  keyLogin,
  parseLinuxKeyPair,
  parseLinuxPassword,
  passwordLogin,
  provenPublicKeyOf,
  requireLinuxKeyPair,
  requireLinuxPassword,
  requireManagerLogin,
  requireMatchingPublicKey,
  type SshLogin,
} from './credentials.js';
import { ManagedHost } from './managed-host.js';
import { sha512Crypt } from './sha512-crypt.js';
import { authorizedKeyLine, generateRsaKeyPair, sameKey } from './ssh-keys.js';
import { SshOpenFailure, SshSession, withSshSession, type SshEndpoint, type SshTimeouts } from './ssh-session.js';
import { failed, passed, reason, type ResolveSecret } from '../driver-kit.js';

export type { ResolveSecret };

export interface LinuxHostDriverOptions {
  resolveSecret: ResolveSecret;
  timeouts?: Partial<SshTimeouts>;
}

/** The host script may wait up to 30 s for another edit's lock, so commands get longer than that. */
const DEFAULT_TIMEOUTS: SshTimeouts = { connectMs: 10_000, commandMs: 60_000 };
const MAX_PASSWORD_LENGTH = 1024;
const GENERATED_KEY_COMMENT = 'secret-rotor';


const endpointOf = (config: LinuxHostConfig): SshEndpoint => ({
  host: config.host,
  port: config.port,
  hostKeyFingerprint: config.hostKeyFingerprint,
});

/** Confused-deputy check: a value may only ever act on the user the secret is configured for. */
const requireConfiguredUser = (config: LinuxHostConfig, userName: string, which: string): void => {
  if (userName !== config.userName)
    throw new TargetError('Target.AccountMismatch', `${which} is for user "${userName}", but the secret manages "${config.userName}".`, false);
};

const requireSettablePassword = (password: string): void => {
  if (password.includes('\u0000') || [...password].length > MAX_PASSWORD_LENGTH)
    throw new TargetError('Target.InvalidSecretData', `The pending password must be 1 to ${MAX_PASSWORD_LENGTH} characters without NUL.`, false);
};

export class LinuxHostDriver implements TargetDriver {
  readonly kind = 'linux-host';
  private readonly timeouts: SshTimeouts;

  constructor(private readonly options: LinuxHostDriverOptions) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  }

  supports(secret: DriverSecret): boolean {
    return secret.type === 'Generic' && (LINUX_SUBTYPES as readonly unknown[]).includes(secret.extendedConfig.SecretSubType);
  }

  validateConfig(secret: DriverSecret): void {
    parseLinuxHostConfig(secret.extendedConfig);
    managedBlockId(secret.name);
  }

  /** The managing login and the one OS user the config names (the values hold no user). */
  resourcesOf({ secret, scope }: ResourcesRequest): SecretResources {
    const { host, port, userName, managerSecretName } = parseLinuxHostConfig(secret.extendedConfig);
    return {
      managingSecrets: [{ reference: managerSecretName, host, port, accounts: [userName], roles: [] }],
      targets: [{ resource: hostUserResource(scope, host, port, userName), privileged: isPrivilegedName(userName) }],
    };
  }

  /**
   * A written value is for the configured user, and a key pair proves possession: its public key
   * derives from its private key. So no caller can claim (and a rotation later retire) a key it
   * merely copied from an authorized_keys file.
   */
  async checkWrittenValue(req: WrittenValueRequest): Promise<void> {
    const config = this.config(req.secret);
    try {
      if (config.subType === LINUX_PASSWORD) {
        requireConfiguredUser(config, requireLinuxPassword(req.value, 'SecretData').UserName, 'SecretData');
        return;
      }
      const pair = requireLinuxKeyPair(req.value, 'SecretData');
      requireConfiguredUser(config, pair.UserName, 'SecretData');
      await requireMatchingPublicKey(pair, 'SecretData');
    } catch (error) {
      // The checks' messages name formats and the configured user only, never a value.
      if (error instanceof TargetError) throw invalidParameter('SecretData', error.message);
      throw error;
    }
  }

  async preflight(req: PreflightRequest): Promise<PreflightResponse> {
    let config: LinuxHostConfig;
    try {
      this.validateConfig(req.secret);
      config = parseLinuxHostConfig(req.secret.extendedConfig);
    } catch (error) {
      return { checks: [failed('config', reason(error))] };
    }
    const checks = [passed('config', 'The ExtendedConfig is valid.')];
    const current = this.currentLogin(config, req.currentValue);
    if (current === 'unreadable') checks.push(failed('current-value', `ACSCurrent is not a ${config.subType} value for user "${config.userName}".`));
    checks.push(...(await this.managerChecks(config)));
    if (current && current !== 'unreadable') checks.push(await this.loginCheck(config, current));
    return { checks };
  }

  async generate(req: GenerateRequest): Promise<GenerateResponse> {
    const config = this.config(req.secret);
    if (config.subType === LINUX_PASSWORD) {
      const password = generateTargetPassword('linux', config.passwordProfile, { accountName: config.userName });
      return { value: JSON.stringify({ UserName: config.userName, Password: password }) };
    }
    const pair = await generateRsaKeyPair(GENERATED_KEY_COMMENT);
    return { value: JSON.stringify({ UserName: config.userName, PublicKey: pair.publicKey, PrivateKey: pair.privateKey }) };
  }

  async apply(req: ApplyRequest): Promise<Record<string, never>> {
    const config = this.config(req.secret);
    if (config.subType === LINUX_PASSWORD) await this.applyPassword(config, req);
    else await this.applyKey(config, req);
    return {};
  }

  /** A real login as the configured user with the pending credential. */
  async verify(req: VerifyRequest): Promise<Record<string, never>> {
    const config = this.config(req.secret);
    await withSshSession(endpointOf(config), await this.pendingLogin(config, req.pendingValue), this.timeouts, async () => undefined);
    return {};
  }

  /** A password is set over the one in use; a key is added beside it until finalize. */
  replacesCurrentInPlace(secret: DriverSecret): boolean {
    return this.config(secret).subType === LINUX_PASSWORD;
  }

  /** Drift check: the same real login as verify, with ACSCurrent. Read-only. */
  async checkCurrent(req: { secret: DriverSecret; currentValue: string }): Promise<Record<string, never>> {
    return this.verify({ secret: req.secret, pendingValue: req.currentValue });
  }

  /** Keys: retires every key of the managed block but the new ACSCurrent. Passwords: nothing left to do. */
  async finalize(req: FinalizeRequest): Promise<Record<string, never>> {
    const config = this.config(req.secret);
    if (config.subType === LINUX_PASSWORD) return {};
    const current = requireLinuxKeyPair(req.newCurrentValue, 'The new ACSCurrent');
    requireConfiguredUser(config, current.UserName, 'The new ACSCurrent');
    const key = await requireMatchingPublicKey(current, 'The new ACSCurrent');
    const blockId = managedBlockId(req.secret.name);
    await this.asManager(config, (host) => host.keepOnlyManagedKey(config.userName, blockId, authorizedKeyLine(key)));
    return {};
  }

  /** Only the SHA-512 crypt hash, salted afresh, leaves this process. */
  private async applyPassword(config: LinuxHostConfig, req: ApplyRequest): Promise<void> {
    const pending = requireLinuxPassword(req.pendingValue, 'The pending value');
    requireConfiguredUser(config, pending.UserName, 'The pending value');
    requireSettablePassword(pending.Password);
    const hash = sha512Crypt(pending.Password);
    await this.asManager(config, (host) => host.setPasswordHash(config.userName, hash));
  }

  /** Adds the pending key beside the one in use; ACSCurrent's key joins the block so finalize can retire it. */
  private async applyKey(config: LinuxHostConfig, req: ApplyRequest): Promise<void> {
    const pending = requireLinuxKeyPair(req.pendingValue, 'The pending value');
    requireConfiguredUser(config, pending.UserName, 'The pending value');
    const key = await requireMatchingPublicKey(pending, 'The pending value');
    const current = await provenPublicKeyOf(req.currentValue, config.userName);
    const adopt = current && !sameKey(current, key) ? authorizedKeyLine(current) : null;
    const blockId = managedBlockId(req.secret.name);
    await this.asManager(config, (host) => host.addManagedKey(config.userName, blockId, authorizedKeyLine(key), adopt));
  }

  private async pendingLogin(config: LinuxHostConfig, value: string): Promise<SshLogin> {
    if (config.subType === LINUX_PASSWORD) {
      const pending = requireLinuxPassword(value, 'The pending value');
      requireConfiguredUser(config, pending.UserName, 'The pending value');
      return passwordLogin(pending);
    }
    const pending = requireLinuxKeyPair(value, 'The pending value');
    requireConfiguredUser(config, pending.UserName, 'The pending value');
    await requireMatchingPublicKey(pending, 'The pending value');
    return keyLogin(pending);
  }

  private config(secret: DriverSecret): LinuxHostConfig {
    return parseLinuxHostConfig(secret.extendedConfig);
  }

  private async managerLogin(config: LinuxHostConfig): Promise<SshLogin> {
    let value: string;
    try {
      value = await this.options.resolveSecret(config.managerSecretName);
    } catch (error) {
      const detail = error instanceof KmsError ? error.code : 'unknown error';
      throw new TargetError('Target.ManagerSecretUnavailable', `The managing secret cannot be read (${detail}).`, true);
    }
    return requireManagerLogin(value);
  }

  private async asManager<T>(config: LinuxHostConfig, work: (host: ManagedHost) => Promise<T>): Promise<T> {
    const login = await this.managerLogin(config);
    return withSshSession(endpointOf(config), login, this.timeouts, (session) => work(new ManagedHost(session)));
  }

  /** ACSCurrent as a login, null when there is none, 'unreadable' when it is not a value of this secret. */
  private currentLogin(config: LinuxHostConfig, value: string | null | undefined): SshLogin | null | 'unreadable' {
    if (value === null || value === undefined) return null;
    if (config.subType === LINUX_PASSWORD) {
      const credential = parseLinuxPassword(value);
      return credential && credential.UserName === config.userName ? passwordLogin(credential) : 'unreadable';
    }
    const pair = parseLinuxKeyPair(value);
    return pair && pair.UserName === config.userName ? keyLogin(pair) : 'unreadable';
  }

  private async managerChecks(config: LinuxHostConfig): Promise<PreflightCheck[]> {
    let login: SshLogin;
    try {
      login = await this.managerLogin(config);
    } catch (error) {
      return [failed('manager-secret', reason(error))];
    }
    const checks = [passed('manager-secret', `The managing login for user "${login.userName}" was read.`)];
    let session: SshSession;
    try {
      session = await SshSession.open(endpointOf(config), login, this.timeouts);
    } catch (error) {
      const reached = error instanceof SshOpenFailure && error.reachedHandshake;
      if (!reached) return [...checks, failed('reachable', reason(error))];
      return [...checks, passed('reachable', `An SSH server answers at ${config.host}:${config.port}.`), failed('manager-login', reason(error))];
    }
    try {
      checks.push(passed('reachable', this.hostKeyDetail(config, session.hostKeyFingerprint)));
      checks.push(passed('manager-login', `Logged in to ${config.host}:${config.port} as "${login.userName}".`));
      const host = new ManagedHost(session);
      const isRoot = await host.managerIsRoot();
      const sudoRefusal = isRoot ? null : await host.sudoRefusal();
      if (sudoRefusal !== null) {
        checks.push(failed('root', `"${login.userName}" is not root and \`sudo -n\` does not run commands as root: ${sudoRefusal}.`));
        return checks;
      }
      checks.push(passed('root', isRoot ? 'The manager is root.' : '`sudo -n` runs commands as root.'));
      checks.push(await this.userCheck(config, host));
    } catch (error) {
      checks.push(failed('host-commands', reason(error)));
    } finally {
      session.close();
    }
    return checks;
  }

  private hostKeyDetail(config: LinuxHostConfig, fingerprint: string): string {
    return `An SSH server answers at ${config.host}:${config.port} with host key ${fingerprint}, the pinned one.`;
  }

  private async userCheck(config: LinuxHostConfig, host: ManagedHost): Promise<PreflightCheck> {
    let facts;
    try {
      facts = await host.userFacts(config.userName);
    } catch (error) {
      return failed('account', reason(error));
    }
    const needed = config.subType === LINUX_PASSWORD ? ['chpasswd'] : ['setpriv', 'awk', 'mktemp'];
    const missing = needed.filter((tool) => !facts.tools[tool]);
    if (missing.length > 0) return failed('account', `The user "${config.userName}" exists, but the host lacks ${missing.join(', ')}.`);
    if (config.subType !== LINUX_PASSWORD && !facts.homeExists)
      return failed('account', `The user "${config.userName}" exists, but has no home directory for ~/.ssh/authorized_keys.`);
    return passed('account', `The user "${config.userName}" exists (uid ${facts.uid}).`);
  }

  private async loginCheck(config: LinuxHostConfig, login: SshLogin): Promise<PreflightCheck> {
    try {
      await withSshSession(endpointOf(config), login, this.timeouts, async () => undefined);
      return passed('current-login', `ACSCurrent logs in as "${config.userName}".`);
    } catch (error) {
      return failed('current-login', reason(error));
    }
  }
}
