/**
 * AlertDedupStore on Tablestore: one row per alert key in `alert_dedup`, claimed with conditional
 * writes (the nonce pattern): a put that the key must not exist for, else an update that only
 * passes when the recorded expiry has passed. Exactly one of racing claimants wins either way.
 */
import TableStore from 'tablestore';
import type { AlertDedupStore } from '../../ports/alert-dedup-store.js';
import type { TableStoreClientLike } from './client.js';
import { RowAccess } from './row-access.js';
import { long } from './rows.js';
import { ALERT_DEDUP_COLUMNS as D, DEFAULT_TABLE_PREFIX, tableNames } from './schema.js';

const { Condition, SingleColumnCondition, RowExistenceExpectation: Expect, ComparatorType } = TableStore;

export interface TablestoreAlertDedupStoreOptions {
  /** Created once per container and shared with the other Tablestore adapters. */
  client: TableStoreClientLike;
  /** Prepended to the table name; default "rotor_". */
  tablePrefix?: string;
}

/** Conditions on the expiry column; passIfMissing false, so a row without one never matches. */
const expiry = (comparator: number, value: number, expect: number) =>
  new Condition(expect, new SingleColumnCondition(D.expiresAt, long(value), comparator, false));

export class TablestoreAlertDedupStore implements AlertDedupStore {
  private constructor(
    private readonly rows: RowAccess,
    private readonly tableName: string,
  ) {}

  /** The table must exist already: see provision.ts. */
  static create(options: TablestoreAlertDedupStoreOptions): TablestoreAlertDedupStore {
    return new TablestoreAlertDedupStore(new RowAccess(options.client), tableNames(options.tablePrefix ?? DEFAULT_TABLE_PREFIX).alertDedup);
  }

  async claim(key: string, expiresAt: number, now: number): Promise<boolean> {
    const primaryKey = [{ [D.dedupKey]: key }];
    const columns = [{ [D.expiresAt]: long(expiresAt) }];
    const fresh = await this.rows.put({
      tableName: this.tableName,
      primaryKey,
      condition: new Condition(Expect.EXPECT_NOT_EXIST, null),
      attributeColumns: columns,
    });
    if (fresh) return true;
    return this.rows.update({
      tableName: this.tableName,
      primaryKey,
      condition: expiry(ComparatorType.LESS_EQUAL, now, Expect.EXPECT_EXIST),
      updateOfAttributeColumns: [{ PUT: columns }],
    });
  }

  async release(key: string, expiresAt: number): Promise<void> {
    // Only our own claim: one taken over since carries another expiry and stays.
    await this.rows.delete({
      tableName: this.tableName,
      primaryKey: [{ [D.dedupKey]: key }],
      condition: expiry(ComparatorType.EQUAL, expiresAt, Expect.EXPECT_EXIST),
    });
  }

  /** The client belongs to the container and outlives the store: nothing to release. */
  async close(): Promise<void> {}
}
