/**
 * AccessKeyStore on Tablestore: one row per key in `access_keys`, the record as JSON (its secret is
 * the sealed envelope) and an INTEGER revision that every change is conditional on. Provision the
 * table with provision.ts.
 */
import TableStore from 'tablestore';
import type { AccessKeyRecord } from '../../domain/access-key.js';
import { ConflictError } from '../../domain/errors.js';
import type { AccessKeyStore } from '../../ports/access-key-store.js';
import type { TableStoreClientLike } from './client.js';
import { RowAccess } from './row-access.js';
import { integerIn, long, stringIn, type RowView } from './rows.js';
import { ACCESS_KEY_COLUMNS as K, DEFAULT_TABLE_PREFIX, tableNames } from './schema.js';

const { Condition, SingleColumnCondition, RowExistenceExpectation: Expect, ComparatorType, INF_MIN, INF_MAX } = TableStore;

export interface TablestoreAccessKeyStoreOptions {
  /** Created once per container and shared with the other Tablestore adapters. */
  client: TableStoreClientLike;
  /** Prepended to the table name; default "rotor_". */
  tablePrefix?: string;
}

const keyOf = (accessKeyId: string | TableStore.RangeBound): TableStore.PrimaryKeyInput => [{ [K.accessKeyId]: accessKeyId }];

/** The revision lives in its own column (conditions compare it); the JSON holds everything else. */
const recordText = (key: AccessKeyRecord): string => {
  const { revision: _revision, ...rest } = key;
  return JSON.stringify(rest);
};

const parseRecord = (text: string, revision: number): AccessKeyRecord => ({
  ...(JSON.parse(text) as Omit<AccessKeyRecord, 'revision'>),
  revision,
});

const keyFrom = (row: RowView): AccessKeyRecord => parseRecord(stringIn(row.columns, K.record), integerIn(row.columns, K.revision));

const atRevision = (revision: number): TableStore.Condition =>
  new Condition(Expect.EXPECT_EXIST, new SingleColumnCondition(K.revision, long(revision), ComparatorType.EQUAL, false));

const conflictOn = (accessKeyId: string): ConflictError => new ConflictError(`AccessKey "${accessKeyId}"`);

export class TablestoreAccessKeyStore implements AccessKeyStore {
  private constructor(
    private readonly rows: RowAccess,
    private readonly tableName: string,
  ) {}

  /** The table must exist already: see provision.ts. */
  static create(options: TablestoreAccessKeyStoreOptions): TablestoreAccessKeyStore {
    return new TablestoreAccessKeyStore(new RowAccess(options.client), tableNames(options.tablePrefix ?? DEFAULT_TABLE_PREFIX).accessKeys);
  }

  async createAccessKey(key: AccessKeyRecord): Promise<AccessKeyRecord> {
    const text = recordText(key);
    const created = await this.rows.put({
      tableName: this.tableName,
      primaryKey: keyOf(key.accessKeyId),
      condition: new Condition(Expect.EXPECT_NOT_EXIST, null),
      attributeColumns: [{ [K.record]: text }, { [K.revision]: long(1) }],
    });
    if (!created) throw conflictOn(key.accessKeyId);
    return parseRecord(text, 1);
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | null> {
    const row = await this.rows.get(this.tableName, keyOf(accessKeyId));
    return row ? keyFrom(row) : null;
  }

  /** Reads the whole table: keys are few (one per application or person). */
  async listAccessKeys(): Promise<AccessKeyRecord[]> {
    const keys: AccessKeyRecord[] = [];
    const everyKey = { tableName: this.tableName, start: keyOf(INF_MIN), end: keyOf(INF_MAX) };
    for await (const page of this.rows.rangePages(everyKey)) keys.push(...page.map(keyFrom));
    return keys.sort((a, b) => a.createdAt - b.createdAt || (a.accessKeyId < b.accessKeyId ? -1 : a.accessKeyId > b.accessKeyId ? 1 : 0));
  }

  async updateAccessKey(key: AccessKeyRecord, expectedRevision: number): Promise<AccessKeyRecord> {
    const revision = expectedRevision + 1;
    const text = recordText(key);
    const updated = await this.rows.update({
      tableName: this.tableName,
      primaryKey: keyOf(key.accessKeyId),
      condition: atRevision(expectedRevision),
      updateOfAttributeColumns: [{ PUT: [{ [K.record]: text }, { [K.revision]: long(revision) }] }],
    });
    if (!updated) throw conflictOn(key.accessKeyId);
    return parseRecord(text, revision);
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    return this.rows.delete({
      tableName: this.tableName,
      primaryKey: keyOf(accessKeyId),
      condition: new Condition(Expect.EXPECT_EXIST, null),
    });
  }

  /** The client belongs to the container and outlives the store: nothing to release. */
  async close(): Promise<void> {}
}
