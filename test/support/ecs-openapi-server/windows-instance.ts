/**
 * An EMULATED Windows instance for the ECS OpenAPI test server. This machine cannot run Windows or
 * PowerShell, so nothing here runs PowerShell: a RunPowerShellScript command is accepted only when
 * it is exactly one of the driver's Windows templates (shared/adapters/drivers/ecs/windows-scripts.ts)
 * with a Base64 payload in its one placeholder, and the emulator then does in Node what that
 * template's contract says the script does on Windows:
 *
 * - the request checks of the prelude (version, user name, slot name), with the same exit codes;
 * - prepare-key: a real RSA-3072 key pair, made here and kept in an emulated machine key store
 *   (a Map, never in any output), replacing the slot's key; prints modulus, exponent, fingerprint;
 * - set-password / check-password: real RSA-OAEP SHA-256 decryption with that key, the key
 *   destroyed whatever happens, then the password set in, or checked against, a local account
 *   store (scrypt hashes) with Windows' default complexity policy;
 * - discard-key and inspect.
 *
 * Output lines end with CRLF, as PowerShell's do. What is NOT tested here: the PowerShell text
 * itself running on Windows (CNG, Set-LocalUser, ValidateCredentials). The tests parse it instead
 * (test/drivers/ecs-windows-scripts.test.ts).
 */
import { constants, createHash, generateKeyPair, privateDecrypt, randomBytes, scryptSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import {
  KEY_SLOT,
  MAX_WINDOWS_PASSWORD_UNITS,
  ONE_TIME_KEY_BITS,
  WindowsExit,
  isValidWindowsUserName,
  parseWindowsScript,
  templateFor,
  type WindowsOperation,
} from '../../../shared/adapters/drivers/ecs/windows-scripts.js';

export interface EmulatedRun {
  exitCode: number;
  output: string;
}

interface Account {
  name: string;
  enabled: boolean;
  salt: Buffer;
  hash: Buffer;
  failedLogons: number;
}

const OPERATIONS: readonly WindowsOperation[] = ['prepare-key', 'set-password', 'check-password', 'discard-key', 'inspect'];

class ScriptExit extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(text);
  }
}

const stop = (code: number, message: string): never => {
  throw new ScriptExit(code, `secret-rotor: ${message}`);
};

const hashOf = (password: string, salt: Buffer): Buffer => scryptSync(password, salt, 32);

/** Off the event loop: the test server and the SDK client under test share this process. */
const newRsaKeyPair = promisify(generateKeyPair);
type KeyPair = { privateKey: KeyObject; publicKey: KeyObject };
const SPARE_KEYS = 2;

/** Windows' "password must meet complexity requirements": three of four classes, not containing the account name. */
const meetsComplexity = (password: string, userName: string): boolean => {
  const classes = [/\p{Lu}/u, /\p{Ll}/u, /[0-9]/, /[^\p{L}\p{N}]/u].filter((c) => c.test(password)).length;
  const containsName = userName.length > 2 && password.toLowerCase().includes(userName.toLowerCase());
  return classes >= 3 && !containsName;
};

export class EmulatedWindowsInstance {
  private readonly accounts = new Map<string, Account>();
  /** The emulated CNG machine key store: slot name -> private key. */
  private readonly machineKeys = new Map<string, KeyObject>();
  /** Minimum length of the emulated local password policy. */
  minimumPasswordLength = 8;
  /** False: every failing script reports exit 1, as when PowerShell is started in a way that drops `exit N`. */
  exitCodesPassedOn = true;
  /**
   * RSA-3072 generation takes seconds on a busy machine, so a couple of fresh pairs are made
   * ahead in the thread pool. Each is handed out once and never kept after its slot is emptied.
   */
  private readonly spareKeys: Promise<KeyPair>[] = [];

  private nextKeyPair(): Promise<KeyPair> {
    while (this.spareKeys.length < SPARE_KEYS + 1) {
      const pair = newRsaKeyPair('rsa', { modulusLength: ONE_TIME_KEY_BITS, publicExponent: 0x10001 });
      pair.catch(() => undefined); // a failure surfaces when this pair is taken
      this.spareKeys.push(pair);
    }
    return this.spareKeys.shift() as Promise<KeyPair>;
  }

  addUser(name: string, password: string, options: { enabled?: boolean } = {}): void {
    const salt = randomBytes(16);
    this.accounts.set(name.toLowerCase(), { name, enabled: options.enabled ?? true, salt, hash: hashOf(password, salt), failedLogons: 0 });
  }

  removeUser(name: string): void {
    this.accounts.delete(name.toLowerCase());
  }

  /** A logon as Windows would check it (names without case). */
  logsIn(name: string, password: string): boolean {
    const account = this.accounts.get(name.toLowerCase());
    if (!account || !account.enabled) return false;
    const ok = timingSafeEqual(hashOf(password, account.salt), account.hash);
    if (!ok) account.failedLogons += 1;
    return ok;
  }

  failedLogons(name: string): number {
    return this.accounts.get(name.toLowerCase())?.failedLogons ?? 0;
  }

  /** Slots holding a one-time key right now. */
  keySlots(): string[] {
    return [...this.machineKeys.keys()];
  }

  /** Runs one RunPowerShellScript command the way its template's contract says. */
  async run(script: string): Promise<EmulatedRun> {
    const lines: string[] = [];
    try {
      await this.execute(script, lines);
      return { exitCode: 0, output: lines.map((l) => `${l}\r\n`).join('') };
    } catch (error) {
      if (!(error instanceof ScriptExit)) throw error;
      const refusal = error.code === 1 ? [error.text] : [`secret-rotor-exit=${error.code}`, error.text];
      return { exitCode: this.exitCodesPassedOn ? error.code : 1, output: [...lines, ...refusal].map((l) => `${l}\r\n`).join('') };
    }
  }

  private async execute(script: string, out: string[]): Promise<void> {
    const parsed = parseWindowsScript(script);
    // Any other PowerShell: this emulator does not run PowerShell, and says so.
    if (!parsed) throw new ScriptExit(1, 'emulated Windows instance: not a secret-rotor template; PowerShell is not run here');
    const request = (parsed.request ?? {}) as Record<string, unknown>;
    if (request.v !== 1) stop(WindowsExit.invalidRequest, 'the request has an unknown version');
    const user = typeof request.user === 'string' ? request.user : '';
    if (!isValidWindowsUserName(user)) stop(WindowsExit.invalidRequest, 'the user name is not a Windows user name');
    const slot = typeof request.slot === 'string' ? request.slot : '';
    if (!KEY_SLOT.test(slot)) stop(WindowsExit.invalidRequest, 'the key slot name is malformed');
    const op = request.op as WindowsOperation;
    // Each template checks that the request's op is one it handles.
    if (!OPERATIONS.includes(op) || templateFor(op) !== parsed.template) {
      if (parsed.template === 'use-key') this.machineKeys.delete(slot);
      stop(WindowsExit.invalidRequest, 'this script does not handle that operation');
    }
    switch (op) {
      case 'prepare-key':
        return this.prepareKey(user, slot, out);
      case 'set-password':
      case 'check-password':
        return this.useKey(op, user, slot, request, out);
      case 'discard-key':
        out.push(`key-discarded=${this.machineKeys.delete(slot) ? 'yes' : 'absent'}`);
        return;
      case 'inspect': {
        const account = this.account(user);
        out.push(`user-enabled=${account.enabled ? 'yes' : 'no'}`, 'set-localuser=yes', 'rsacng=yes');
        return;
      }
    }
  }

  private account(user: string): Account {
    const account = this.accounts.get(user.toLowerCase());
    if (!account) return stop(WindowsExit.noSuchUser, 'the user does not exist on this instance');
    return account;
  }

  private async prepareKey(user: string, slot: string, out: string[]): Promise<void> {
    this.account(user);
    this.machineKeys.delete(slot);
    const { privateKey, publicKey } = await this.nextKeyPair();
    this.machineKeys.set(slot, privateKey);
    const jwk = publicKey.export({ format: 'jwk' });
    const modulus = Buffer.from(jwk.n as string, 'base64url');
    out.push(
      `key-modulus=${modulus.toString('base64')}`,
      `key-exponent=${Buffer.from(jwk.e as string, 'base64url').toString('base64')}`,
      `key-fingerprint=${createHash('sha256').update(modulus).digest('hex')}`,
    );
  }

  private useKey(op: 'set-password' | 'check-password', user: string, slot: string, request: Record<string, unknown>, out: string[]): void {
    const key = this.machineKeys.get(slot);
    // The script's finally: the key is gone before anything else can fail.
    this.machineKeys.delete(slot);
    if (!key) return stop(WindowsExit.keyMissing, 'there is no one-time key for this request; it was used or replaced');
    const modulus = Buffer.from(key.export({ format: 'jwk' }).n as string, 'base64url');
    if (createHash('sha256').update(modulus).digest('hex') !== request.fingerprint)
      return stop(WindowsExit.keyMissing, 'the one-time key was replaced after the request was made');
    let plain: Buffer;
    try {
      plain = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(String(request.ciphertext), 'base64'));
    } catch {
      return stop(WindowsExit.decryptFailed, 'the ciphertext does not decrypt with the one-time key');
    }
    const account = this.account(user);
    if (plain.length < 2 || plain.length > 2 * MAX_WINDOWS_PASSWORD_UNITS || plain.length % 2 !== 0)
      return stop(WindowsExit.decryptFailed, 'the decrypted password is not 1 to 127 UTF-16 characters');
    const password = plain.toString('utf16le');
    plain.fill(0);
    if (op === 'check-password') {
      out.push(`password-valid=${this.logsIn(account.name, password) ? 'yes' : 'no'}`);
      return;
    }
    if (password.length < this.minimumPasswordLength || !meetsComplexity(password, account.name))
      return stop(WindowsExit.passwordRefused, 'Windows refused the password (InvalidPasswordException)');
    account.salt = randomBytes(16);
    account.hash = hashOf(password, account.salt);
    out.push('password-set=yes');
  }
}
