/**
 * AccessKeyStore on SQLite, in the same file as the secret store (its own tables, its own schema
 * version in schema_versions). A key is one row: the record as JSON (the secret inside it is the
 * sealed envelope, never plaintext) and the revision its conditional writes compare.
 */
import type { Statement } from 'better-sqlite3';
import type { AccessKeyRecord } from '../../domain/access-key.js';
import { ConflictError } from '../../domain/errors.js';
import type { AccessKeyStore } from '../../ports/access-key-store.js';
import { componentVersionSlot, migrate, openSqliteFor, type SqliteDatabase } from '../support/sqlite.js';

/** migrations[i] moves the schema from version i to i + 1. Append only. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE access_keys (
     access_key_id TEXT PRIMARY KEY,
     revision INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     record TEXT NOT NULL
   );`,
];

export const ACCESS_KEYS_COMPONENT = 'access-keys';

interface KeyRow {
  record: string;
  revision: number;
}

const toKey = (row: KeyRow): AccessKeyRecord => ({ ...(JSON.parse(row.record) as AccessKeyRecord), revision: row.revision });

const keyRow = (key: AccessKeyRecord, revision: number) => ({
  accessKeyId: key.accessKeyId,
  revision,
  createdAt: key.createdAt,
  record: JSON.stringify({ ...key, revision }),
});

const conflictOn = (accessKeyId: string): ConflictError => new ConflictError(`AccessKey "${accessKeyId}"`);

const prepareStatements = (db: SqliteDatabase) => {
  const prepare = (sql: string): Statement => db.prepare(sql);
  return {
    get: prepare('SELECT record, revision FROM access_keys WHERE access_key_id = ?'),
    list: prepare('SELECT record, revision FROM access_keys ORDER BY created_at, access_key_id'),
    insert: prepare(
      `INSERT INTO access_keys (access_key_id, revision, created_at, record)
       VALUES (@accessKeyId, @revision, @createdAt, @record)
       ON CONFLICT (access_key_id) DO NOTHING`,
    ),
    update: prepare(
      `UPDATE access_keys SET revision = @revision, record = @record
       WHERE access_key_id = @accessKeyId AND revision = @expectedRevision`,
    ),
    delete: prepare('DELETE FROM access_keys WHERE access_key_id = ?'),
  };
};

export class SqliteAccessKeyStore implements AccessKeyStore {
  private readonly statements: ReturnType<typeof prepareStatements>;

  private constructor(
    private readonly db: SqliteDatabase,
    /** False when the connection is shared with other adapters: its opener closes it. */
    private readonly ownsConnection: boolean,
  ) {
    this.statements = prepareStatements(db);
  }

  /** Opens (creating if needed) the tables in `file`, or an in-memory store for ':memory:'. */
  static open(file: string): SqliteAccessKeyStore {
    return openSqliteFor(file, (db) => SqliteAccessKeyStore.on(db, true));
  }

  /** The store on a connection the caller shares with other adapters, and closes itself: close() leaves it open. */
  static attach(db: SqliteDatabase): SqliteAccessKeyStore {
    return SqliteAccessKeyStore.on(db, false);
  }

  private static on(db: SqliteDatabase, ownsConnection: boolean): SqliteAccessKeyStore {
    migrate(db, MIGRATIONS, componentVersionSlot(ACCESS_KEYS_COMPONENT));
    return new SqliteAccessKeyStore(db, ownsConnection);
  }

  async createAccessKey(key: AccessKeyRecord): Promise<AccessKeyRecord> {
    const row = keyRow(key, 1);
    if (this.statements.insert.run(row).changes === 0) throw conflictOn(key.accessKeyId);
    return toKey(row);
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | null> {
    const row = this.statements.get.get(accessKeyId) as KeyRow | undefined;
    return row ? toKey(row) : null;
  }

  async listAccessKeys(): Promise<AccessKeyRecord[]> {
    return (this.statements.list.all() as KeyRow[]).map(toKey);
  }

  async updateAccessKey(key: AccessKeyRecord, expectedRevision: number): Promise<AccessKeyRecord> {
    const row = keyRow(key, expectedRevision + 1);
    if (this.statements.update.run({ ...row, expectedRevision }).changes === 0) throw conflictOn(key.accessKeyId);
    return toKey(row);
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    return this.statements.delete.run(accessKeyId).changes === 1;
  }

  async close(): Promise<void> {
    if (this.ownsConnection && this.db.open) this.db.close();
  }
}
