/**
 * A real OpenSSH server for a test file: /usr/sbin/sshd started by the test on 127.0.0.1 with a
 * temporary config, host key and free port (never the system service), plus throwaway OS users.
 * Root is needed (sshd switches users, the tests add users), so where the tests do not run as
 * root `sshdUnavailableReason()` says why and the suites skip with that reason. As root, a missing
 * sshd is installed by scripts/ensure-sshd.sh.
 *
 * The manager is root, logging in with a key that only this server accepts: AuthorizedKeysCommand
 * cats it from the temporary directory, so root's own authorized_keys is never touched (sshd's
 * StrictModes would refuse a keys file under the world-writable temp dir; /bin/cat it accepts).
 * `createManagerUser` adds a manager that is not root, with or without passwordless sudo.
 */
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import { sha256Fingerprint } from '../../shared/adapters/drivers/ssh/ssh-keys.js';
import { freePort } from './embedded-postgres.js';

const run = promisify(execFile);

export const SSHD = '/usr/sbin/sshd';
const ENSURE_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'ensure-sshd.sh');
/** Every throwaway user's name starts so; the test server lets no one else but root in. */
export const TEST_USER_PREFIX = 'srt';
const START_TIMEOUT_MS = 15_000;

let ensured: string | null | undefined;

/**
 * Null when this process can run the SSH tests; otherwise the reason they are skipped. Installs
 * sshd (once per process) when it is missing and we are root.
 */
export const sshdUnavailableReason = (): string | null => {
  if (ensured !== undefined) return ensured;
  if (process.platform !== 'linux') ensured = 'the Linux-host SSH tests need Linux';
  else if (process.getuid?.() !== 0) ensured = 'the Linux-host SSH tests run only as root (they start sshd and add OS users)';
  else {
    if (!existsSync(SSHD)) {
      try {
        execFileSync('bash', [ENSURE_SCRIPT], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (error) {
        ensured = `scripts/ensure-sshd.sh could not install sshd: ${(error as Error).message.split('\n')[0]}`;
        return ensured;
      }
    }
    ensured = existsSync(SSHD) ? null : `${SSHD} is missing; run scripts/ensure-sshd.sh`;
  }
  return ensured;
};

export interface KeyPairText {
  /** One OpenSSH public key line. */
  publicKey: string;
  /** OpenSSH-format private key. */
  privateKey: string;
}

export const ed25519Pair = (comment = 'test'): KeyPairText => {
  // About one ed25519 key in 200 that ssh2 generates is one its own parser then refuses
  // ("Malformed OpenSSH private key"): such a pair is drawn again, or logins would fail by chance.
  for (;;) {
    const { public: publicKey, private: privateKey } = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    const unparsable = [privateKey, publicKey].some((text) => ssh2.utils.parseKey(text) instanceof Error);
    if (!unparsable) return { publicKey, privateKey };
  }
};

export interface SshdServer {
  host: string;
  port: number;
  /** SHA256:... of the host key, as ssh-keygen -l prints it. */
  hostKeyFingerprint: string;
  /** root's login on this server, as a managing secret value. */
  managerValue: string;
  /** What sshd logged (-e): accepted and failed logins, refused users. */
  log: string[];
  /** Lets `userName` log in with `publicKey` through AuthorizedKeysCommand; its home is not touched. */
  authorizeKey(userName: string, publicKey: string): void;
  revokeKeys(userName: string): void;
  stop(): Promise<void>;
}

/** `sshd -V` prints its version on stderr (and older releases exit non-zero). */
const versionOutput = (): string => {
  const result = spawnSync(SSHD, ['-V'], { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
};

const opensshVersion = (): [number, number] => {
  const match = /OpenSSH_(\d+)\.(\d+)/.exec(versionOutput()) ?? [];
  return [Number(match[1] ?? 0), Number(match[2] ?? 0)];
};

const configText = (dir: string, port: number): string => {
  const [major, minor] = opensshVersion();
  const lines = [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${join(dir, 'host_key')}`,
    'PidFile none',
    // PAM's session modules (pam_loginuid) fail in containers; sshd checks /etc/shadow itself instead.
    'UsePAM no',
    'PasswordAuthentication yes',
    'PermitEmptyPasswords no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    `AllowUsers root ${TEST_USER_PREFIX}*`,
    'AuthorizedKeysFile .ssh/authorized_keys',
    `AuthorizedKeysCommand /bin/cat ${join(dir, 'authorized')}/%u`,
    'AuthorizedKeysCommandUser nobody',
    'StrictModes yes',
    'UseDNS no',
    'X11Forwarding no',
    'AllowTcpForwarding no',
    'PrintMotd no',
    'PrintLastLog no',
    'MaxStartups 100',
    'LogLevel VERBOSE',
  ];
  // 9.8+ slows down sources with failed logins; the tests fail logins on purpose.
  if (major > 9 || (major === 9 && minor >= 8)) lines.push('PerSourcePenalties no');
  return `${lines.join('\n')}\n`;
};

/** Collects sshd's stderr into `log` and resolves once it says it listens. */
const waitForListening = (child: ChildProcess, log: string[]): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start: ${log.join('').slice(-500)}`)), START_TIMEOUT_MS);
    let listening = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      log.push(chunk.toString());
      if (!listening && /Server listening on/.test(log.join(''))) {
        listening = true;
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!listening) reject(new Error(`sshd exited (${code}): ${log.join('').slice(-500)}`));
    });
  });

export const startSshd = async (): Promise<SshdServer> => {
  // sshd's privilege separation needs this directory (the system service would create it).
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'rotor-sshd-'));
  chmodSync(dir, 0o755); // AuthorizedKeysCommandUser (nobody) reads the manager's public key here
  const hostKey = ed25519Pair('rotor-test-host');
  writeFileSync(join(dir, 'host_key'), hostKey.privateKey, { mode: 0o600 });
  const manager = ed25519Pair('rotor-test-manager');
  mkdirSync(join(dir, 'authorized'), { mode: 0o755 });
  writeFileSync(join(dir, 'authorized', 'root'), `${manager.publicKey}\n`, { mode: 0o644 });
  const parsedHostKey = ssh2.utils.parseKey(hostKey.publicKey);
  if (parsedHostKey instanceof Error || Array.isArray(parsedHostKey)) throw new Error('cannot read the generated host key');

  let child: ChildProcess | null = null;
  const log: string[] = [];
  let port = 0;
  for (let attempt = 0; attempt < 3 && !child; attempt++) {
    port = await freePort();
    const configFile = join(dir, 'sshd_config');
    writeFileSync(configFile, configText(dir, port));
    const candidate = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    log.length = 0;
    try {
      await waitForListening(candidate, log);
      child = candidate;
    } catch (error) {
      candidate.kill('SIGTERM');
      if (attempt === 2) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const sshd = child as ChildProcess;
  return {
    host: '127.0.0.1',
    port,
    hostKeyFingerprint: sha256Fingerprint(parsedHostKey.getPublicSSH()),
    managerValue: JSON.stringify({ UserName: 'root', PrivateKey: manager.privateKey }),
    log,
    authorizeKey: (userName, publicKey) => writeFileSync(join(dir, 'authorized', userName), `${publicKey}\n`, { mode: 0o644 }),
    revokeKeys: (userName) => rmSync(join(dir, 'authorized', userName), { force: true }),
    stop: async () => {
      if (sshd.exitCode === null && sshd.signalCode === null) {
        const exited = new Promise((resolve) => sshd.once('exit', resolve));
        sshd.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

// ------------------------------------------------------------------ throwaway OS users

/**
 * useradd and userdel take a lock on /etc/passwd, where parallel test files may meet; userdel also
 * waits until sshd's session process for a login that just ended has exited.
 */
const withRetry = async (command: string, args: string[], input?: string): Promise<void> => {
  for (let attempt = 0; ; attempt++) {
    try {
      if (input === undefined) await run(command, args);
      else execFileSync(command, args, { input, stdio: ['pipe', 'ignore', 'pipe'] });
      return;
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '');
      if (attempt >= 25 || !/lock|currently used by process/i.test(stderr)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
};

export const randomUserName = (hostile: boolean): string => {
  const tag = randomBytes(4).toString('hex');
  // Linux names cannot hold quotes or spaces; these are the characters they can hold that shells
  // and option parsers trip over: a dot, a dash, a trailing dollar.
  return hostile ? `${TEST_USER_PREFIX}.${tag}-x$` : `${TEST_USER_PREFIX}${tag}`;
};

export interface LinuxUser {
  name: string;
  home: string;
  uid: number;
  gid: number;
  remove(): Promise<void>;
}

/**
 * Adds a user with a home directory. Its password field is `*` (no password, not locked: without
 * PAM, sshd refuses even key logins to a locked `!` account) unless `password` is given.
 */
export const createLinuxUser = async (name: string, password?: string): Promise<LinuxUser> => {
  await withRetry('useradd', ['--create-home', '--shell', '/bin/sh', '--password', '*', name]);
  if (password !== undefined) await withRetry('chpasswd', [], `${name}:${password}\n`);
  const entry = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':');
  return {
    name,
    uid: Number(entry[2]),
    gid: Number(entry[3]),
    home: entry[5] as string,
    remove: async () => {
      await withRetry('userdel', ['--remove', name]).catch((error: unknown) => {
        // userdel warns (exit 12) about a missing mail spool; the user and home are gone all the same.
        if ((error as { code?: number }).code !== 12) throw error;
      });
    },
  };
};

// ------------------------------------------------------------------ managers that are not root

const SUDO = '/usr/bin/sudo';
const VISUDO = '/usr/sbin/visudo';
const SUDOERS_DIR = '/etc/sudoers.d';

/**
 * Null when sudo is installed; otherwise the reason the sudo tests cannot run. scripts/ensure-sshd.sh
 * installs it, so a missing sudo is a broken setup, not a reason to skip.
 */
export const sudoMissingReason = (): string | null =>
  existsSync(SUDO) ? null : `${SUDO} is missing: run scripts/ensure-sshd.sh (npm test's pretest does) to install sudo`;

/**
 * /etc/sudoers.d/<user> letting the user run /bin/sh as root without a password, which is what
 * the driver's `sudo -n /bin/sh` needs. Staged under a dotted name (sudo skips those) and checked
 * with visudo before it goes live: a broken drop-in would break sudo for everyone on the machine.
 */
const grantPasswordlessShell = (name: string, requireTty: boolean): string => {
  const file = join(SUDOERS_DIR, name);
  const staged = join(SUDOERS_DIR, `.${name}.staged`);
  const defaults = requireTty ? `Defaults:${name} requiretty\n` : '';
  writeFileSync(staged, `${defaults}${name} ALL=(root) NOPASSWD: /bin/sh\n`, { mode: 0o440 });
  chmodSync(staged, 0o440);
  try {
    if (existsSync(VISUDO)) execFileSync(VISUDO, ['-cf', staged], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(staged, file);
  } finally {
    rmSync(staged, { force: true });
  }
  return file;
};

export interface ManagerUser extends LinuxUser {
  /** Its login as a managing secret value: {"UserName","PrivateKey"}. */
  managerValue: string;
}

/**
 * A throwaway manager that is not root, logging in with its own ed25519 key; with `sudo`, it may
 * run /bin/sh as root through `sudo -n` ('requiretty': the same grant, but only from a terminal,
 * which the driver never has). remove() takes the sudo grant away first, then the key, then the
 * user and its home.
 */
export const createManagerUser = async (server: SshdServer, options: { sudo: boolean | 'requiretty' }): Promise<ManagerUser> => {
  // Plain names only: sudo ignores drop-ins whose names hold a dot, and sudoers would need the rest escaped.
  const name = randomUserName(false);
  const key = ed25519Pair('rotor-test-manager');
  const user = await createLinuxUser(name);
  let sudoers: string | null = null;
  const remove = async () => {
    if (sudoers) rmSync(sudoers, { force: true });
    server.revokeKeys(name);
    await user.remove();
  };
  try {
    if (options.sudo) sudoers = grantPasswordlessShell(name, options.sudo === 'requiretty');
    server.authorizeKey(name, key.publicKey);
  } catch (error) {
    await remove();
    throw error;
  }
  return { ...user, managerValue: JSON.stringify({ UserName: name, PrivateKey: key.privateKey }), remove };
};

/** The shadow field of a user, to see what chpasswd stored. */
export const shadowHashOf = (name: string): string => {
  const line = readFileSync('/etc/shadow', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  return line?.split(':')[1] ?? '';
};

// ------------------------------------------------------------------ real logins

export interface SshLoginValue {
  UserName: string;
  Password?: string;
  PrivateKey?: string;
}

/**
 * True when sshd lets this value log in; false when it refuses the credential. Anything else (the
 * server is down, the key cannot be read) throws, so a broken setup never reads as "refused".
 */
export const sshLogsIn = (server: { host: string; port: number }, value: SshLoginValue): Promise<boolean> =>
  new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once('ready', () => {
      client.end();
      resolve(true);
    });
    client.once('error', (error: Error & { level?: string }) => {
      client.end();
      if (error.level === 'client-authentication') resolve(false);
      else reject(error);
    });
    client.connect({
      host: server.host,
      port: server.port,
      username: value.UserName,
      ...(value.Password !== undefined ? { password: value.Password } : { privateKey: value.PrivateKey }),
      authHandler: [value.Password !== undefined ? 'password' : 'publickey'],
      readyTimeout: 10_000,
      hostVerifier: () => true,
    });
  });
