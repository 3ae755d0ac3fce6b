/**
 * Runs a built function the way a Function Compute instance gets it: its folder alone, copied to
 * a fresh directory outside this project, loaded by a fresh Node process. No node_modules is
 * reachable from there, so a bundle that still needs an external module (better-sqlite3) at load
 * time fails here instead of in the cloud. NODE_PATH tricks would not prove that: the project's
 * node_modules would still be found by walking up from a bundle inside the project.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BUNDLE_FILE } from './bundle-functions.js';

export interface IsolatedCopy {
  dir: string;
  file: string;
  remove(): void;
}

const CHILD_TIMEOUT_MS = 60_000;

/** Node resolves bare imports from every ancestor's node_modules; none may exist above `dir`. */
const reachableNodeModules = (dir: string): string | null => {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) return join(d, 'node_modules');
    if (dirname(d) === d) return null;
  }
};

/** Copies a function's output folder (bundle, source map, package.json) to a new temp dir. */
export const isolateBundle = (bundleDir: string, fileName: string = BUNDLE_FILE): IsolatedCopy => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-bundle-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  const modules = reachableNodeModules(dir);
  if (modules) {
    remove();
    throw new Error(`Cannot isolate a bundle under ${tmpdir()}: ${modules} is reachable from there.`);
  }
  cpSync(bundleDir, dir, { recursive: true });
  return { dir, file: join(dir, fileName), remove };
};

/** A child environment with nothing that could point Node at other modules or preload code. */
export const isolatedEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '',
  ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
  ...extra,
});

const runNode = (script: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) => {
  const child = spawnSync(process.execPath, ['-e', script, ...args], { cwd, env, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
  if (child.error) throw child.error;
  return child;
};

const LOAD_SCRIPT = `
const mod = require(process.argv[1]);
process.stdout.write(JSON.stringify({ exportType: typeof mod[process.argv[2]] }));
`;

export type LoadResult = { loaded: true; exportType: string } | { loaded: false; error: string };

/** Requires the isolated bundle in a fresh process and reports the type of `exportName`. */
export const loadInIsolation = (copy: IsolatedCopy, exportName = 'handler'): LoadResult => {
  const child = runNode(LOAD_SCRIPT, [copy.file, exportName], copy.dir, isolatedEnv());
  if (child.status !== 0) return { loaded: false, error: child.stderr.trim() || `exit ${child.status}` };
  return { loaded: true, exportType: (JSON.parse(child.stdout) as { exportType: string }).exportType };
};

const INVOKE_SCRIPT = `
const fs = require('fs');
const [file, exportName, eventFile, contextFile, resultFile] = process.argv.slice(1);
const quiet = () => {};
const context = { ...JSON.parse(fs.readFileSync(contextFile, 'utf8')), logger: { debug: quiet, info: quiet, warn: quiet, error: quiet, log: quiet } };
// Exits once the outcome is written: idle keep-alive sockets of SDK clients would hold the process.
const write = (outcome) => {
  fs.writeFileSync(resultFile, JSON.stringify(outcome));
  setImmediate(() => process.exit(0));
};
Promise.resolve()
  .then(() => require(file)[exportName](fs.readFileSync(eventFile), context))
  .then(
    (result) => write({ ok: true, result }),
    (e) => write({ ok: false, error: { name: e && e.name, message: e && e.message, code: e && e.code } }),
  );
`;

interface ChildOutput {
  /** The handler's log lines (JSON) and anything else it printed. */
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

export interface IsolatedInvocation extends ChildOutput {
  /** What the handler returned, or what it threw (name, message, code). */
  outcome: { ok: true; result: unknown } | { ok: false; error: { name?: string; message?: string; code?: unknown } };
}

export interface InvokeInIsolationOptions {
  exportName?: string;
  event: Buffer;
  /** The FC context, without its logger (the child adds a silent one). */
  context: Record<string, unknown>;
  /** The function's environment variables; nothing else of this process's environment is passed. */
  env?: Record<string, string>;
}

/** Asynchronous, so servers in this process (test servers) can answer the child meanwhile. */
const runNodeAsync = (script: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<ChildOutput> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, ...args], { cwd, env, timeout: CHILD_TIMEOUT_MS });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', reject);
    child.once('close', (exitCode) =>
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode }),
    );
  });

/** Invokes the isolated bundle's handler once, as FC would: a Buffer event and a context. */
export const invokeInIsolation = async (copy: IsolatedCopy, options: InvokeInIsolationOptions): Promise<IsolatedInvocation> => {
  const work = mkdtempSync(join(tmpdir(), 'rotor-invoke-'));
  try {
    const eventFile = join(work, 'event');
    const contextFile = join(work, 'context.json');
    const resultFile = join(work, 'result.json');
    writeFileSync(eventFile, options.event);
    writeFileSync(contextFile, JSON.stringify(options.context));
    const args = [copy.file, options.exportName ?? 'handler', eventFile, contextFile, resultFile];
    const child = await runNodeAsync(INVOKE_SCRIPT, args, copy.dir, isolatedEnv(options.env));
    if (!existsSync(resultFile)) {
      throw new Error(`The handler process ended without an outcome (exit ${child.exitCode}): ${child.stderr.trim()}`);
    }
    return { outcome: JSON.parse(readFileSync(resultFile, 'utf8')) as IsolatedInvocation['outcome'], ...child };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};
