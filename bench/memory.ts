/**
 * Resident set size of the local runtime as `npm start` runs it (its own process), serving a data
 * directory with a large store: after start, after one rotate tick and one purge tick (invoked
 * through the FC invoke path, as the timers would), and after a burst of signed reads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invokeFunction } from '../scripts/invoke/fc-invoke-client.js';
import { runLoad, type LoadResult } from './http-read.js';

export interface MemoryResult {
  secrets: number;
  rssAfterStartMiB: number;
  rssAfterTicksMiB: number;
  rssAfterReadsMiB: number;
  reads: LoadResult;
  tickRowsRead: { rotate: number; purge: number };
}

const rssMiB = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  return kib / 1024;
};

const waitForUrl = (child: ChildProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`the runtime did not start: ${err}`)), 120_000);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the runtime exited (${code}): ${err}`));
    });
  });

interface RootKey {
  accessKeyId: string;
  accessKeySecret: string;
}

/** Through the client `npm run invoke` uses: the invoke path takes only the root key's signature. */
const invokeTimer = async (url: string, root: RootKey, fn: string, triggerName: string): Promise<number> => {
  const event = Buffer.from(JSON.stringify({ triggerTime: new Date().toISOString(), triggerName, payload: '' }));
  const target = { accountId: '0', region: 'unset', endpoint: url, credentials: root };
  const outcome = await invokeFunction(target, { functionName: fn, event });
  if (outcome.kind !== 'result') throw new Error(`${fn} tick failed: ${outcome.kind}`);
  return (outcome.body as { rowsRead?: number } | undefined)?.rowsRead ?? NaN;
};

/** Starts `npm start`'s entry point on dataDir, measures, stops it. */
export const benchRuntimeMemory = async (dataDir: string, secrets: number, readSecret: string, readSeconds: number): Promise<MemoryResult> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'shared/runtime/local/main.ts'], {
    env: { ...process.env, ROTOR_DATA_DIR: dataDir, PORT: '0', ROTOR_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const url = await waitForUrl(child);
    const pid = child.pid as number;
    const rssAfterStartMiB = rssMiB(pid);
    const root = JSON.parse(readFileSync(join(dataDir, 'root-credentials.json'), 'utf8')) as RootKey;
    const rotate = await invokeTimer(url, root, 'rotate', 'schedule');
    const purge = await invokeTimer(url, root, 'purge', 'purge');
    const rssAfterTicksMiB = rssMiB(pid);
    const { accessKeyId, accessKeySecret } = root;
    const reads = await runLoad({ url, connections: 50, durationSeconds: readSeconds, signed: { accessKeyId, accessKeySecret, secretName: readSecret } });
    const rssAfterReadsMiB = rssMiB(pid);
    return { secrets, rssAfterStartMiB, rssAfterTicksMiB, rssAfterReadsMiB, reads, tickRowsRead: { rotate, purge } };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
};
