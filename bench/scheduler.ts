/** One rotate-timer tick and one purge tick over a large store with few due secrets. */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { purgeDueAt, rotationDueAt, type SecretRecord } from '../shared/domain/secret.js';
import { createEmbeddedService } from './embedded-service.js';

const HOUR = 3_600_000;

const record = (name: string, now: number, due: boolean, pendingDeletion: boolean): SecretRecord => ({
  name,
  type: 'Generic',
  description: '',
  encryptionKeyId: '',
  extendedConfig: '{"SecretSubType":"GeneratedPassword"}',
  tags: [],
  dataType: 'text',
  createdAt: now - 24 * HOUR,
  updatedAt: now - 24 * HOUR,
  stages: { ACSCurrent: 'v1' },
  rotation: { enabled: true, intervalSeconds: 6 * 3600, lastRotatedAt: null, nextRotationAt: due ? now - 60_000 : now + 24 * HOUR },
  plannedDeleteAt: pendingDeletion ? (due ? now - 60_000 : now + 7 * 24 * HOUR) : null,
  job: null,
  lastRotation: null,
  rotationWindow: { startedAt: now - 24 * HOUR, count: 0 },
  revision: 0,
});

export const READ_SECRET = 'bench-read';
export const rotatingName = (i: number): string => `s-${String(i).padStart(7, '0')}`;
export const deletingName = (i: number): string => `p-${String(i).padStart(7, '0')}`;

/**
 * The seeding shortcut: rows written straight into the store's file (the same row image the store
 * writes: the record as JSON and its two index columns), with one prepared statement in one
 * transaction, instead of a million separate store calls. `replace` re-arms rows already there.
 */
export const seedSecrets = (storeFile: string, rows: readonly { name: string; secret: SecretRecord }[], replace = false): void => {
  const db = new Database(storeFile);
  try {
    db.pragma('busy_timeout = 5000');
    const insert = db.prepare(
      `INSERT ${replace ? 'OR REPLACE ' : ''}INTO secrets (name, revision, record, rotation_due_at, purge_due_at)
       VALUES (?, 0, ?, ?, ?)`,
    );
    db.transaction(() => {
      for (const { name, secret } of rows) insert.run(name, JSON.stringify(secret), rotationDueAt(secret), purgeDueAt(secret));
    })();
  } finally {
    db.close();
  }
};

/**
 * `total` secrets in the store: half with rotation enabled (`due` of them due now), half pending
 * deletion (`due` of them past their window). Rows are generated in chunks so a million of them
 * never sit in memory at once.
 */
export const seedSchedulerStore = (storeFile: string, total: number, due: number, now: number): void => {
  const perKind = Math.floor(total / 2);
  const dueEvery = Math.floor(perKind / due);
  const CHUNK = 50_000;
  for (let start = 0; start < perKind; start += CHUNK) {
    const rows: { name: string; secret: SecretRecord }[] = [];
    for (let i = start; i < Math.min(perKind, start + CHUNK); i++) {
      const isDue = i % dueEvery === 0 && i / dueEvery < due;
      rows.push({ name: rotatingName(i), secret: record(rotatingName(i), now, isDue, false) });
      rows.push({ name: deletingName(i), secret: record(deletingName(i), now, isDue, true) });
    }
    seedSecrets(storeFile, rows);
  }
};

/** Puts `due` rotation-due and `due` purge-due rows back (after a tick consumed them). */
export const rearmDue = (storeFile: string, total: number, due: number, now: number): void => {
  const perKind = Math.floor(total / 2);
  const dueEvery = Math.floor(perKind / due);
  const rows: { name: string; secret: SecretRecord }[] = [];
  for (let k = 0; k < due; k++) {
    const i = k * dueEvery;
    rows.push({ name: rotatingName(i), secret: record(rotatingName(i), now, true, false) });
    rows.push({ name: deletingName(i), secret: record(deletingName(i), now, true, true) });
  }
  seedSecrets(storeFile, rows, true);
};

const TICK_RUNS = 3;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

export interface SchedulerResult {
  total: number;
  due: number;
  seedMs: number;
  /** The first tick's result. */
  rotate: { rowsRead: number; acted: number };
  /** Median of TICK_RUNS ticks. */
  rotateMs: number;
  purge: { rowsRead: number; acted: number };
  purgeMs: number;
}

/**
 * Seeds, then times one rotate tick and one purge tick in process. With `keep`, the seeded data
 * directory is handed to it before being removed (the memory benchmark serves it from a runtime).
 */
export const benchScheduler = async (total: number, due: number, keep?: (dataDir: string) => Promise<void>): Promise<SchedulerResult> => {
  const env = await createEmbeddedService();
  try {
    const now = Date.now();
    let t = performance.now();
    seedSchedulerStore(join(env.dir, 'secrets.db'), total, due, now);
    const seedMs = performance.now() - t;
    // Each tick is timed TICK_RUNS times (the due rows put back in between), and the median kept:
    // a single tick of a thousand writes is at the mercy of whatever else the machine is doing.
    const rotateTimes: number[] = [];
    const purgeTimes: number[] = [];
    let rotate: Awaited<ReturnType<typeof env.service.scheduleDueRotations>> | undefined;
    let purge: Awaited<ReturnType<typeof env.service.purgeExpired>> | undefined;
    for (let run = 0; run < TICK_RUNS; run++) {
      if (run > 0) rearmDue(join(env.dir, 'secrets.db'), total, due, now);
      t = performance.now();
      const rotated = await env.service.scheduleDueRotations(1000);
      rotateTimes.push(performance.now() - t);
      t = performance.now();
      const purged = await env.service.purgeExpired(1000);
      purgeTimes.push(performance.now() - t);
      rotate ??= rotated;
      purge ??= purged;
    }
    if (!rotate || !purge) throw new Error('no tick ran');
    const rotateMs = median(rotateTimes);
    const purgeMs = median(purgeTimes);
    if (keep) {
      // Something to read through the runtime: the seeded rows have no stored versions.
      await env.service.createSecret({ secretName: READ_SECRET, versionId: 'v1', secretData: 'bench-password-value' });
      await env.store.close();
      await env.queue.close();
      await keep(env.dir);
    }
    return { total, due, seedMs, rotate, rotateMs, purge, purgeMs };
  } finally {
    await env.close();
  }
};
