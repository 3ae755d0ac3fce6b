/**
 * Runs `rotor` the way a user does (node bin/rotor.js) as a child process, so exit codes, stdout and
 * stderr are real, against a local runtime started in this test process. The child gets a clean
 * environment with its own HOME: no ROTOR_* variable or profiles file of the developer leaks in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../shared/runtime/local/runtime.js';
import { testConfig } from '../support/runtime.js';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(PROJECT_ROOT, 'bin', 'rotor.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stdout as written, for binary values. */
  stdoutBytes: Buffer;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Written to the child's stdin, which is then closed. */
  input?: string | Buffer;
  cwd?: string;
}

/** A temporary directory removed by remove(). */
export interface Scratch {
  path: string;
  remove(): void;
}

export const scratch = (prefix = 'rotor-cli-'): Scratch => {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
};

const INHERITED = ['PATH', 'TMPDIR', 'TMP', 'TEMP', 'SYSTEMROOT'];

export const cleanEnv = (home: string, env: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(INHERITED.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : []))),
  HOME: home,
  ...env,
});

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<CliResult>;
}

export const spawnCli = (args: string[], home: string, options: RunOptions = {}): CliProcess => {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? home,
    env: cleanEnv(home, options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  child.stdin?.end(options.input ?? '');
  const stdout = () => Buffer.concat(out).toString('utf8');
  const stderr = () => Buffer.concat(err).toString('utf8');
  const exited = new Promise<CliResult>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout: stdout(), stdoutBytes: Buffer.concat(out), stderr: stderr() }));
  });
  return { child, stdout, stderr, exited };
};

/** Asynchronous on purpose: the runtime answering the CLI runs on this process's event loop. */
export const runCli = (args: string[], home: string, options: RunOptions = {}): Promise<CliResult> =>
  spawnCli(args, home, options).exited;

export const parseJson = <T = Record<string, unknown>>(result: CliResult): T => {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
  }
};

export interface CliRuntime {
  runtime: LocalRuntime;
  dataDir: string;
  /** HOME and working directory of the CLI processes. */
  home: string;
  /** ROTOR_ENDPOINT and the root AccessKey, as a user would export them. */
  env: Record<string, string>;
  /** runCli with `env` (plus extra) and home. */
  rotor(args: string[], options?: RunOptions): Promise<CliResult>;
  stop(): Promise<void>;
}

export const startCliRuntime = async (
  runtimeEnv: Record<string, string> = {},
  options: Omit<LocalRuntimeOptions, 'config'> = {},
): Promise<CliRuntime> => {
  const data = scratch('rotor-cli-data-');
  const home = scratch('rotor-cli-home-');
  const runtime = await startLocalRuntime({ config: testConfig(data.path, runtimeEnv), timers: false, queueIdleMs: 20, ...options });
  const { accessKeyId, accessKeySecret } = runtime.container.rootCredentials;
  const env = { ROTOR_ENDPOINT: new URL(runtime.url).host, ROTOR_ACCESS_KEY_ID: accessKeyId, ROTOR_ACCESS_KEY_SECRET: accessKeySecret };
  return {
    runtime,
    dataDir: data.path,
    home: home.path,
    env,
    rotor: (args, o = {}) => runCli(args, home.path, { ...o, env: { ...env, ...o.env } }),
    stop: async () => {
      await runtime.stop();
      data.remove();
      home.remove();
    },
  };
};
