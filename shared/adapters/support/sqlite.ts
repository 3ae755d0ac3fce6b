/** Opening and migrating the SQLite files behind the local adapters. */
import Database from 'better-sqlite3';
import { ensurePrivateFile } from './private-file.js';

export type SqliteDatabase = Database.Database;

export const IN_MEMORY = ':memory:';

export interface OpenSqliteOptions {
  /**
   * Hold the file for this connection alone until it closes (SQLite's exclusive locking mode):
   * no shared-memory lock calls per statement, and no other connection, in this process or
   * another, can read or write the file meanwhile.
   */
  exclusive?: boolean;
}

/**
 * Opens a database; files get WAL (readers do not block the writer, and several local
 * processes may share a file) and a busy timeout instead of failing at once on a lock.
 */
export const openSqlite = (file: string, options: OpenSqliteOptions = {}): SqliteDatabase => {
  if (file === IN_MEMORY) return new Database(IN_MEMORY);
  ensurePrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only a power loss may drop the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  if (options.exclusive) holdExclusively(db);
  return db;
};

/** Opens `file` for `build`, which then owns the connection; it is closed again if `build` throws. */
export const openSqliteFor = <T>(file: string, build: (db: SqliteDatabase) => T): T => {
  const db = openSqlite(file);
  try {
    return build(db);
  } catch (error) {
    db.close();
    throw error;
  }
};

/**
 * In WAL mode the exclusive lock is taken by the first read and kept: taken here, so a file some
 * other connection holds is refused now, with the open, rather than at some later statement.
 */
const holdExclusively = (db: SqliteDatabase): void => {
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (error) {
    db.close();
    throw error;
  }
};

/** Where a schema keeps its version number. */
export interface SchemaVersionSlot {
  read(db: SqliteDatabase): number;
  write(db: SqliteDatabase, version: number): void;
}

export const userVersionSlot: SchemaVersionSlot = {
  read: (db) => db.pragma('user_version', { simple: true }) as number,
  write: (db, version) => {
    db.pragma(`user_version = ${Math.trunc(version)}`);
  },
};

/**
 * A version kept per component in a table, so several components can share one database file
 * (user_version holds a single number per file).
 */
export const componentVersionSlot = (component: string): SchemaVersionSlot => ({
  read: (db) => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
    const row = db.prepare('SELECT version FROM schema_versions WHERE component = ?').get(component) as
      | { version: number }
      | undefined;
    return row?.version ?? 0;
  },
  write: (db, version) => {
    db.prepare(
      `INSERT INTO schema_versions (component, version) VALUES (?, ?)
       ON CONFLICT (component) DO UPDATE SET version = excluded.version`,
    ).run(component, version);
  },
});

/**
 * Runs migrations[i] to bring the schema from version i to i + 1, each in its own transaction.
 * Append new migrations; never edit one that has shipped.
 */
export const migrate = (db: SqliteDatabase, migrations: readonly string[], slot: SchemaVersionSlot): void => {
  const current = slot.read(db);
  if (current > migrations.length) {
    throw new Error(
      `The database schema is at version ${current}, newer than this program knows (${migrations.length}).`,
    );
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      // Another process may have migrated while we waited for the write lock.
      if (slot.read(db) !== version) return;
      db.exec(migrations[version] as string);
      slot.write(db, version + 1);
    }).immediate();
  }
};
