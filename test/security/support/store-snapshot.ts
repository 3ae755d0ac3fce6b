/**
 * The durable state a request could change, read straight from the local runtime's SQLite file
 * (read-only; WAL lets us read while the runtime writes): secrets with their revision and stage
 * record, every version, every AccessKey with its policies. Nonces and the audit trail are left
 * out on purpose: every request, refused or not, is meant to touch those.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface StoreSnapshot {
  secrets: unknown[];
  versions: unknown[];
  accessKeys: unknown[];
  /** Rotation steps waiting in the local queue: a started rotation shows here first. */
  queuedJobs: number;
}

const STATE_QUERIES = {
  secrets: 'SELECT name, revision, record, rotation_due_at, purge_due_at FROM secrets ORDER BY name',
  versions: 'SELECT secret_name, version_id, created_at, envelope FROM versions ORDER BY secret_name, version_id',
  accessKeys: 'SELECT access_key_id, revision, created_at, record FROM access_keys ORDER BY access_key_id',
} as const;

const queueDepth = (dataDir: string): number => {
  const db = new Database(join(dataDir, 'queue.db'), { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return count('queue_messages') + count('queue_dead_letters');
  } finally {
    db.close();
  }
};

export const snapshotStore = (dataDir: string): StoreSnapshot => {
  const db = new Database(join(dataDir, 'secrets.db'), { readonly: true, fileMustExist: true });
  try {
    return {
      secrets: db.prepare(STATE_QUERIES.secrets).all(),
      versions: db.prepare(STATE_QUERIES.versions).all(),
      accessKeys: db.prepare(STATE_QUERIES.accessKeys).all(),
      queuedJobs: queueDepth(dataDir),
    };
  } finally {
    db.close();
  }
};
