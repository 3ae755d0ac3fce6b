/**
 * AuditLog on SQLite, beside the secret store in the same file. One row per API call; the query
 * filters run in SQL on indexed columns, newest first.
 */
import type { Statement } from 'better-sqlite3';
import type { AuditLog, AuditPage, AuditQuery, AuditRecord } from '../../ports/audit-log.js';
import type { PendingWrites } from '../support/commit-alongside.js';
import { GroupCommit } from '../support/group-commit.js';
import { componentVersionSlot, migrate, openSqliteFor, type SqliteDatabase } from '../support/sqlite.js';

/** migrations[i] moves the schema from version i to i + 1. Append only. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE audit_records (
     request_id TEXT PRIMARY KEY,
     time INTEGER NOT NULL,
     access_key_id TEXT NOT NULL,
     action TEXT NOT NULL,
     secret_name TEXT,
     outcome TEXT NOT NULL,
     error_code TEXT,
     source_ip TEXT NOT NULL
   );
   CREATE INDEX audit_by_time ON audit_records (time);
   CREATE INDEX audit_by_key ON audit_records (access_key_id, time);
   CREATE INDEX audit_by_secret ON audit_records (secret_name, time);`,
  // Unique on (time, request_id) instead of request_id alone: request ids are random, so an index
  // led by them took each insert to a random page of a tree that only grows, about half the cost
  // of a read's audit record. Led by time, inserts land at the end. The same record appended twice
  // (same id, same time) is still kept once; rowids, and with them the order of a millisecond's
  // records, are carried over.
  `CREATE TABLE audit_records_by_time (
     request_id TEXT NOT NULL,
     time INTEGER NOT NULL,
     access_key_id TEXT NOT NULL,
     action TEXT NOT NULL,
     secret_name TEXT,
     outcome TEXT NOT NULL,
     error_code TEXT,
     source_ip TEXT NOT NULL,
     UNIQUE (time, request_id)
   );
   INSERT INTO audit_records_by_time (rowid, request_id, time, access_key_id, action, secret_name, outcome, error_code, source_ip)
     SELECT rowid, request_id, time, access_key_id, action, secret_name, outcome, error_code, source_ip FROM audit_records;
   DROP TABLE audit_records;
   ALTER TABLE audit_records_by_time RENAME TO audit_records;
   CREATE INDEX audit_by_time ON audit_records (time);
   CREATE INDEX audit_by_key ON audit_records (access_key_id, time);
   CREATE INDEX audit_by_secret ON audit_records (secret_name, time);`,
];

export const AUDIT_LOG_COMPONENT = 'audit-log';

interface AuditRow {
  request_id: string;
  time: number;
  access_key_id: string;
  action: string;
  secret_name: string | null;
  outcome: string;
  error_code: string | null;
  source_ip: string;
}

const toRecord = (row: AuditRow): AuditRecord => ({
  requestId: row.request_id,
  time: row.time,
  accessKeyId: row.access_key_id,
  action: row.action,
  secretName: row.secret_name,
  outcome: row.outcome === 'Success' ? 'Success' : 'Failure',
  errorCode: row.error_code,
  sourceIp: row.source_ip,
});

/** The WHERE clause and its named parameters for a query's filters. */
const whereOf = (query: AuditQuery): { sql: string; params: Record<string, string | number> } => {
  const terms: string[] = [];
  const params: Record<string, string | number> = {};
  const add = (sql: string, name: string, value: string | number | undefined) => {
    if (value === undefined) return;
    terms.push(sql);
    params[name] = value;
  };
  add('access_key_id = @accessKeyId', 'accessKeyId', query.accessKeyId);
  add('secret_name = @secretName', 'secretName', query.secretName);
  add('action = @action', 'action', query.action);
  add('time >= @from', 'from', query.from);
  add('time < @to', 'to', query.to);
  return { sql: terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '', params };
};

export class SqliteAuditLog implements AuditLog {
  private readonly insert;
  /** One prepared statement per filter combination (at most 2^5 of each kind). */
  private readonly prepared = new Map<string, Statement>();

  private constructor(
    private readonly db: SqliteDatabase,
    /** False when the connection is shared with other adapters: its opener closes it. */
    private readonly ownsConnection: boolean,
    /** Other adapters' pending rows on this connection, committed with each batch of records. */
    alongside: readonly PendingWrites[] = [],
  ) {
    this.insert = db.prepare(
      `INSERT INTO audit_records (request_id, time, access_key_id, action, secret_name, outcome, error_code, source_ip)
       VALUES (@requestId, @time, @accessKeyId, @action, @secretName, @outcome, @errorCode, @sourceIp)
       ON CONFLICT (time, request_id) DO NOTHING`,
    );
    const insertAll = db.transaction((records: readonly AuditRecord[]) => {
      for (const r of records) this.insert.run(r);
      return alongside.map((other) => other.writePending());
    });
    this.batch = new GroupCommit<AuditRecord, void>((records: readonly AuditRecord[]) => {
      for (const committed of insertAll(records)) committed();
      return records.map(() => undefined);
    });
  }

  private readonly batch: GroupCommit<AuditRecord, void>;

  /** Opens (creating if needed) the table in `file`, or an in-memory log for ':memory:'. */
  static open(file: string): SqliteAuditLog {
    return openSqliteFor(file, (db) => SqliteAuditLog.on(db, true));
  }

  /**
   * The log on a connection the caller shares with other adapters, and closes itself: close() leaves
   * it open. `alongside`: those adapters' pending rows, committed in every batch of records.
   */
  static attach(db: SqliteDatabase, alongside: readonly PendingWrites[] = []): SqliteAuditLog {
    return SqliteAuditLog.on(db, false, alongside);
  }

  private static on(db: SqliteDatabase, ownsConnection: boolean, alongside: readonly PendingWrites[] = []): SqliteAuditLog {
    migrate(db, MIGRATIONS, componentVersionSlot(AUDIT_LOG_COMPONENT));
    return new SqliteAuditLog(db, ownsConnection, alongside);
  }

  /**
   * Group-committed: records of concurrent calls share one transaction (see GroupCommit), and
   * each append resolves only once its own row is committed.
   */
  append(record: AuditRecord): Promise<void> {
    return this.batch.add(record);
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    // Appends made before this query are in its answer, even those whose batch has not had its turn.
    this.batch.flush();
    const { sql, params } = whereOf(query);
    const { total } = this.statement(`SELECT count(*) AS total FROM audit_records ${sql}`).get(params) as { total: number };
    const rows = this.statement(`SELECT * FROM audit_records ${sql} ORDER BY time DESC, rowid DESC LIMIT @limit OFFSET @offset`).all({
      ...params,
      limit: Math.max(0, query.limit),
      offset: Math.max(0, query.offset),
    }) as AuditRow[];
    return { records: rows.map(toRecord), total };
  }

  private statement(sql: string): Statement {
    let statement = this.prepared.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.prepared.set(sql, statement);
    }
    return statement;
  }

  async close(): Promise<void> {
    if (this.db.open) {
      this.batch.flush();
      if (this.ownsConnection) this.db.close();
    }
  }
}
