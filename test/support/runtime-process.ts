/**
 * The local runtime as a child process, started the way `npm start` starts it (node with the tsx
 * loader on shared/runtime/local/main.ts), for end-to-end tests. Node is spawned directly, not
 * through npm or the tsx CLI, so a signal sent to the child reaches the runtime itself: SIGKILL
 * then really is a crash of the process that holds the state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { secretScanHooks } from './secret-scan-hooks.js';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN_MODULE = join('shared', 'runtime', 'local', 'main.ts');

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RuntimeProcess {
  readonly child: ChildProcess;
  /** From the "listening on" line, e.g. http://127.0.0.1:43123. */
  readonly url: string;
  readonly port: number;
  /** Everything the child wrote so far. */
  stdout(): Buffer;
  stderr(): Buffer;
  /** Resolves once the child has exited. */
  readonly exited: Promise<ExitStatus>;
  /** Sends the signal and waits for the exit. */
  stop(signal: NodeJS.Signals): Promise<ExitStatus>;
}

export interface StartOptions {
  dataDir: string;
  /** Added to the child's environment (ROTOR_QUEUE_POLL_MS ...). */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

const LISTENING = /listening on (http:\/\/[^\s]+)/;

/**
 * Only what a shell would pass plus our settings: no ROTOR_* variable of the outer process
 * (a developer's root key, say) leaks into the runtime under test.
 */
const childEnvironment = (options: StartOptions): NodeJS.ProcessEnv => {
  const inherited = Object.fromEntries(
    ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'SYSTEMROOT'].flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])),
  );
  return { ...inherited, HOST: '127.0.0.1', PORT: '0', ROTOR_DATA_DIR: options.dataDir, ...options.env };
};

/** Every child started and not yet exited, so a failing test still leaves none behind. */
const running = new Set<ChildProcess>();

export const killAllRuntimeProcesses = async (): Promise<void> => {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          if (!child.kill('SIGKILL')) resolve();
        }),
    ),
  );
};

export const startRuntimeProcess = (options: StartOptions): Promise<RuntimeProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN_MODULE], {
    cwd: PROJECT_ROOT,
    env: childEnvironment(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      secretScanHooks.output(Buffer.concat(out), 'runtime process stdout');
      secretScanHooks.output(Buffer.concat(err), 'runtime process stderr');
      resolve({ code, signal });
    });
  });
  const stdout = () => Buffer.concat(out);
  const stderr = () => Buffer.concat(err);

  return new Promise<RuntimeProcess>((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`the runtime did not start: ${why}\n--- stderr ---\n${stderr().toString('utf8')}`));
    };
    const timer = setTimeout(() => fail('no "listening" line in time'), options.readyTimeoutMs ?? 20_000);
    const onData = () => {
      const match = LISTENING.exec(stderr().toString('utf8'));
      if (!match?.[1]) return;
      cleanup();
      const url = match[1];
      resolve({
        child,
        url,
        port: Number(new URL(url).port),
        stdout,
        stderr,
        exited,
        stop: (signal) => {
          child.kill(signal);
          return exited;
        },
      });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`it exited (code ${code}, signal ${signal})`);
    const cleanup = () => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
};

export interface RootKey {
  accessKeyId: string;
  accessKeySecret: string;
}

/** The root AccessKey the runtime generated into its data dir on first start. */
export const readRootCredentials = (dataDir: string): RootKey => {
  const json = JSON.parse(readFileSync(join(dataDir, 'root-credentials.json'), 'utf8')) as Partial<RootKey>;
  if (typeof json.accessKeyId !== 'string' || typeof json.accessKeySecret !== 'string') {
    throw new Error('root-credentials.json has no accessKeyId / accessKeySecret');
  }
  secretScanHooks.register(json.accessKeySecret, 'root AccessKey of a runtime process');
  return { accessKeyId: json.accessKeyId, accessKeySecret: json.accessKeySecret };
};
