import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteSecretStore } from '../../shared/adapters/sqlite/secret-store.js';
import { FIXTURE_TIME, makeJob, makeSecret } from '../support/fixtures.js';
import { secretStoreContract } from './secret-store.contract.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'rotor-sqlite-store-'));

secretStoreContract('SQLite file', async () => {
  const dir = tempDir();
  const file = join(dir, 'state', 'rotor.db');
  let store = SqliteSecretStore.open(file);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = SqliteSecretStore.open(file);
      return store;
    },
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

secretStoreContract('SQLite :memory:', async () => {
  const store = SqliteSecretStore.open(':memory:');
  return { store, cleanup: () => store.close() };
});

describe('SqliteSecretStore file', () => {
  const dirs: string[] = [];
  const newFile = (): string => {
    const dir = tempDir();
    dirs.push(dir);
    return join(dir, 'nested', 'dir', 'rotor.db');
  };

  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates its directory and a file only the owner can read, in WAL mode at schema version 3', async () => {
    const file = newFile();
    const store = SqliteSecretStore.open(file);
    await store.close();

    expect(statSync(file).mode & 0o777).toBe(0o600);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(3);
    } finally {
      db.close();
    }
  });

  it('refuses a file whose schema is newer than it knows', async () => {
    const file = newFile();
    await SqliteSecretStore.open(file).close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();

    expect(() => SqliteSecretStore.open(file)).toThrow(/schema is at version 99/);
  });

  it('lets one of two connections to the same file win a race from the same revision', async () => {
    const file = newFile();
    const first = SqliteSecretStore.open(file);
    const second = SqliteSecretStore.open(file);
    try {
      const created = await first.createSecret(makeSecret({ name: 's' }));
      const results = await Promise.allSettled([
        first.updateSecret({ ...created, description: 'first' }, 1),
        second.updateSecret({ ...created, description: 'second' }, 1),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((await second.getSecret('s'))?.revision).toBe(2);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('forgets expired nonces while claiming new ones', async () => {
    const file = newFile();
    const store = SqliteSecretStore.open(file);
    for (const nonce of ['a', 'b', 'c']) await store.claimNonce(nonce, 1_000, 0);
    await store.claimNonce('d', 5_000, 2_000);
    await store.close();

    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT nonce FROM nonces').pluck().all()).toEqual(['d']);
    } finally {
      db.close();
    }
  });

  it('upgrades a schema-1 file: a rotation stored before leases existed is found by the reconciler', async () => {
    const file = newFile();
    await SqliteSecretStore.open(file).close();
    // Take the file back to schema 1 as it was written then: no lease, drift or kind columns, no nonce journal.
    const db = new Database(file);
    db.exec(`DROP INDEX secrets_lease_due; DROP INDEX secrets_drift_due; DROP INDEX secrets_job_kind;
             ALTER TABLE secrets DROP COLUMN lease_due_at; ALTER TABLE secrets DROP COLUMN drift_due_at;
             ALTER TABLE secrets DROP COLUMN job_kind; DROP TABLE nonce_journal;`);
    const rotating = makeSecret({ name: 'rotating', job: makeJob({ stepStartedAt: FIXTURE_TIME + 5 }) });
    const insert = db.prepare('INSERT INTO secrets (name, revision, record) VALUES (?, 1, ?)');
    insert.run('idle', JSON.stringify(makeSecret({ name: 'idle' })));
    insert.run('rotating', JSON.stringify(rotating));
    db.pragma('user_version = 1');
    db.close();

    const store = SqliteSecretStore.open(file);
    try {
      expect((await store.listExpiredLeases(FIXTURE_TIME + 4, 10)).map((s) => s.name)).toEqual([]);
      expect((await store.listExpiredLeases(FIXTURE_TIME + 5, 10)).map((s) => s.name)).toEqual(['rotating']);
      expect(await store.countRotationsInFlight()).toEqual({ '': 1 });
    } finally {
      await store.close();
    }
  });

  it('answers the scheduler queries from the due-time indexes, without a table scan or sort', async () => {
    const file = newFile();
    const store = SqliteSecretStore.open(file);
    // The statements are private; the plan of the exact SQL the store runs is what matters here.
    const { statements } = store as unknown as { statements: Record<string, Database.Statement> };
    const db = new Database(file, { readonly: true });
    try {
      const planOf = (name: string): string =>
        (db.prepare(`EXPLAIN QUERY PLAN ${statements[name]?.source}`).all(0, 10) as { detail: string }[])
          .map((row) => row.detail)
          .join('; ');
      expect(planOf('dueForRotation')).toMatch(/USING INDEX secrets_rotation_due/);
      expect(planOf('dueForPurge')).toMatch(/USING INDEX secrets_purge_due/);
      expect(planOf('dueForRotation')).not.toMatch(/TEMP B-TREE|SCAN secrets$/);
      expect(planOf('dueForPurge')).not.toMatch(/TEMP B-TREE|SCAN secrets$/);
      expect(planOf('expiredLeases')).toMatch(/USING INDEX secrets_lease_due/);
      expect(planOf('dueForDriftCheck')).toMatch(/USING INDEX secrets_drift_due/);
      expect(planOf('expiredLeases')).not.toMatch(/TEMP B-TREE|SCAN secrets$/);
      expect(planOf('dueForDriftCheck')).not.toMatch(/TEMP B-TREE|SCAN secrets$/);
      const inFlightPlan = (db.prepare(`EXPLAIN QUERY PLAN ${statements.inFlightByKind?.source}`).all() as { detail: string }[])
        .map((row) => row.detail)
        .join('; ');
      expect(inFlightPlan).toMatch(/USING COVERING INDEX secrets_job_kind/);
    } finally {
      db.close();
      await store.close();
    }
  });
});
