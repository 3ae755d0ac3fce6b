/**
 * One local runtime per data directory. Its SQLite files, queue and event file assume a single
 * process: a second one on the same directory would release the first one's in-flight queue
 * messages at its start, take over its rotation leases, and decide nonces the first cannot see.
 *
 * The lock is an exclusive SQLite transaction held open on `runtime.lock` for the runtime's life.
 * SQLite takes it with the kernel's file locks, which every process (in any container sharing the
 * directory on one host) sees, and which the kernel drops when the process dies, kill -9 included:
 * a crashed runtime never leaves a stale lock. Who holds it is written beside it, for the message
 * a refused start prints.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ensurePrivateFile, PRIVATE_FILE_MODE } from '../../adapters/support/private-file.js';

export const LOCK_FILE = 'runtime.lock';
export const HOLDER_FILE = 'runtime.lock.holder.json';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
  ) {
    const who = holder ? ` (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt})` : '';
    super(
      `The data directory ${dataDir} is in use by another secret-rotor runtime${who}. ` +
        'Stop that one first, or give this one its own ROTOR_DATA_DIR.',
    );
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  /** Ends the lock; safe to call more than once. */
  release(): void;
}

const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
};

/** Null when the file is missing or unreadable: the message then names no holder. */
const readHolder = (dataDir: string): LockHolder | null => {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, HOLDER_FILE), 'utf8')) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.startedAt === 'string'
      ? { pid: parsed.pid, host: parsed.host, startedAt: parsed.startedAt }
      : null;
  } catch {
    return null;
  }
};

/** Takes the directory for this process, or throws DataDirInUseError at once (no waiting). */
export const lockDataDir = (dataDir: string, now: () => number = Date.now): DataDirLock => {
  // Owner-only like every file of the directory, which this may be the first to create.
  ensurePrivateFile(join(dataDir, LOCK_FILE));
  // timeout 0: a held lock is an answer, not something to wait for.
  const db = new Database(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    // The journal in memory: the lock file is all this database is, and it is never written.
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if (isBusy(error)) throw new DataDirInUseError(dataDir, readHolder(dataDir));
    throw error;
  }
  const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date(now()).toISOString() };
  writeFileSync(join(dataDir, HOLDER_FILE), `${JSON.stringify(holder)}\n`, { mode: PRIVATE_FILE_MODE });
  let held = true;
  return {
    release: () => {
      if (!held) return;
      held = false;
      rmSync(join(dataDir, HOLDER_FILE), { force: true });
      db.close();
    },
  };
};
