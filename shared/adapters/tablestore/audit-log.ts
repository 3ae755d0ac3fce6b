/**
 * AuditLog on Tablestore: one row per API call in `audit_records`, keyed by
 * (MAX_SAFE_INTEGER - time, request id) so a forward range read returns the newest first and a
 * time window is one key range. Filters on key, secret and action run on the rows read, so a query
 * costs one read of every record in its time window: give StartTime/EndTime to keep it small.
 */
import TableStore from 'tablestore';
import type { AuditLog, AuditPage, AuditQuery, AuditRecord } from '../../ports/audit-log.js';
import type { TableStoreClientLike } from './client.js';
import { RowAccess, type RangeRead } from './row-access.js';
import { long, stringIn } from './rows.js';
import { AUDIT_COLUMNS as A, DEFAULT_TABLE_PREFIX, tableNames } from './schema.js';

const { Condition, RowExistenceExpectation: Expect, INF_MIN, INF_MAX } = TableStore;

export interface TablestoreAuditLogOptions {
  /** Created once per container and shared with the other Tablestore adapters. */
  client: TableStoreClientLike;
  /** Prepended to the table name; default "rotor_". */
  tablePrefix?: string;
}

const REVERSE_BASE = Number.MAX_SAFE_INTEGER;

/** Later times get smaller keys. */
const reverseTime = (time: number): number => REVERSE_BASE - time;

const matches = (record: AuditRecord, query: AuditQuery): boolean =>
  (query.accessKeyId === undefined || record.accessKeyId === query.accessKeyId) &&
  (query.secretName === undefined || record.secretName === query.secretName) &&
  (query.action === undefined || record.action === query.action);

export class TablestoreAuditLog implements AuditLog {
  private constructor(
    private readonly rows: RowAccess,
    private readonly tableName: string,
  ) {}

  /** The table must exist already: see provision.ts. */
  static create(options: TablestoreAuditLogOptions): TablestoreAuditLog {
    return new TablestoreAuditLog(new RowAccess(options.client), tableNames(options.tablePrefix ?? DEFAULT_TABLE_PREFIX).auditRecords);
  }

  async append(record: AuditRecord): Promise<void> {
    // The same call written twice (a retried write) lands on the same key and stays one row.
    await this.rows.put({
      tableName: this.tableName,
      primaryKey: [{ [A.reverseTime]: long(reverseTime(record.time)) }, { [A.requestId]: record.requestId }],
      condition: new Condition(Expect.IGNORE, null),
      attributeColumns: [{ [A.record]: JSON.stringify(record) }],
    });
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    const offset = Math.max(0, query.offset);
    const limit = Math.max(0, query.limit);
    const records: AuditRecord[] = [];
    let total = 0;
    if (query.from !== undefined && query.to !== undefined && query.to <= query.from) return { records, total };
    for await (const page of this.rows.rangePages(this.window(query))) {
      for (const row of page) {
        const record = JSON.parse(stringIn(row.columns, A.record)) as AuditRecord;
        if (!matches(record, query)) continue;
        if (total >= offset && records.length < limit) records.push(record);
        total++;
      }
    }
    return { records, total };
  }

  /** The client belongs to the container and outlives the log: nothing to release. */
  async close(): Promise<void> {}

  /** [from, to) in time is (reverse(to), reverse(from)] in key order. */
  private window(query: AuditQuery): RangeRead {
    const bound = (time: number | undefined, open: TableStore.RangeBound): TableStore.PrimaryKeyInput => [
      { [A.reverseTime]: time === undefined ? open : long(reverseTime(time) + 1) },
      { [A.requestId]: INF_MIN },
    ];
    return { tableName: this.tableName, start: bound(query.to, INF_MIN), end: bound(query.from, INF_MAX) };
  }
}
