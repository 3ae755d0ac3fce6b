/**
 * Rotates the password or SSH key of a user on an ECS instance through Cloud Assistant (managed
 * ECS secrets). The scripts are the Linux-host driver's fixed host scripts; only what changes
 * travels, Base64-encoded on the scripts' stdin (see instance-scripts.ts).
 *
 * Password: only a SHA-512 crypt hash, computed here, reaches the instance (`chpasswd -e`).
 * Verify reads the user's shadow hash back and checks that it is the pending password's hash.
 * SSH key: apply adds the new key to this secret's managed block beside the one in use; verify
 * checks that the key is in the block; finalize (after promotion) keeps only the new key.
 * Windows instances take passwords only; an SSHKey secret for one is refused. A Windows password
 * cannot be set from a hash, so it travels encrypted to a one-time key the instance makes and then
 * destroys (windows-password.ts); verify has the instance check it with a logon, delivered the
 * same way.
 *
 * The managed user is the UserName of the secret's values (KMS keeps it out of ExtendedConfig);
 * every value of a secret must name the same user, so a custom value cannot redirect the rotation.
 * Errors are left as the SDK throws them; wrap the driver in RedactingDriver (see drivers.ts).
 */
import { ecsUserResource, isPrivilegedName, type SecretResources } from '../../../domain/deputy/index.js';
import { invalidParameter, TargetError } from '../../../domain/errors.js';
import { generateTargetPassword, profileForTarget } from '../../../domain/password-profiles.js';
import type {
  ApplyRequest,
  DriverSecret,
  FinalizeRequest,
  GenerateRequest,
  GenerateResponse,
  InitialVersionsRequest,
  InitialVersionsResponse,
  PreflightRequest,
  PreflightResponse,
  ResourcesRequest,
  TargetDriver,
  VerifyRequest,
} from '../../../ports/target-driver.js';
import { isValidLinuxUserName, managedBlockId } from '../ssh/config.js';
import { provenPublicKeyOf, requireLinuxKeyPair, requireLinuxPassword, requireMatchingPublicKey } from '../ssh/credentials.js';
import { hostScriptError } from '../ssh/managed-host.js';
import { sha512Crypt } from '../ssh/sha512-crypt.js';
import { authorizedKeyLine, generateRsaKeyPair, sameKey } from '../ssh/ssh-keys.js';
import type { CloudAssistant, InstanceOs, ScriptResult } from './cloud-assistant.js';
import { ECS_PASSWORD, ECS_SSH_KEY, parseEcsConfig, type EcsSecretConfig } from './config.js';
import { rootScript, verifyScript } from './instance-scripts.js';
import { isValidWindowsPassword, keySlotFor, WindowsPasswordOnInstance } from './windows-password.js';
import { isValidWindowsUserName, MAX_WINDOWS_PASSWORD_UNITS } from './windows-scripts.js';
import { failed, passed, reason } from '../driver-kit.js';

export interface EcsSecretDriverOptions {
  cloudAssistant: CloudAssistant;
}

const GENERATED_KEY_COMMENT = 'secret-rotor';
const MAX_PASSWORD_LENGTH = 1024;
/** Exit codes at and above this are the host scripts' own (see HostExit). */
const FIRST_SCRIPT_EXIT = 64;
const HASH_LINE = /^hash=(.*)$/m;
const OUR_HASH = /^\$6\$rounds=([0-9]+)\$([./0-9A-Za-z]{1,16})\$[./0-9A-Za-z]{86}$/;
/** Any SHA-512 crypt hash, with or without its rounds (glibc's default is 5000). */
const ANY_SHA512_HASH = /^\$6\$(?:rounds=([0-9]+)\$)?([./0-9A-Za-z]{1,16})\$[./0-9A-Za-z]{86}$/;
const DEFAULT_SHA512_ROUNDS = 5000;


const isValidUserNameOn = (os: InstanceOs, name: string): boolean => (os === 'windows' ? isValidWindowsUserName(name) : isValidLinuxUserName(name));

/**
 * The UserName of a value, even when the rest of it is invalid (an invalid initial value is
 * healed). Linux or Windows rules: which apply is checked once the instance's OS is known.
 */
const userNameOf = (value: string | null | undefined): string | null => {
  if (!value) return null;
  try {
    const parsed = JSON.parse(value) as { UserName?: unknown } | null;
    const name = parsed && typeof parsed === 'object' ? parsed.UserName : undefined;
    return typeof name === 'string' && (isValidLinuxUserName(name) || isValidWindowsUserName(name)) ? name : null;
  } catch {
    return null;
  }
};

const requireUserNameOn = (os: InstanceOs, user: string): void => {
  if (!isValidUserNameOn(os, user))
    throw new TargetError('Target.InvalidSecretData', `The UserName is not a valid ${os === 'windows' ? 'Windows' : 'Linux'} user name.`, false);
};

const requireWindowsPassword = (value: string, which: string): string => {
  const { Password } = requireLinuxPassword(value, which);
  if (!isValidWindowsPassword(Password))
    throw new TargetError('Target.InvalidSecretData', `${which} must have a Windows password of 1 to ${MAX_WINDOWS_PASSWORD_UNITS} characters without NUL.`, false);
  return Password;
};

const requireUserOf = (value: string | null | undefined, which: string): string => {
  const user = userNameOf(value);
  if (!user) throw new TargetError('Target.InvalidSecretData', `${which} has no valid UserName; the managed user is not known.`, false);
  return user;
};

/** Confused-deputy check: a new value acts only on the user the secret already manages. */
const requireSameUser = (managed: string, value: string, which: string): void => {
  const user = requireUserOf(value, which);
  if (user !== managed) throw new TargetError('Target.AccountMismatch', `${which} is for user "${user}", but the secret manages "${managed}".`, false);
};

const scriptFailure = (result: ScriptResult): TargetError => {
  if (result.exitCode !== null && result.exitCode >= FIRST_SCRIPT_EXIT)
    return hostScriptError({ code: result.exitCode, stdout: result.output, stderr: result.output });
  const how = result.exitCode === null ? `no exit code, status ${result.status}` : `exit ${result.exitCode}, status ${result.status}`;
  return new TargetError('Target.Failed', `The Cloud Assistant command failed on the instance (${how}).`, true);
};

export class EcsSecretDriver implements TargetDriver {
  readonly kind = 'ecs';

  constructor(private readonly options: EcsSecretDriverOptions) {}

  supports(secret: DriverSecret): boolean {
    return secret.type === 'ECS';
  }

  validateConfig(secret: DriverSecret): void {
    parseEcsConfig(secret.extendedConfig);
    managedBlockId(secret.name);
  }

  /** The instance's user each value names (root and Administrator are privileged); acts with the service's own role. */
  resourcesOf({ secret, values, scope }: ResourcesRequest): SecretResources {
    const { regionId, instanceId } = parseEcsConfig(secret.extendedConfig);
    const users = [...new Set(values.map(userNameOf).filter((u): u is string => u !== null))];
    return {
      managingSecrets: [],
      targets: users.map((u) => ({ resource: ecsUserResource(regionId, scope.accountId, instanceId, u), privileged: isPrivilegedName(u) })),
    };
  }

  /** Stores SecretData as given (an invalid password or key is healed by the first rotation), once its user is known and the OS fits. */
  async initialVersions(req: InitialVersionsRequest): Promise<InitialVersionsResponse> {
    const config = this.config(req.secret);
    const user = userNameOf(req.secretData);
    if (!user) throw invalidParameter('SecretData', 'must be JSON with a UserName that is a valid Linux or Windows user name');
    const os = await this.options.cloudAssistant.instanceOs(config.regionId, config.instanceId);
    if (os === null) throw invalidParameter('ExtendedConfig.InstanceId', `names no instance in ${config.regionId}`);
    if (os === 'windows' && config.subType === ECS_SSH_KEY)
      throw invalidParameter('ExtendedConfig.SecretSubType', 'SSHKey is not supported on a Windows instance; Windows instances rotate passwords only');
    if (!isValidUserNameOn(os, user))
      throw invalidParameter('SecretData', `must be JSON with a UserName that is a valid ${os === 'windows' ? 'Windows' : 'Linux'} user name`);
    return { current: req.secretData };
  }

  async preflight(req: PreflightRequest): Promise<PreflightResponse> {
    let config: EcsSecretConfig;
    try {
      this.validateConfig(req.secret);
      config = this.config(req.secret);
    } catch (error) {
      return { checks: [failed('config', reason(error))] };
    }
    const checks = [passed('config', 'The ExtendedConfig is valid.')];
    let os: InstanceOs;
    try {
      os = await this.requireSupportedInstance(config);
      checks.push(passed('instance', `${config.instanceId} is a ${os === 'windows' ? 'Windows' : 'Linux'} instance in ${config.regionId}.`));
    } catch (error) {
      return { checks: [...checks, failed('instance', reason(error))] };
    }
    const user = userNameOf(req.currentValue);
    if (!user || !isValidUserNameOn(os, user))
      return { checks: [...checks, failed('current-value', 'ACSCurrent has no valid UserName; the managed user is not known.')] };
    if (os === 'windows') return { checks: [...checks, await this.windowsAccountCheck(req.secret, config, user)] };
    try {
      const output = await this.runRoot(config, 'check', user);
      const tools = config.subType === ECS_PASSWORD ? ['chpasswd'] : ['setpriv', 'awk', 'mktemp'];
      const missing = tools.filter((tool) => !output.includes(`${tool}=yes`));
      checks.push(
        missing.length > 0
          ? failed('account', `The user "${user}" exists, but the instance lacks ${missing.join(', ')}.`)
          : passed('account', `Cloud Assistant runs commands as root and the user "${user}" exists.`),
      );
    } catch (error) {
      checks.push(failed('account', reason(error)));
    }
    return { checks };
  }

  async generate(req: GenerateRequest): Promise<GenerateResponse> {
    const config = this.config(req.secret);
    const user = requireUserOf(req.currentValue, 'ACSCurrent');
    if (config.subType === ECS_PASSWORD) {
      const password = generateTargetPassword('linux', profileForTarget('linux'), { accountName: user });
      return { value: JSON.stringify({ UserName: user, Password: password }) };
    }
    const pair = await generateRsaKeyPair(GENERATED_KEY_COMMENT);
    return { value: JSON.stringify({ UserName: user, PublicKey: pair.publicKey, PrivateKey: pair.privateKey }) };
  }

  async apply(req: ApplyRequest): Promise<Record<string, never>> {
    const config = this.config(req.secret);
    const user = requireUserOf(req.currentValue ?? req.pendingValue, 'ACSCurrent');
    requireSameUser(user, req.pendingValue, 'The pending value');
    const os = await this.requireSupportedInstance(config);
    requireUserNameOn(os, user);
    if (os === 'windows') {
      const password = requireWindowsPassword(req.pendingValue, 'The pending value');
      await this.windowsPassword(req.secret, config).setPassword(user, password);
      return {};
    }
    if (config.subType === ECS_PASSWORD) {
      const pending = requireLinuxPassword(req.pendingValue, 'The pending value');
      if (pending.Password.includes('\u0000') || [...pending.Password].length > MAX_PASSWORD_LENGTH)
        throw new TargetError('Target.InvalidSecretData', `The pending password must be 1 to ${MAX_PASSWORD_LENGTH} characters without NUL.`, false);
      await this.runRoot(config, 'set-password', user, sha512Crypt(pending.Password));
      return {};
    }
    const pending = requireLinuxKeyPair(req.pendingValue, 'The pending value');
    const key = await requireMatchingPublicKey(pending, 'The pending value');
    // Taken over only with proof of possession (see provenPublicKeyOf).
    const current = await provenPublicKeyOf(req.currentValue, user);
    const adopt = current && !sameKey(current, key) ? authorizedKeyLine(current) : '';
    await this.runRoot(config, 'apply-key', user, managedBlockId(req.secret.name), authorizedKeyLine(key), adopt);
    return {};
  }

  /**
   * Proves the change on the instance, read-only: the shadow hash is the pending password's, the
   * key is in the block, or (Windows) the instance accepts the pending password in a logon.
   */
  async verify(req: VerifyRequest): Promise<Record<string, never>> {
    const config = this.config(req.secret);
    const user = requireUserOf(req.pendingValue, 'The pending value');
    const os = await this.requireSupportedInstance(config);
    requireUserNameOn(os, user);
    if (os === 'windows') {
      const password = requireWindowsPassword(req.pendingValue, 'The pending value');
      if (!(await this.windowsPassword(req.secret, config).passwordIsValid(user, password)))
        throw new TargetError('Target.VerificationFailed', `The Windows instance does not accept the pending password of "${user}".`, true);
      return {};
    }
    if (config.subType === ECS_PASSWORD) {
      const pending = requireLinuxPassword(req.pendingValue, 'The pending value');
      const hash = HASH_LINE.exec(await this.runScript(config, verifyScript('password-hash', user)))?.[1] ?? '';
      const ours = OUR_HASH.exec(hash);
      if (!ours || sha512Crypt(pending.Password, ours[2] as string, Number(ours[1])) !== hash)
        throw new TargetError('Target.VerificationFailed', `The password of "${user}" on the instance is not the pending one.`, true);
      return {};
    }
    const key = await requireMatchingPublicKey(requireLinuxKeyPair(req.pendingValue, 'The pending value'), 'The pending value');
    const output = await this.runScript(config, verifyScript('key-in-block', user, managedBlockId(req.secret.name), authorizedKeyLine(key)));
    if (!output.includes('key-in-block=yes'))
      throw new TargetError('Target.VerificationFailed', `The pending key is not in the managed block of "${user}" on the instance.`, true);
    return {};
  }

  /** A password (Linux or Windows) is set over the one in use; a key is added beside it until finalize. */
  replacesCurrentInPlace(secret: DriverSecret): boolean {
    return this.config(secret).subType === ECS_PASSWORD;
  }

  /**
   * Drift check, read-only: Windows logs on with ACSCurrent; a Linux password is compared with the
   * user's SHA-512 crypt shadow hash. Other hash formats, and SSH keys (a key outside the managed
   * block cannot be told from one never rotated here), are reported uncheckable.
   */
  async checkCurrent(req: { secret: DriverSecret; currentValue: string }): Promise<{ uncheckable?: string }> {
    const config = this.config(req.secret);
    const user = requireUserOf(req.currentValue, 'ACSCurrent');
    const os = await this.requireSupportedInstance(config);
    requireUserNameOn(os, user);
    if (os === 'windows') {
      const password = requireWindowsPassword(req.currentValue, 'ACSCurrent');
      if (!(await this.windowsPassword(req.secret, config).passwordIsValid(user, password)))
        throw new TargetError('Target.AuthenticationFailed', `The Windows instance does not accept ACSCurrent for "${user}".`, false);
      return {};
    }
    if (config.subType !== ECS_PASSWORD) return { uncheckable: 'SSH keys on ECS instances are not checked for drift.' };
    const current = requireLinuxPassword(req.currentValue, 'ACSCurrent');
    const hash = HASH_LINE.exec(await this.runScript(config, verifyScript('password-hash', user)))?.[1] ?? '';
    const sha512 = ANY_SHA512_HASH.exec(hash);
    if (!sha512) return { uncheckable: `The shadow hash of "${user}" is not SHA-512 crypt, so it cannot be compared read-only.` };
    const rounds = sha512[1] === undefined ? DEFAULT_SHA512_ROUNDS : Number(sha512[1]);
    if (sha512Crypt(current.Password, sha512[2] as string, rounds) !== hash)
      throw new TargetError('Target.AuthenticationFailed', `The password of "${user}" on the instance is not ACSCurrent.`, false);
    return {};
  }

  /** Keys: retires every key of the managed block but the new ACSCurrent. Passwords: nothing left to do. */
  async finalize(req: FinalizeRequest): Promise<Record<string, never>> {
    const config = this.config(req.secret);
    if (config.subType === ECS_PASSWORD) return {};
    const user = requireUserOf(req.newCurrentValue, 'The new ACSCurrent');
    const key = await requireMatchingPublicKey(requireLinuxKeyPair(req.newCurrentValue, 'The new ACSCurrent'), 'The new ACSCurrent');
    await this.runRoot(config, 'finalize-key', user, managedBlockId(req.secret.name), authorizedKeyLine(key), '');
    return {};
  }

  private config(secret: DriverSecret): EcsSecretConfig {
    return parseEcsConfig(secret.extendedConfig);
  }

  /** The instance's OS, when it can take this secret's kind of credential (Windows: passwords only, as in KMS). */
  private async requireSupportedInstance(config: EcsSecretConfig): Promise<InstanceOs> {
    const os = await this.options.cloudAssistant.instanceOs(config.regionId, config.instanceId);
    if (os === null) throw new TargetError('Target.Rejected', `There is no instance ${config.instanceId} in ${config.regionId}.`, false);
    if (os === 'windows' && config.subType === ECS_SSH_KEY)
      throw new TargetError('Target.Unsupported', `${config.instanceId} runs Windows: SSHKey secrets are supported on Linux instances only.`, false);
    return os;
  }

  private windowsPassword(secret: DriverSecret, config: EcsSecretConfig): WindowsPasswordOnInstance {
    return new WindowsPasswordOnInstance(this.options.cloudAssistant, config, keySlotFor(secret.name));
  }

  private async windowsAccountCheck(secret: DriverSecret, config: EcsSecretConfig, user: string) {
    try {
      const facts = await this.windowsPassword(secret, config).inspect(user);
      const missing = [facts.setLocalUser ? '' : 'Set-LocalUser', facts.rsaCng ? '' : 'RSACng (.NET 4.6)'].filter(Boolean);
      if (missing.length > 0) return failed('account', `The user "${user}" exists, but the instance lacks ${missing.join(', ')}.`);
      if (!facts.userEnabled) return failed('account', `The user "${user}" is disabled; the new password could not be verified with a logon.`);
      return passed('account', `Cloud Assistant runs PowerShell as SYSTEM and the user "${user}" exists and is enabled.`);
    } catch (error) {
      return failed('account', reason(error));
    }
  }

  private async runRoot(config: EcsSecretConfig, ...values: string[]): Promise<string> {
    return this.runScript(config, rootScript(...values));
  }

  private async runScript(config: EcsSecretConfig, script: string): Promise<string> {
    const result = await this.options.cloudAssistant.runShellScript(config.regionId, config.instanceId, script);
    if (result.exitCode !== 0 || result.status !== 'Success') throw scriptFailure(result);
    return result.output;
  }
}
