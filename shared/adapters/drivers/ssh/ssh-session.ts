/**
 * One SSH connection (ssh2) that logs in and runs commands with their input on stdin. The host key
 * is checked against the pinned fingerprint before ssh2 offers any credential. Anything that fails
 * before the session is ready is a ConnectFailure (one code for callers, the detail for the
 * operator's log); later errors are left as ssh2 and Node throw them (RedactingDriver classifies
 * them), except a command that overruns its time, which is a TargetError.
 */
import type { Client } from 'ssh2';
import { TargetError } from '../../../domain/errors.js';
import { ConnectFailure } from '../connect-failure.js';
import type { SshLogin } from './credentials.js';
import { loadSsh2, sha256Fingerprint } from './ssh-keys.js';

export interface SshEndpoint {
  host: string;
  port: number;
  /** A server presenting another host key is refused before any credential is sent. */
  hostKeyFingerprint: string;
}

export interface SshTimeouts {
  /** TCP connect, key exchange and authentication. */
  connectMs: number;
  commandMs: number;
}

export interface CommandResult {
  /** null when the command ended by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Why a session could not be opened; `reachedHandshake` tells preflight "unreachable" from "refused the login". */
export class SshOpenFailure extends ConnectFailure {
  constructor(
    underlying: unknown,
    readonly reachedHandshake: boolean,
  ) {
    super(underlying);
  }
}

const MAX_OUTPUT_BYTES = 64 * 1024;

const collect = (chunks: Buffer[], size: { bytes: number }) => (chunk: Buffer) => {
  if (size.bytes >= MAX_OUTPUT_BYTES) return;
  chunks.push(chunk);
  size.bytes += chunk.length;
};

export class SshSession {
  private closed = false;

  private constructor(
    private readonly client: Client,
    readonly hostKeyFingerprint: string,
    private readonly timeouts: SshTimeouts,
  ) {
    client.on('close', () => {
      this.closed = true;
    });
  }

  /** Connects and logs in; the promise settles once, with the session or with why it failed. */
  static async open(endpoint: SshEndpoint, login: SshLogin, timeouts: SshTimeouts): Promise<SshSession> {
    const ssh2 = await loadSsh2();
    const client = new ssh2.Client();
    let presented = '';
    let hostKeyMismatch = false;
    let reachedHandshake = false;
    return new Promise<SshSession>((resolve, reject) => {
      client.once('ready', () => {
        client.on('error', () => undefined); // later failures surface through the command that was running
        resolve(new SshSession(client, presented, timeouts));
      });
      client.once('error', (error: Error) => {
        client.end();
        const cause = hostKeyMismatch
          ? new TargetError('Target.HostKeyMismatch', `The host presented key ${presented}, not the pinned HostKeyFingerprint.`, false)
          : error;
        reject(new SshOpenFailure(cause, reachedHandshake));
      });
      client.once('handshake', () => {
        reachedHandshake = true;
      });
      client.connect({
        host: endpoint.host,
        port: endpoint.port,
        username: login.userName,
        ...('password' in login ? { password: login.password } : { privateKey: login.privateKey }),
        authHandler: ['password' in login ? 'password' : 'publickey'],
        tryKeyboard: false,
        readyTimeout: timeouts.connectMs,
        hostVerifier: (key: Buffer) => {
          presented = sha256Fingerprint(key);
          hostKeyMismatch = presented !== endpoint.hostKeyFingerprint;
          return !hostKeyMismatch;
        },
      });
    });
  }

  /** Runs a command; `stdin` is written whole and then closed. Resolves with the exit code, whatever it is. */
  run(command: string, stdin = ''): Promise<CommandResult> {
    return new Promise<CommandResult>((resolve, reject) => {
      if (this.closed) {
        reject(new TargetError('Target.Unreachable', 'The SSH connection closed before the command ran.', true));
        return;
      }
      this.client.exec(command, (error, channel) => {
        if (error) {
          reject(error);
          return;
        }
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        const outSize = { bytes: 0 };
        const errSize = { bytes: 0 };
        let code: number | null = null;
        const timer = setTimeout(() => {
          channel.close();
          this.close();
          reject(new TargetError('Target.Timeout', `The command on the host did not finish within ${this.timeouts.commandMs} ms.`, true));
        }, this.timeouts.commandMs);
        channel.on('data', collect(out, outSize));
        channel.stderr.on('data', collect(err, errSize));
        channel.on('exit', (exitCode: number | null) => {
          code = typeof exitCode === 'number' ? exitCode : null;
        });
        channel.on('close', () => {
          clearTimeout(timer);
          resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
        });
        channel.end(stdin);
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.end();
  }
}

/** Opens a session, runs `work` with it, and always closes it. */
export const withSshSession = async <T>(
  endpoint: SshEndpoint,
  login: SshLogin,
  timeouts: SshTimeouts,
  work: (session: SshSession) => Promise<T>,
): Promise<T> => {
  const session = await SshSession.open(endpoint, login, timeouts);
  try {
    return await work(session);
  } finally {
    session.close();
  }
};
