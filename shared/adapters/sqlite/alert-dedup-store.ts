/**
 * AlertDedupStore on SQLite, beside the secret store in the same file (its own table and schema
 * version). One row per alert key; an expired row is taken over by the next claim.
 */
import type { AlertDedupStore } from '../../ports/alert-dedup-store.js';
import { componentVersionSlot, migrate, openSqliteFor, type SqliteDatabase } from '../support/sqlite.js';

/** migrations[i] moves the schema from version i to i + 1. Append only. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE alert_dedup (
     dedup_key TEXT PRIMARY KEY,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX alert_dedup_by_expiry ON alert_dedup (expires_at);`,
];

export const ALERT_DEDUP_COMPONENT = 'alert-dedup';

export class SqliteAlertDedupStore implements AlertDedupStore {
  private readonly claimStatement;
  private readonly releaseStatement;
  private readonly pruneStatement;

  private constructor(
    private readonly db: SqliteDatabase,
    /** False when the connection is shared with other adapters: its opener closes it. */
    private readonly ownsConnection: boolean,
  ) {
    // One statement, so the check and the write cannot be split by another connection's claim.
    this.claimStatement = db.prepare(
      `INSERT INTO alert_dedup (dedup_key, expires_at) VALUES (@key, @expiresAt)
       ON CONFLICT (dedup_key) DO UPDATE SET expires_at = excluded.expires_at WHERE alert_dedup.expires_at <= @now`,
    );
    this.releaseStatement = db.prepare('DELETE FROM alert_dedup WHERE dedup_key = ? AND expires_at = ?');
    this.pruneStatement = db.prepare('DELETE FROM alert_dedup WHERE expires_at <= ?');
  }

  static open(file: string): SqliteAlertDedupStore {
    return openSqliteFor(file, (db) => SqliteAlertDedupStore.on(db, true));
  }

  /** The store on a connection the caller shares with other adapters, and closes itself: close() leaves it open. */
  static attach(db: SqliteDatabase): SqliteAlertDedupStore {
    return SqliteAlertDedupStore.on(db, false);
  }

  private static on(db: SqliteDatabase, ownsConnection: boolean): SqliteAlertDedupStore {
    migrate(db, MIGRATIONS, componentVersionSlot(ALERT_DEDUP_COMPONENT));
    return new SqliteAlertDedupStore(db, ownsConnection);
  }

  async claim(key: string, expiresAt: number, now: number): Promise<boolean> {
    const claimed = this.claimStatement.run({ key, expiresAt, now }).changes === 1;
    // Expired rows are dropped as we go, so the table stays the size of one window.
    if (claimed) this.pruneStatement.run(now);
    return claimed;
  }

  async release(key: string, expiresAt: number): Promise<void> {
    this.releaseStatement.run(key, expiresAt);
  }

  async close(): Promise<void> {
    if (this.ownsConnection && this.db.open) this.db.close();
  }
}
