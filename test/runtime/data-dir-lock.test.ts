/**
 * One local runtime per data directory: a second start on a directory in use is refused with a
 * message naming the holder, and nothing of the first is touched; the lock dies with its process,
 * kill -9 included, so a crashed runtime's directory starts again at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, HOLDER_FILE, LOCK_FILE, lockDataDir } from '../../shared/runtime/local/data-dir-lock.js';
import { startLocalRuntime } from '../../shared/runtime/local/runtime.js';
import { killAllRuntimeProcesses, PROJECT_ROOT, startRuntimeProcess } from '../support/runtime-process.js';
import { tempDir, testConfig, type TempDir } from '../support/runtime.js';

const dirs: TempDir[] = [];
const children: ChildProcess[] = [];
const newDir = (): string => {
  const dir = tempDir('rotor-lock-');
  dirs.push(dir);
  return dir.path;
};

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await killAllRuntimeProcesses();
  for (const dir of dirs.splice(0)) dir.remove();
});

/** A child process that takes the lock, says so on stdout, and then only waits. */
const holdInChild = (dataDir: string): Promise<ChildProcess> => {
  const script = `import { lockDataDir } from './shared/runtime/local/data-dir-lock.ts';
lockDataDir(process.argv[1]); process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('locked') && resolve(child));
    child.once('exit', (code) => reject(new Error(`the lock holder exited early (code ${code})`)));
  });
};

const exitOf = (child: ChildProcess): Promise<void> => new Promise((resolve) => child.once('exit', () => resolve()));

describe('the data directory lock', () => {
  it('refuses a second lock in the same process, naming the holder, until the first is released', () => {
    // A directory the lock is the first to create: owner-only, like the files in it.
    const dir = join(newDir(), 'fresh');
    const first = lockDataDir(dir, () => Date.UTC(2026, 10, 23, 9, 0));
    let refused: unknown;
    try {
      lockDataDir(dir);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DataDirInUseError);
    expect((refused as DataDirInUseError).holder).toEqual({ pid: process.pid, host: hostname(), startedAt: '2026-11-23T09:00:00.000Z' });
    expect((refused as Error).message).toContain(`pid ${process.pid}`);
    expect((refused as Error).message).toContain('ROTOR_DATA_DIR');
    for (const [path, mode] of [[dir, 0o700], [join(dir, LOCK_FILE), 0o600], [join(dir, HOLDER_FILE), 0o600]] as const) {
      expect(statSync(path).mode & 0o777).toBe(mode);
    }
    first.release();
    expect(existsSync(join(dir, HOLDER_FILE))).toBe(false);
    lockDataDir(dir).release();
  });

  it('is seen by other processes, and freed by the kernel when its holder is killed with SIGKILL', async () => {
    const dir = newDir();
    const holder = await holdInChild(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(`pid ${holder.pid}`);
    const gone = exitOf(holder);
    holder.kill('SIGKILL');
    await gone;
    // The holder file of the dead process is still there: only the kernel lock decides.
    expect(existsSync(join(dir, HOLDER_FILE))).toBe(true);
    lockDataDir(dir).release();
  });
});

describe('the local runtime on a data directory in use', () => {
  it('refuses to start in process while another runtime runs there, and leaves that one serving', async () => {
    const dir = newDir();
    const first = await startLocalRuntime({ config: testConfig(dir), timers: false, queue: false });
    try {
      await expect(startLocalRuntime({ config: testConfig(dir), timers: false, queue: false })).rejects.toThrow(DataDirInUseError);
      // Still the first runtime's: it answers, and its container was not closed by the refused start.
      const answer = await fetch(`${first.url}/?Action=ListSecrets`);
      expect(answer.status).toBe(400);
      await first.container.service.createSecret({ secretName: 'still-mine', versionId: 'v1', secretData: 'lock-test-value' });
    } finally {
      await first.stop();
    }
    const again = await startLocalRuntime({ config: testConfig(dir), timers: false, queue: false });
    await again.stop();
  });

  it('`npm start` a second time on the same directory exits 1 with the reason, the first keeps running', async () => {
    const dir = newDir();
    const first = await startRuntimeProcess({ dataDir: dir });
    const second = spawn(process.execPath, ['--import', 'tsx', join('shared', 'runtime', 'local', 'main.ts')], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ROTOR_DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(second);
    let stderr = '';
    second.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => second.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toContain(`is in use by another secret-rotor runtime (pid ${first.child.pid}`);
    expect(stderr).not.toContain('listening on');
    expect((await fetch(`${first.url}/?Action=ListSecrets`)).status).toBe(400);
    expect(first.child.exitCode).toBeNull();
  });
});
