import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteAuditLog } from '../../shared/adapters/sqlite/audit-log.js';
import { SqliteSecretStore } from '../../shared/adapters/sqlite/secret-store.js';
import { openSqlite } from '../../shared/adapters/support/sqlite.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const newFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-nonces-'));
  dirs.push(dir);
  return join(dir, 'secrets.db');
};

const storedNonces = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT nonce FROM nonces ORDER BY nonce').pluck().all() as string[];
  } finally {
    db.close();
  }
};

const T = 1_000_000;

describe('nonce claims on the SQLite store (decided in process, written in batches)', () => {
  it('refuses a nonce again at once, before its batch is written', async () => {
    const store = SqliteSecretStore.open(newFile());
    try {
      expect(await store.claimNonce('k/n1', T + 900_000, T)).toBe(true);
      expect(await store.claimNonce('k/n1', T + 900_000, T + 5)).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('writes claims to the file within a short interval, without waiting for close', async () => {
    const file = newFile();
    const store = SqliteSecretStore.open(file);
    try {
      await store.claimNonce('k/n1', Date.now() + 900_000, Date.now());
      expect(storedNonces(file)).toEqual([]);
      await new Promise((r) => setTimeout(r, 200));
      expect(storedNonces(file)).toEqual(['k/n1']);
    } finally {
      await store.close();
    }
  });

  it('refuses, in another connection to the same file, a nonce this one has written', async () => {
    const file = newFile();
    const first = SqliteSecretStore.open(file);
    const second = SqliteSecretStore.open(file);
    try {
      expect(await first.claimNonce('k/n1', Date.now() + 900_000, Date.now())).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(await second.claimNonce('k/n1', Date.now() + 900_000, Date.now())).toBe(false);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('writes what is pending on close, so a restart inside the window still refuses a replay', async () => {
    const file = newFile();
    const store = SqliteSecretStore.open(file);
    await store.claimNonce('k/n1', T + 900_000, T);
    await store.close();
    const reopened = SqliteSecretStore.open(file);
    try {
      expect(await reopened.claimNonce('k/n1', T + 900_000, T + 60_000)).toBe(false);
      expect(await reopened.claimNonce('k/n1', T + 2_000_000, T + 900_000)).toBe(true);
    } finally {
      await reopened.close();
    }
  });
});

describe('nonce claims committed with the audit log (one connection, one transaction)', () => {
  const record = (requestId: string) => ({
    requestId,
    time: T,
    accessKeyId: 'LTAIexample',
    action: 'GetSecretValue',
    secretName: 'db',
    outcome: 'Success' as const,
    errorCode: null,
    sourceIp: '127.0.0.1',
  });

  it('journals the pending claims in the audit record batch: a store opened after a crash refuses them', async () => {
    const file = newFile();
    const db = openSqlite(file);
    const store = SqliteSecretStore.attach(db);
    const audit = SqliteAuditLog.attach(db, [store.pendingNonces]);
    try {
      expect(await store.claimNonce('k/answered', Date.now() + 900_000, Date.now())).toBe(true);
      expect(await store.claimNonce('k/expired', Date.now() - 1, Date.now() - 900_000)).toBe(true);
      await audit.append(record('r1'));
      // Before the 20 ms batch: the nonces table does not have it yet, the journal does. A store
      // opened on the file now is the one a restart after kill -9 would open.
      expect(storedNonces(file)).toEqual([]);
      const restarted = SqliteSecretStore.open(file);
      try {
        expect(await restarted.claimNonce('k/answered', Date.now() + 900_000, Date.now())).toBe(false);
        expect(await restarted.claimNonce('k/expired', Date.now() + 900_000, Date.now())).toBe(true);
      } finally {
        await restarted.close();
      }
    } finally {
      await audit.close();
      await store.close();
      db.close();
    }
  });

  it('empties the journal with the next batch, which stores the claims', async () => {
    const file = newFile();
    const db = openSqlite(file);
    const store = SqliteSecretStore.attach(db);
    const audit = SqliteAuditLog.attach(db, [store.pendingNonces]);
    try {
      await store.claimNonce('k/n1', Date.now() + 900_000, Date.now());
      await audit.append(record('r3'));
      expect(db.prepare('SELECT count(*) FROM nonce_journal').pluck().get()).toBe(1);
      await new Promise((r) => setTimeout(r, 100));
      expect(db.prepare('SELECT count(*) FROM nonce_journal').pluck().get()).toBe(0);
      expect(storedNonces(file)).toEqual(['k/n1']);
    } finally {
      await audit.close();
      await store.close();
      db.close();
    }
  });

  it('keeps the claims pending (and refused) when that transaction rolls back', async () => {
    const db = openSqlite(':memory:');
    const store = SqliteSecretStore.attach(db);
    const failing = {
      writePending: (): (() => void) => {
        throw new Error('disk full');
      },
    };
    const audit = SqliteAuditLog.attach(db, [store.pendingNonces, failing]);
    try {
      expect(await store.claimNonce('k/n', T + 900_000, T)).toBe(true);
      await expect(audit.append(record('r2'))).rejects.toThrow('disk full');
      expect(db.prepare('SELECT count(*) FROM nonce_journal').pluck().get()).toBe(0);
      expect(await store.claimNonce('k/n', T + 900_000, T + 1)).toBe(false);
    } finally {
      await store.close();
      db.close();
    }
  });
});
