import TableStore from 'tablestore';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTablestoreClient,
  type TableStoreAdminClientLike,
  type TableStoreClientLike,
  type TablestoreConnection,
} from '../../shared/adapters/tablestore/client.js';
import { TablestoreError } from '../../shared/adapters/tablestore/errors.js';
import { deleteTablestoreTables, provisionTablestore } from '../../shared/adapters/tablestore/provision.js';
import { tableNames } from '../../shared/adapters/tablestore/schema.js';
import { TablestoreSecretStore } from '../../shared/adapters/tablestore/secret-store.js';
import { tablestoreSettingsFromEnv } from '../../shared/adapters/tablestore/settings.js';
import { ConflictError } from '../../shared/domain/errors.js';
import type { SecretRecord } from '../../shared/domain/secret.js';
import type { SecretStore } from '../../shared/ports/secret-store.js';
import { FIXTURE_TIME, makeJob, makeRotatingSecret, makeSecret, makeVersion } from '../support/fixtures.js';
import { startTablestoreServer, type TablestoreTestServer } from '../support/tablestore-server/index.js';
import { secretStoreContract } from './secret-store.contract.js';

type FullClient = TableStoreClientLike & TableStoreAdminClientLike;

const T = FIXTURE_TIME;
const HOUR = 3_600_000;
/** Real service only: generous against the few milliseconds the docs give for index lag. */
const INDEX_LAG_MS = 1000;

let server: TablestoreTestServer;
let client: FullClient;
let prefixes = 0;
/** Every test gets its own tables on the shared server. */
const freshPrefix = (): string => `t${++prefixes}_`;

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

secretStoreContract('Tablestore (test server)', async () => {
  const tablePrefix = freshPrefix();
  await provisionTablestore({ client, tablePrefix });
  return {
    store: TablestoreSecretStore.create({ client, tablePrefix }),
    // A new container: a new SDK client and store over the same tables.
    reopen: async () =>
      TablestoreSecretStore.create({ client: createTablestoreClient(connectionTo(server)), tablePrefix }),
    cleanup: async () => {
      await deleteTablestoreTables({ client, tablePrefix });
    },
  };
});

/** Records what the store asks of the service: range reads with the rows they returned, and batch gets. */
const recordingClient = (inner: TableStoreClientLike) => {
  const ranges: Array<{ tableName: string; rowsReturned: number }> = [];
  const batchGets: Array<{ tableName: string; keys: number }> = [];
  const recorded: TableStoreClientLike = {
    getRow: (params) => inner.getRow(params),
    putRow: (params) => inner.putRow(params),
    updateRow: (params) => inner.updateRow(params),
    deleteRow: (params) => inner.deleteRow(params),
    batchWriteRow: (params) => inner.batchWriteRow(params),
    getRange: async (params) => {
      const result = await inner.getRange(params);
      ranges.push({ tableName: params.tableName, rowsReturned: result.rows.length });
      return result;
    },
    batchGetRow: async (params) => {
      for (const table of params.tables) batchGets.push({ tableName: table.tableName, keys: table.primaryKey.length });
      return inner.batchGetRow(params);
    },
  };
  return { client: recorded, ranges, batchGets };
};

const namesOf = (secrets: SecretRecord[]): string[] => secrets.map((s) => s.name);

describe('TablestoreSecretStore on the test server', () => {
  let tablePrefix: string;
  let store: TablestoreSecretStore;
  let tables: ReturnType<typeof tableNames>;

  beforeEach(async () => {
    tablePrefix = freshPrefix();
    tables = tableNames(tablePrefix);
    await provisionTablestore({ client, tablePrefix });
    store = TablestoreSecretStore.create({ client, tablePrefix });
  });

  afterEach(async () => {
    await deleteTablestoreTables({ client, tablePrefix });
  });

  describe('due queries', () => {
    const now = T + 10 * HOUR;

    beforeEach(async () => {
      await store.createSecret(makeRotatingSecret(now - 2 * HOUR, { name: 'due-a' }));
      await store.createSecret(makeRotatingSecret(now - 3 * HOUR, { name: 'due-b' }));
      await store.createSecret(makeRotatingSecret(now, { name: 'due-c' }));
      await store.createSecret(makeRotatingSecret(now + HOUR, { name: 'future' }));
      await store.createSecret(makeRotatingSecret(now - HOUR, { name: 'disabled', rotation: { enabled: false } }));
      await store.createSecret(makeRotatingSecret(now - HOUR, { name: 'rotating', job: makeJob() }));
      await store.createSecret(makeRotatingSecret(now - HOUR, { name: 'deleting', plannedDeleteAt: now - 1 }));
      await store.createSecret(makeSecret({ name: 'plain' }));
    });

    it('reads only due rows: one index range returning the due rows, then exactly those rows', async () => {
      const recording = recordingClient(client);
      const recorded = TablestoreSecretStore.create({ client: recording.client, tablePrefix });

      expect(namesOf(await recorded.listDueForRotation(now, 100))).toEqual(['due-b', 'due-a', 'due-c']);

      expect(recording.ranges).toEqual([{ tableName: tables.rotationDueIndex, rowsReturned: 3 }]);
      expect(recording.batchGets).toEqual([{ tableName: tables.secrets, keys: 3 }]);
    });

    it('reads only due rows for purge too', async () => {
      const recording = recordingClient(client);
      const recorded = TablestoreSecretStore.create({ client: recording.client, tablePrefix });

      expect(namesOf(await recorded.listDueForPurge(now, 100))).toEqual(['deleting']);

      expect(recording.ranges).toEqual([{ tableName: tables.purgeDueIndex, rowsReturned: 1 }]);
      expect(recording.batchGets).toEqual([{ tableName: tables.secrets, keys: 1 }]);
    });

    it('indexes only due-able rows, and stores due times as INTEGER columns', async () => {
      const indexed = server.rows(tables.rotationDueIndex).map((row) => row.primaryKey);
      expect(indexed).toEqual([
        { rotation_due: BigInt(now - 3 * HOUR), name: 'due-b' },
        { rotation_due: BigInt(now - 2 * HOUR), name: 'due-a' },
        { rotation_due: BigInt(now), name: 'due-c' },
        { rotation_due: BigInt(now + HOUR), name: 'future' },
      ]);
      expect(server.rows(tables.purgeDueIndex).map((row) => row.primaryKey)).toEqual([
        { purge_due: BigInt(now - 1), name: 'deleting' },
      ]);
    });

    it('deletes a due column when an update makes the row not due, so it leaves the index', async () => {
      const secret = (await store.getSecret('due-a')) as SecretRecord;
      await store.updateSecret({ ...secret, job: makeJob() }, secret.revision);

      const row = server.rows(tables.secrets).find((r) => r.primaryKey.name === 'due-a');
      expect(row?.attributes).not.toHaveProperty('rotation_due');
      expect(row?.attributes.revision).toBe(2n);
      expect(server.rows(tables.rotationDueIndex).map((r) => r.primaryKey.name)).not.toContain('due-a');
    });

    it('re-checks index entries against the rows, as a lagging asynchronous index can be stale', async () => {
      // The index claims "future" is due long ago: what an async index shows before it catches up.
      const stale = recordingClient(client);
      const lagging: TableStoreClientLike = {
        ...stale.client,
        getRange: async (params) => {
          const result = await stale.client.getRange(params);
          if (params.tableName !== tables.rotationDueIndex) return result;
          const staleRow = {
            primaryKey: [
              { name: 'rotation_due', value: TableStore.Long.fromNumber(now - 5 * HOUR) },
              { name: 'name', value: 'future' },
            ],
            attributes: [],
          };
          return { ...result, rows: [staleRow, ...result.rows] };
        },
      };
      const store2 = TablestoreSecretStore.create({ client: lagging, tablePrefix });

      expect(namesOf(await store2.listDueForRotation(now, 100))).toEqual(['due-b', 'due-a', 'due-c']);
    });

    it('keeps reading the index past stale entries until it has `limit` due rows', async () => {
      const recording = recordingClient(client);
      // Two index entries whose rows are no longer due (the index has not caught up yet).
      let served = false;
      const lagging: TableStoreClientLike = {
        ...recording.client,
        getRange: async (params) => {
          const result = await recording.client.getRange(params);
          if (served || params.tableName !== tables.rotationDueIndex) return result;
          served = true;
          const staleRows = ['rotating', 'disabled'].map((name) => ({
            primaryKey: [
              { name: 'rotation_due', value: TableStore.Long.fromNumber(now - 9 * HOUR) },
              { name: 'name', value: name },
            ],
            attributes: [],
          }));
          // The stale rows take the place of the first real ones in this page.
          const page = [...staleRows, ...result.rows].slice(0, params.limit);
          const next = result.rows[page.length - staleRows.length]?.primaryKey ?? result.nextStartPrimaryKey;
          return { rows: page, nextStartPrimaryKey: next ?? null };
        },
      };
      const store2 = TablestoreSecretStore.create({ client: lagging, tablePrefix });

      expect(namesOf(await store2.listDueForRotation(now, 2))).toEqual(['due-b', 'due-a']);
      expect(recording.ranges.length).toBeGreaterThan(1);
    });
  });

  describe('errors', () => {
    it('turns a condition failure on the wire into ConflictError, even at the right revision', async () => {
      const created = await store.createSecret(makeSecret({ name: 's' }));
      server.failNext('UpdateRow', { httpStatus: 403, code: 'OTSConditionCheckFail', message: 'Condition check failed.' });

      await expect(store.updateSecret({ ...created, description: 'x' }, 1)).rejects.toBeInstanceOf(ConflictError);
      expect((await store.getSecret('s'))?.revision).toBe(1);
    });

    it('never updates a row that has no revision column (the lock does not pass on a missing column)', async () => {
      await client.putRow({
        tableName: tables.secrets,
        primaryKey: [{ name: 'unversioned' }],
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
        attributeColumns: [{ record: JSON.stringify(makeSecret({ name: 'unversioned' })) }],
      });

      await expect(store.updateSecret(makeSecret({ name: 'unversioned' }), 1)).rejects.toBeInstanceOf(ConflictError);
      await expect(store.deleteSecret('unversioned', 1)).rejects.toBeInstanceOf(ConflictError);
    });

    it('surfaces a server error with its code and status, without row data or the service message', async () => {
      const secret = makeSecret({ name: 'leaky', description: 'DESCRIPTION-MARKER' });
      server.failNext('PutRow', {
        httpStatus: 500,
        code: 'OTSInternalServerError',
        message: 'Internal error near DESCRIPTION-MARKER.',
      });

      const error = await store.createSecret(secret).then(
        () => expect.unreachable('createSecret should fail'),
        (e: unknown) => e,
      );

      expect(error).toBeInstanceOf(TablestoreError);
      expect(error).not.toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ operation: 'PutRow', code: 'OTSInternalServerError', httpStatus: 500, unavailable: true });
      expect(String((error as Error).message)).not.toContain('DESCRIPTION-MARKER');
      expect(JSON.stringify(error)).not.toContain('DESCRIPTION-MARKER');
      expect(await store.getSecret('leaky')).toBeNull();
    });

    it('surfaces a failed read the same way, without the envelope it was reading', async () => {
      const version = makeVersion({ secretName: 's' });
      await store.putVersion(version);
      server.failNext('GetRange', { httpStatus: 400, code: 'OTSParameterInvalid', message: version.envelope.ciphertext });

      const listing = store.listVersions('s');
      await expect(listing).rejects.toMatchObject({ code: 'OTSParameterInvalid', httpStatus: 400 });
      await expect(listing).rejects.not.toHaveProperty('message', expect.stringContaining(version.envelope.ciphertext));
    });
  });

  describe('a deletion cut short', () => {
    const cutShortDeletion = async (name: string): Promise<void> => {
      await store.createSecret(makeSecret({ name, plannedDeleteAt: T }));
      await store.putVersion(makeVersion({ secretName: name, versionId: 'v1' }));
      await store.putVersion(makeVersion({ secretName: name, versionId: 'v2' }));
      server.failNext('BatchWriteRow', { httpStatus: 503, code: 'OTSServerUnavailable', message: 'Server is not available.' });
      await expect(store.deleteSecret(name, 1)).rejects.toMatchObject({ code: 'OTSServerUnavailable' });
    };

    it('hides the secret at once, and leaves its versions until the deletion is finished', async () => {
      await cutShortDeletion('s');

      expect(await store.getSecret('s')).toBeNull();
      expect(await store.listSecrets({ offset: 0, limit: 10, filters: [] })).toEqual({ items: [], total: 0 });
      expect(server.rows(tables.versions)).toHaveLength(2);
      await expect(store.updateSecret(makeSecret({ name: 's' }), 1)).rejects.toBeInstanceOf(ConflictError);
    });

    it('is finished by the next purge query, which does not return it', async () => {
      await cutShortDeletion('s');
      await store.createSecret(makeSecret({ name: 'due', plannedDeleteAt: T }));

      expect(namesOf(await store.listDueForPurge(T, 10))).toEqual(['due']);

      expect(server.rows(tables.versions)).toEqual([]);
      expect(server.rows(tables.secrets).map((row) => row.primaryKey.name)).toEqual(['due']);
    });

    it('is finished by creating a secret of the same name, which then has no old versions', async () => {
      await cutShortDeletion('s');

      const created = await store.createSecret(makeSecret({ name: 's', description: 'new' }));

      expect(created.revision).toBe(1);
      expect(await store.getSecret('s')).toEqual(created);
      expect(await store.listVersions('s')).toEqual([]);
    });
  });

  it('deletes versions in pages the service accepts (more than one BatchWriteRow of 200)', async () => {
    await store.createSecret(makeSecret({ name: 'many' }));
    for (let i = 0; i < 450; i++) {
      await store.putVersion(makeVersion({ secretName: 'many', versionId: `v${String(i).padStart(3, '0')}`, createdAt: T + i }));
    }
    await store.putVersion(makeVersion({ secretName: 'other', versionId: 'v1' }));

    await store.deleteSecret('many', 1);

    expect(server.rows(tables.versions).map((row) => row.primaryKey.secret_name)).toEqual(['other']);
  });

  it('fetches due rows in batches of at most 100 keys', async () => {
    for (let i = 0; i < 150; i++) {
      await store.createSecret(makeRotatingSecret(T + i, { name: `s${String(i).padStart(3, '0')}` }));
    }
    const recording = recordingClient(client);
    const recorded = TablestoreSecretStore.create({ client: recording.client, tablePrefix });

    const due = await recorded.listDueForRotation(T + 1000, 120);

    expect(due).toHaveLength(120);
    expect(due[0]?.name).toBe('s000');
    expect(due[119]?.name).toBe('s119');
    expect(recording.batchGets.map((b) => b.keys)).toEqual([100, 20]);
  });
});

describe('TablestoreSecretStore version order', () => {
  it('lists versions created in the same millisecond in the order they were written', async () => {
    let serverTime = T;
    const clocked = await startTablestoreServer({ clock: { now: () => serverTime } });
    try {
      const clockedClient = createTablestoreClient(connectionTo(clocked));
      await provisionTablestore({ client: clockedClient, tablePrefix: 'v_' });
      const store = TablestoreSecretStore.create({ client: clockedClient, tablePrefix: 'v_' });
      for (const versionId of ['zeta', 'alpha', 'mid']) {
        serverTime += 1;
        await store.putVersion(makeVersion({ secretName: 's', versionId, createdAt: T }));
      }
      await store.putVersion(makeVersion({ secretName: 's', versionId: 'older', createdAt: T - 1 }));

      expect((await store.listVersions('s')).map((v) => v.versionId)).toEqual(['older', 'zeta', 'alpha', 'mid']);
    } finally {
      await clocked.stop();
    }
  });
});

describe('Tablestore provisioning', () => {
  const prefix = 'prov_';

  afterEach(async () => {
    await deleteTablestoreTables({ client, tablePrefix: prefix });
  });

  it('creates the tables with TTL -1 and the due indexes, then leaves them be on a second run', async () => {
    const first = await provisionTablestore({ client, tablePrefix: prefix });
    expect(first).toEqual({
      created: ['prov_secrets', 'prov_versions', 'prov_nonces', 'prov_access_keys', 'prov_audit_records', 'prov_alert_dedup'],
      existing: [],
    });

    const secrets = await client.describeTable({ tableName: 'prov_secrets' });
    expect(secrets.tableOptions.timeToLive).toBe(-1);
    expect(secrets.indexMetas.map((index) => [index.name, index.primaryKey])).toEqual([
      ['prov_secrets_by_rotation_due', ['rotation_due']],
      ['prov_secrets_by_purge_due', ['purge_due']],
      ['prov_secrets_by_lease_due', ['lease_due']],
      ['prov_secrets_by_drift_due', ['drift_due']],
    ]);

    const second = await provisionTablestore({ client, tablePrefix: prefix });
    expect(second).toEqual({
      created: [],
      existing: [
        { name: 'prov_secrets', problems: [] },
        { name: 'prov_versions', problems: [] },
        { name: 'prov_nonces', problems: [] },
        { name: 'prov_access_keys', problems: [] },
        { name: 'prov_audit_records', problems: [] },
        { name: 'prov_alert_dedup', problems: [] },
      ],
    });
  });

  it('reports an existing table that lacks what the store needs, without changing it', async () => {
    await client.createTable({
      tableMeta: { tableName: 'prov_secrets', primaryKey: [{ name: 'name', type: TableStore.PrimaryKeyType.STRING }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: 86400, maxVersions: 1 },
    });

    const report = await provisionTablestore({ client, tablePrefix: prefix });

    expect(report.created).toEqual(['prov_versions', 'prov_nonces', 'prov_access_keys', 'prov_audit_records', 'prov_alert_dedup']);
    expect(report.existing).toEqual([
      {
        name: 'prov_secrets',
        problems: [
          'time to live is 86400 s, expected -1 (rows must never expire)',
          'index prov_secrets_by_rotation_due is missing',
          'index prov_secrets_by_purge_due is missing',
          'index prov_secrets_by_lease_due is missing',
          'index prov_secrets_by_drift_due is missing',
        ],
      },
    ]);
  });

  it('refuses a table prefix Tablestore would not accept', () => {
    expect(() => TablestoreSecretStore.create({ client, tablePrefix: 'bad-prefix' })).toThrow(/prefix "bad-prefix" is invalid/);
  });

  it('reads its settings from the environment and names a missing variable', () => {
    const env = {
      ROTOR_OTS_ENDPOINT: 'https://example-instance.cn-hangzhou.ots.aliyuncs.com',
      ROTOR_OTS_INSTANCE: 'example-instance',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'token',
    };
    expect(tablestoreSettingsFromEnv(env)).toEqual({
      connection: {
        endpoint: env.ROTOR_OTS_ENDPOINT,
        instanceName: 'example-instance',
        accessKeyId: 'id',
        accessKeySecret: 'secret',
        securityToken: 'token',
      },
      tablePrefix: 'rotor_',
    });
    expect(tablestoreSettingsFromEnv({ ...env, ROTOR_OTS_TABLE_PREFIX: 'prod_' }).tablePrefix).toBe('prod_');
    expect(() => tablestoreSettingsFromEnv({ ...env, ROTOR_OTS_INSTANCE: '' })).toThrow(/ROTOR_OTS_INSTANCE/);
    expect(() => tablestoreSettingsFromEnv({ ...env, ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined })).toThrow(
      /ALIBABA_CLOUD_ACCESS_KEY_SECRET/,
    );
  });
});

/*
 * The same contract against the real service, when a test instance is configured. Without those
 * variables there is nothing to connect to, so this block is skipped (the reason is its condition).
 */
const realService = (() => {
  const endpoint = process.env.ROTOR_TEST_OTS_ENDPOINT;
  const instanceName = process.env.ROTOR_TEST_OTS_INSTANCE;
  const accessKeyId = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!endpoint || !instanceName || !accessKeyId || !accessKeySecret) return null;
  const securityToken = process.env.ALIBABA_CLOUD_SECURITY_TOKEN;
  return { endpoint, instanceName, accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
})();

describe.skipIf(realService === null)(
  'against the real Tablestore service (needs ROTOR_TEST_OTS_* and credentials)',
  { timeout: 60_000 },
  () => {
    // One set of tables per run (creating tables per test would hit the service's table-operation
    // limits); rows are cleared between tests instead.
    const tablePrefix = `rotor_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}_`;
    let realClient: FullClient;

    const clearTables = async (): Promise<void> => {
      const names = tableNames(tablePrefix);
      const keyColumns: Record<string, string[]> = {
        [names.secrets]: ['name'],
        [names.versions]: ['secret_name', 'version_id'],
        [names.nonces]: ['nonce'],
      };
      for (const [tableName, columns] of Object.entries(keyColumns)) {
        for (;;) {
          const { rows } = await realClient.getRange({
            tableName,
            direction: 'FORWARD',
            inclusiveStartPrimaryKey: columns.map((c) => ({ [c]: TableStore.INF_MIN })),
            exclusiveEndPrimaryKey: columns.map((c) => ({ [c]: TableStore.INF_MAX })),
            limit: 200,
            columnsToGet: [columns[0] as string],
          });
          if (rows.length === 0) break;
          await realClient.batchWriteRow({
            tables: [
              {
                tableName,
                rows: rows.map((row) => ({
                  type: 'DELETE' as const,
                  primaryKey: (row.primaryKey ?? []).map((c) => ({ [c.name]: c.value as string })),
                  condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
                })),
              },
            ],
          });
        }
      }
    };

    /** A new table answers OTSTableNotReady for a short while after CreateTable: probe each one. */
    const waitUntilReady = async (): Promise<void> => {
      const names = tableNames(tablePrefix);
      const probes: Array<[string, TableStore.PrimaryKeyInput]> = [
        [names.secrets, [{ name: 'probe' }]],
        [names.versions, [{ secret_name: 'probe' }, { version_id: 'probe' }]],
        [names.nonces, [{ nonce: 'probe' }]],
      ];
      for (let attempt = 1; ; attempt++) {
        try {
          for (const [tableName, primaryKey] of probes) await realClient.getRow({ tableName, primaryKey });
          return;
        } catch (error) {
          if (attempt >= 30) throw error;
          await new Promise((resolve) => setTimeout(resolve, 2000));
        }
      }
    };

    /**
     * The due indexes are asynchronous: the service documents a lag of a few milliseconds before a
     * write shows in them, while the contract reads due rows right after writing them. Give the
     * index that moment before each due query; everything else goes straight to the store.
     */
    const afterIndexLag = (store: TablestoreSecretStore): SecretStore => {
      const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, INDEX_LAG_MS));
      return Object.assign(Object.create(store) as SecretStore, {
        listDueForRotation: async (now: number, limit: number) => {
          await settle();
          return store.listDueForRotation(now, limit);
        },
        listDueForPurge: async (now: number, limit: number) => {
          await settle();
          return store.listDueForPurge(now, limit);
        },
      });
    };

    beforeAll(async () => {
      realClient = createTablestoreClient(realService as TablestoreConnection);
      await provisionTablestore({ client: realClient, tablePrefix });
      await waitUntilReady();
    }, 120_000);

    afterAll(async () => {
      if (realClient) await deleteTablestoreTables({ client: realClient, tablePrefix });
    }, 60_000);

    secretStoreContract('Tablestore (real service)', async () => {
      await clearTables();
      return {
        store: afterIndexLag(TablestoreSecretStore.create({ client: realClient, tablePrefix })),
        reopen: async () =>
          afterIndexLag(
            TablestoreSecretStore.create({ client: createTablestoreClient(realService as TablestoreConnection), tablePrefix }),
          ),
        cleanup: async () => {},
      };
    });
  },
);
