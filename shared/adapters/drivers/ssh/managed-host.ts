/**
 * What the driver does on a host as its manager: find out whether it is root, check sudo, look
 * the user up, set a password hash, edit the managed block. Failures of the host scripts become
 * TargetErrors carrying only the scripts' own fixed messages.
 */
import { TargetError } from '../../../domain/errors.js';
import { HostExit, ROOT_COMMAND, stdinLines } from './host-scripts.js';
import type { CommandResult, SshSession } from './ssh-session.js';

export interface UserFacts {
  uid: number;
  homeExists: boolean;
  tools: Record<string, boolean>;
}

const SCRIPT_MESSAGE = /^secret-rotor: (.*)$/m;

const NON_RETRYABLE: Record<number, string> = {
  [HostExit.invalidInput]: 'Target.InvalidAccount',
  [HostExit.noSuchUser]: 'Target.Rejected',
  [HostExit.missingTool]: 'Target.Rejected',
  [HostExit.noHome]: 'Target.Rejected',
  [HostExit.symlink]: 'Target.Rejected',
  [HostExit.notWritable]: 'Target.PermissionDenied',
  [HostExit.malformedBlock]: 'Target.Rejected',
};

/** The error for a failed run of the root script, quoting nothing but the script's fixed text. */
export const hostScriptError = (result: CommandResult): TargetError => {
  const message = SCRIPT_MESSAGE.exec(result.stderr)?.[1];
  if (result.code !== null && message) {
    const code = NON_RETRYABLE[result.code];
    if (code) return new TargetError(code, `The host refused: ${message}.`, false);
    const busy = result.code === HostExit.locked;
    return new TargetError(busy ? 'Target.Unavailable' : 'Target.Failed', `The host failed: ${message}.`, true);
  }
  if (result.code === null) return new TargetError('Target.Failed', 'The command on the host ended without an exit status.', true);
  // The scripts never exit below 64 themselves: this is sudo refusing, a shell that cannot start
  // the script, or the shell stopping it before it could report (an old tool, say).
  if (notStartedAsRoot(result)) {
    return new TargetError(
      'Target.PermissionDenied',
      `The host script did not start as root (exit ${result.code}); the manager must be root or have passwordless sudo.`,
      false,
    );
  }
  return new TargetError('Target.Failed', `The host script stopped before it could report (exit ${result.code}).`, false);
};

/** sudo's refusals all start "sudo:"; 126 and 127 are a shell that could not run the command (no sudo at all). */
const notStartedAsRoot = (result: CommandResult): boolean => /^sudo: /m.test(result.stderr) || result.code === 126 || result.code === 127;

export class ManagedHost {
  constructor(private readonly session: SshSession) {}

  async managerIsRoot(): Promise<boolean> {
    const result = await this.session.run('id -u');
    const uid = result.stdout.trim();
    if (result.code !== 0 || !/^[0-9]+$/.test(uid)) throw new TargetError('Target.Failed', 'The host did not say which uid the manager has (`id -u`).', true);
    return uid === '0';
  }

  /**
   * Null when `sudo -n` runs a command as root without asking for a password; otherwise why not,
   * in sudo's own words where it gave some (a password is required, requiretty, not in sudoers).
   */
  async sudoRefusal(): Promise<string | null> {
    const result = await this.session.run('sudo -n /bin/sh -c "id -u"');
    if (result.code === 0 && result.stdout.trim() === '0') return null;
    const said = /^sudo: (.+)$/m.exec(result.stderr)?.[1]?.trim().slice(0, 200);
    if (said) return `sudo said "${said}"`;
    return result.code === 127 ? 'there is no sudo on the host' : `sudo exited ${result.code} without a reason`;
  }

  async userFacts(user: string): Promise<UserFacts> {
    const stdout = await this.runRoot(stdinLines('check', user));
    const fields = new Map(
      stdout
        .split('\n')
        .map((line) => line.split('='))
        .filter((pair): pair is [string, string] => pair.length === 2)
        .map(([k, v]) => [k, v] as [string, string]),
    );
    const tools: Record<string, boolean> = {};
    for (const tool of ['chpasswd', 'setpriv', 'flock', 'awk', 'mktemp']) tools[tool] = fields.get(tool) === 'yes';
    return { uid: Number(fields.get('uid')), homeExists: fields.get('home') === 'yes', tools };
  }

  async setPasswordHash(user: string, hash: string): Promise<void> {
    await this.runRoot(stdinLines('set-password', user, hash));
  }

  /** Adds `key` to the secret's managed block, moving `adopt` (ACSCurrent's key) into it from outside. */
  async addManagedKey(user: string, blockId: string, key: string, adopt: string | null): Promise<void> {
    await this.runRoot(stdinLines('apply-key', user, blockId, key, adopt ?? ''));
  }

  /** Leaves `key` as the only key of the secret's managed block. */
  async keepOnlyManagedKey(user: string, blockId: string, key: string): Promise<void> {
    await this.runRoot(stdinLines('finalize-key', user, blockId, key, ''));
  }

  private async runRoot(stdin: string): Promise<string> {
    const result = await this.session.run(ROOT_COMMAND, stdin);
    if (result.code !== 0) throw hostScriptError(result);
    return result.stdout;
  }
}
