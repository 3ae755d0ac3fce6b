import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteAlertDedupStore } from '../../shared/adapters/sqlite/alert-dedup-store.js';
import { SqliteSecretStore } from '../../shared/adapters/sqlite/secret-store.js';
import { TablestoreAlertDedupStore } from '../../shared/adapters/tablestore/alert-dedup-store.js';
import {
  createTablestoreClient,
  type TableStoreAdminClientLike,
  type TableStoreClientLike,
  type TablestoreConnection,
} from '../../shared/adapters/tablestore/client.js';
import { deleteTablestoreTables, provisionTablestore } from '../../shared/adapters/tablestore/provision.js';
import { tableNames } from '../../shared/adapters/tablestore/schema.js';
import { makeSecret } from '../support/fixtures.js';
import { startTablestoreServer, type TablestoreTestServer } from '../support/tablestore-server/index.js';
import { alertDedupStoreContract } from './alert-dedup-store.contract.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'rotor-alert-dedup-'));

alertDedupStoreContract('SQLite file', async () => {
  const dir = tempDir();
  const file = join(dir, 'secrets.db');
  let store = SqliteAlertDedupStore.open(file);
  const opened: SqliteAlertDedupStore[] = [store];
  return {
    store,
    reopen: async () => {
      await store.close();
      store = SqliteAlertDedupStore.open(file);
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

alertDedupStoreContract('SQLite :memory:', async () => {
  const store = SqliteAlertDedupStore.open(':memory:');
  return { store, cleanup: () => store.close() };
});

let server: TablestoreTestServer;
let client: TableStoreClientLike & TableStoreAdminClientLike;
let prefixes = 0;

const connectionTo = (s: TablestoreTestServer): TablestoreConnection => ({
  endpoint: s.endpoint,
  instanceName: s.instanceName,
  accessKeyId: s.accessKeyId,
  accessKeySecret: s.accessKeySecret,
});

beforeAll(async () => {
  server = await startTablestoreServer();
  client = createTablestoreClient(connectionTo(server));
});

afterAll(async () => {
  await server.stop();
});

alertDedupStoreContract('Tablestore (test server)', async () => {
  const tablePrefix = `ad${++prefixes}_`;
  await provisionTablestore({ client, tablePrefix });
  return {
    store: TablestoreAlertDedupStore.create({ client, tablePrefix }),
    // A new container: a new SDK client over the same table.
    reopen: async () => TablestoreAlertDedupStore.create({ client: createTablestoreClient(connectionTo(server)), tablePrefix }),
    cleanup: async () => {
      await deleteTablestoreTables({ client, tablePrefix });
    },
  };
});

describe('alert dedup rows', () => {
  it('Tablestore keeps one row per key with its expiry as an INTEGER', async () => {
    const tablePrefix = 'adrows_';
    await provisionTablestore({ client, tablePrefix });
    try {
      const store = TablestoreAlertDedupStore.create({ client, tablePrefix });
      await store.claim('k1', 2_000, 1_000);
      await store.claim('k1', 3_000, 1_500);
      expect(server.rows(tableNames(tablePrefix).alertDedup)).toMatchObject([{ primaryKey: { dedup_key: 'k1' }, attributes: { expires_at: 2_000n } }]);
    } finally {
      await deleteTablestoreTables({ client, tablePrefix });
    }
  });

  it('SQLite shares the secret store file without disturbing it, and drops expired rows as it goes', async () => {
    const dir = tempDir();
    const file = join(dir, 'secrets.db');
    try {
      const secrets = SqliteSecretStore.open(file);
      const dedup = SqliteAlertDedupStore.open(file);
      await secrets.createSecret(makeSecret({ name: 'still-here' }));
      await dedup.claim('old', 2_000, 1_000);
      await dedup.claim('new', 10_000, 5_000);
      expect((await secrets.getSecret('still-here'))?.name).toBe('still-here');
      await dedup.close();
      await secrets.close();
      const Database = (await import('better-sqlite3')).default;
      const db = new Database(file, { readonly: true });
      try {
        expect(db.prepare('SELECT dedup_key FROM alert_dedup ORDER BY dedup_key').all()).toEqual([{ dedup_key: 'new' }]);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
