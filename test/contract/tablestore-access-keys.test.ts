import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TablestoreAccessKeyStore } from '../../shared/adapters/tablestore/access-key-store.js';
import { TablestoreAuditLog } from '../../shared/adapters/tablestore/audit-log.js';
import {
  createTablestoreClient,
  type TableStoreAdminClientLike,
  type TableStoreClientLike,
  type TablestoreConnection,
} from '../../shared/adapters/tablestore/client.js';
import { deleteTablestoreTables, provisionTablestore } from '../../shared/adapters/tablestore/provision.js';
import { tableNames } from '../../shared/adapters/tablestore/schema.js';
import { startTablestoreServer, type TablestoreTestServer } from '../support/tablestore-server/index.js';
import { accessKeyStoreContract } from './access-key-store.contract.js';

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

accessKeyStoreContract('Tablestore (test server)', async () => {
  const tablePrefix = `ak${++prefixes}_`;
  await provisionTablestore({ client, tablePrefix });
  const open = (c: TableStoreClientLike) => ({
    keys: TablestoreAccessKeyStore.create({ client: c, tablePrefix }),
    audit: TablestoreAuditLog.create({ client: c, tablePrefix }),
  });
  return {
    ...open(client),
    // A new container: a new SDK client over the same tables.
    reopen: async () => open(createTablestoreClient(connectionTo(server))),
    cleanup: async () => {
      await deleteTablestoreTables({ client, tablePrefix });
    },
  };
});

describe('Tablestore access keys and audit rows', () => {
  it('stores audit rows newest first by key, and a key revision as an INTEGER column', async () => {
    const tablePrefix = 'rows_';
    await provisionTablestore({ client, tablePrefix });
    try {
      const tables = tableNames(tablePrefix);
      const audit = TablestoreAuditLog.create({ client, tablePrefix });
      const record = { accessKeyId: 'K', action: 'ListSecrets', secretName: null, outcome: 'Success' as const, errorCode: null, sourceIp: '' };
      await audit.append({ ...record, requestId: 'old', time: 1_000 });
      await audit.append({ ...record, requestId: 'new', time: 2_000 });
      expect(server.rows(tables.auditRecords).map((r) => r.primaryKey)).toEqual([
        { reverse_time: BigInt(Number.MAX_SAFE_INTEGER - 2_000), request_id: 'new' },
        { reverse_time: BigInt(Number.MAX_SAFE_INTEGER - 1_000), request_id: 'old' },
      ]);

      const keys = TablestoreAccessKeyStore.create({ client, tablePrefix });
      const created = await keys.createAccessKey({
        accessKeyId: 'LTAIrow',
        sealedSecret: { alg: 'AES-256-GCM', keyId: 'k', wrappedKey: 'w', iv: 'i', tag: 't', ciphertext: 'c' },
        status: 'Active',
        description: '',
        createdAt: 1,
        updatedAt: 1,
        policies: [],
        revision: 1,
      });
      await keys.updateAccessKey({ ...created, status: 'Inactive' }, 1);
      expect(server.rows(tables.accessKeys)[0]?.attributes.revision).toBe(2n);
    } finally {
      await deleteTablestoreTables({ client, tablePrefix });
    }
  });
});
