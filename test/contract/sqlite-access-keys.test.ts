import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteAccessKeyStore } from '../../shared/adapters/sqlite/access-key-store.js';
import { SqliteAuditLog } from '../../shared/adapters/sqlite/audit-log.js';
import { SqliteSecretStore } from '../../shared/adapters/sqlite/secret-store.js';
import { makeSecret } from '../support/fixtures.js';
import { accessKeyStoreContract } from './access-key-store.contract.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'rotor-sqlite-access-keys-'));

accessKeyStoreContract('SQLite file', async () => {
  const dir = tempDir();
  const file = join(dir, 'state', 'secrets.db');
  let keys = SqliteAccessKeyStore.open(file);
  let audit = SqliteAuditLog.open(file);
  const closeAll = async () => {
    await keys.close();
    await audit.close();
  };
  return {
    keys,
    audit,
    reopen: async () => {
      await closeAll();
      keys = SqliteAccessKeyStore.open(file);
      audit = SqliteAuditLog.open(file);
      return { keys, audit };
    },
    cleanup: async () => {
      await closeAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

accessKeyStoreContract('SQLite :memory:', async () => {
  const keys = SqliteAccessKeyStore.open(':memory:');
  const audit = SqliteAuditLog.open(':memory:');
  return {
    keys,
    audit,
    cleanup: async () => {
      await keys.close();
      await audit.close();
    },
  };
});

describe('SQLite access keys and audit log beside the secret store', () => {
  it('share the secret store file, each with its own schema version, without disturbing it', async () => {
    const dir = tempDir();
    const file = join(dir, 'secrets.db');
    try {
      const secrets = SqliteSecretStore.open(file);
      const keys = SqliteAccessKeyStore.open(file);
      const audit = SqliteAuditLog.open(file);
      await secrets.createSecret(makeSecret({ name: 'still-here' }));
      await Promise.all([secrets.close(), keys.close(), audit.close()]);

      const reopened = SqliteSecretStore.open(file);
      expect((await reopened.getSecret('still-here'))?.name).toBe('still-here');
      await reopened.close();
      const db = new Database(file, { readonly: true });
      try {
        // The secret store's own schema version (2 since leases and drift checks, 3 since the nonce journal).
        expect(db.pragma('user_version', { simple: true })).toBe(3);
        expect(db.prepare('SELECT component, version FROM schema_versions ORDER BY component').all()).toEqual([
          { component: 'access-keys', version: 1 },
          // 2 since its unique key leads with the time.
          { component: 'audit-log', version: 2 },
        ]);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
