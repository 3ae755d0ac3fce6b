/**
 * A local account's password on a Windows ECS instance, set and checked through Cloud Assistant
 * without the password ever being readable in a command or its output (see windows-scripts.ts):
 * each use asks the instance for a one-time RSA-3072 key (prepare-key), encrypts the password to
 * it here with RSA-OAEP SHA-256, and sends only the ciphertext (use-key), after which the instance
 * has destroyed the key. Cloud Assistant's invocation history then holds a public key and a
 * ciphertext whose private key no longer exists.
 *
 * Crash safety: every use starts with a fresh prepare-key, which replaces whatever key an
 * interrupted run left in this secret's slot, so re-running a step is always possible. When a
 * use-key run never reports (Cloud Assistant timed out or stopped it, or our wait ran out), a
 * discard-key run empties the slot at once rather than leaving a key whose ciphertext is already
 * in the history; if that fails too, the next use of the slot replaces the key.
 */
import { constants, createHash, createPublicKey, publicEncrypt, type KeyObject } from 'node:crypto';
import { TargetError } from '../../../domain/errors.js';
import type { CloudAssistant, ScriptResult } from './cloud-assistant.js';
import {
  MAX_WINDOWS_PASSWORD_UNITS,
  ONE_TIME_KEY_BITS,
  WindowsExit,
  statusLines,
  windowsScript,
  type WindowsOperation,
  type WindowsRequest,
} from './windows-scripts.js';

export interface WindowsInstance {
  regionId: string;
  instanceId: string;
}

export interface WindowsFacts {
  userEnabled: boolean;
  setLocalUser: boolean;
  rsaCng: boolean;
}

interface OneTimeKey {
  publicKey: KeyObject;
  fingerprint: string;
}

const NON_RETRYABLE: Partial<Record<number, string>> = {
  [WindowsExit.noSuchUser]: 'Target.Rejected',
  [WindowsExit.invalidRequest]: 'Target.InvalidAccount',
  [WindowsExit.passwordRefused]: 'Target.Rejected',
  [WindowsExit.missingTool]: 'Target.Rejected',
};
const SCRIPT_MESSAGE = /^secret-rotor: ([A-Za-z0-9 .,;:'()/_-]{1,200})\r?$/m;
const FIRST_SCRIPT_EXIT = 64;

/** One key slot per secret: a later run for the same secret replaces an abandoned key. */
export const keySlotFor = (secretName: string): string => `secret-rotor-${createHash('sha256').update(secretName, 'utf8').digest('hex').slice(0, 32)}`;

/** 1 to 127 UTF-16 code units without NUL: what a Windows local account takes and the RSA-OAEP block holds. */
export const isValidWindowsPassword = (password: string): boolean =>
  password.length >= 1 && password.length <= MAX_WINDOWS_PASSWORD_UNITS && !password.includes('\u0000');

/** The script's own exit code: the process's, or the one it printed when the process's was not passed on. */
const scriptExitOf = (result: ScriptResult): number | null => {
  if (result.exitCode !== null && result.exitCode >= FIRST_SCRIPT_EXIT) return result.exitCode;
  const printed = Number(statusLines(result.output).get('secret-rotor-exit'));
  return result.exitCode !== null && result.exitCode !== 0 && printed >= FIRST_SCRIPT_EXIT ? printed : null;
};

const windowsScriptError = (result: ScriptResult): TargetError => {
  const message = SCRIPT_MESSAGE.exec(result.output)?.[1];
  const exit = scriptExitOf(result);
  if (exit !== null && message) {
    const code = NON_RETRYABLE[exit];
    if (code) return new TargetError(code, `The Windows instance refused: ${message}.`, false);
    return new TargetError('Target.Failed', `The Windows instance failed: ${message}.`, true);
  }
  const how = result.exitCode === null ? `no exit code, status ${result.status}` : `exit ${result.exitCode}, status ${result.status}`;
  return new TargetError('Target.Failed', `The Cloud Assistant PowerShell command failed on the instance (${how}).`, true);
};

/** The script started on the instance and said how it ended (so a use-key run has destroyed its key). */
const scriptReported = (result: ScriptResult): boolean => result.exitCode !== null;

const fromBase64 = (text: string | undefined): Buffer | null => (text && /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : null);

/** The instance's one-time public key, checked: RSA of the size we asked for, fingerprint matching its modulus. */
const oneTimeKeyOf = (output: string): OneTimeKey => {
  const lines = statusLines(output);
  const modulus = fromBase64(lines.get('key-modulus'));
  const exponent = fromBase64(lines.get('key-exponent'));
  const fingerprint = lines.get('key-fingerprint') ?? '';
  const bad = (why: string) => new TargetError('Target.Failed', `The Windows instance returned no usable one-time key: ${why}.`, true);
  if (!modulus || !exponent) throw bad('no modulus or exponent');
  if (createHash('sha256').update(modulus).digest('hex') !== fingerprint) throw bad('the fingerprint does not match the modulus');
  const publicKey = createPublicKey({ key: { kty: 'RSA', n: modulus.toString('base64url'), e: exponent.toString('base64url') }, format: 'jwk' });
  if (publicKey.asymmetricKeyDetails?.modulusLength !== ONE_TIME_KEY_BITS) throw bad(`it is not RSA-${ONE_TIME_KEY_BITS}`);
  return { publicKey, fingerprint };
};

/** RSA-OAEP with SHA-256 (OAEP and MGF1 hash), the padding RSACng.Decrypt(OaepSHA256) undoes. */
const encryptTo = (key: OneTimeKey, password: string): string =>
  publicEncrypt({ key: key.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(password, 'utf16le')).toString('base64');

export class WindowsPasswordOnInstance {
  constructor(
    private readonly assistant: CloudAssistant,
    private readonly instance: WindowsInstance,
    private readonly slot: string,
  ) {}

  /** Read-only: the user exists (else a TargetError) and what the scripts need is there. */
  async inspect(user: string): Promise<WindowsFacts> {
    const lines = statusLines(await this.run(this.request('inspect', user)));
    return { userEnabled: lines.get('user-enabled') === 'yes', setLocalUser: lines.get('set-localuser') === 'yes', rsaCng: lines.get('rsacng') === 'yes' };
  }

  /** Sets the password (Set-LocalUser with a SecureString). Setting the one already set is success. */
  async setPassword(user: string, password: string): Promise<void> {
    const output = await this.useOneTimeKey('set-password', user, password);
    if (statusLines(output).get('password-set') !== 'yes') throw new TargetError('Target.Failed', 'The Windows instance did not confirm the password change.', true);
  }

  /** Whether the instance accepts the password in a logon (read-only; a wrong one counts as one failed logon). */
  async passwordIsValid(user: string, password: string): Promise<boolean> {
    const valid = statusLines(await this.useOneTimeKey('check-password', user, password)).get('password-valid');
    if (valid !== 'yes' && valid !== 'no') throw new TargetError('Target.Failed', 'The Windows instance did not say whether the password is valid.', true);
    return valid === 'yes';
  }

  private async useOneTimeKey(op: 'set-password' | 'check-password', user: string, password: string): Promise<string> {
    if (!isValidWindowsPassword(password))
      throw new TargetError('Target.InvalidSecretData', `A Windows password must be 1 to ${MAX_WINDOWS_PASSWORD_UNITS} characters without NUL.`, false);
    const key = oneTimeKeyOf(await this.run(this.request('prepare-key', user)));
    const request: WindowsRequest = { ...this.request(op, user), fingerprint: key.fingerprint, ciphertext: encryptTo(key, password) };
    let result: ScriptResult;
    try {
      result = await this.assistant.runPowerShellScript(this.instance.regionId, this.instance.instanceId, windowsScript(request));
    } catch (error) {
      await this.discardKey(user);
      throw error;
    }
    if (!scriptReported(result)) await this.discardKey(user);
    if (result.exitCode !== 0 || result.status !== 'Success') throw windowsScriptError(result);
    return result.output;
  }

  /** Best effort: the error that made us call it is the one worth reporting. */
  private async discardKey(user: string): Promise<void> {
    try {
      await this.run(this.request('discard-key', user));
    } catch {
      // The next prepare-key for this secret replaces the key.
    }
  }

  private request(op: WindowsOperation, user: string): WindowsRequest {
    return { v: 1, op, user, slot: this.slot };
  }

  private async run(request: WindowsRequest): Promise<string> {
    const result = await this.assistant.runPowerShellScript(this.instance.regionId, this.instance.instanceId, windowsScript(request));
    if (result.exitCode !== 0 || result.status !== 'Success') throw windowsScriptError(result);
    return result.output;
  }
}
