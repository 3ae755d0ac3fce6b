/**
 * SecretStore on an embedded SQLite file: the local runtime's state. better-sqlite3 is
 * synchronous, so every method finishes its statement before it yields; conditional writes on
 * `revision` still matter because several local processes may share one file.
 */
import type { Statement } from 'better-sqlite3';
import { ConflictError } from '../../domain/errors.js';
import { assertValidFilters, matchesFilters } from '../../domain/list-filter.js';
import { driftDueAt } from '../../domain/drift.js';
import { leaseDueAt, purgeDueAt, rotationDueAt, type SecretRecord, type VersionRecord } from '../../domain/secret.js';
import type { ListSecretsPage, ListSecretsQuery, SecretStore } from '../../ports/secret-store.js';
import { NonceWindow } from './nonce-window.js';
import type { PendingWrites } from '../support/commit-alongside.js';
import { migrate, openSqliteFor, userVersionSlot, type SqliteDatabase } from '../support/sqlite.js';

/** migrations[i] moves the schema from user_version i to i + 1. Append only. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE secrets (
     name TEXT PRIMARY KEY,
     revision INTEGER NOT NULL,
     record TEXT NOT NULL,
     rotation_due_at INTEGER,
     purge_due_at INTEGER
   );
   CREATE INDEX secrets_rotation_due ON secrets (rotation_due_at, name) WHERE rotation_due_at IS NOT NULL;
   CREATE INDEX secrets_purge_due ON secrets (purge_due_at, name) WHERE purge_due_at IS NOT NULL;
   CREATE TABLE versions (
     secret_name TEXT NOT NULL,
     version_id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     envelope TEXT NOT NULL,
     PRIMARY KEY (secret_name, version_id)
   );
   CREATE INDEX versions_by_age ON versions (secret_name, created_at);
   CREATE TABLE nonces (
     nonce TEXT PRIMARY KEY,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX nonces_by_expiry ON nonces (expires_at);`,
  // Rotation leases (the reconciler's index), drift checks, and the driver kind of a job in flight.
  // Jobs stored before leases existed count as expired at their step's start, as leaseDueAt says.
  `ALTER TABLE secrets ADD COLUMN lease_due_at INTEGER;
   ALTER TABLE secrets ADD COLUMN drift_due_at INTEGER;
   ALTER TABLE secrets ADD COLUMN job_kind TEXT;
   UPDATE secrets
   SET lease_due_at = json_extract(record, '$.job.stepStartedAt'),
       job_kind = coalesce(json_extract(record, '$.job.targetKind'), '')
   WHERE json_extract(record, '$.job') IS NOT NULL;
   CREATE INDEX secrets_lease_due ON secrets (lease_due_at, name) WHERE lease_due_at IS NOT NULL;
   CREATE INDEX secrets_drift_due ON secrets (drift_due_at, name) WHERE drift_due_at IS NOT NULL;
   CREATE INDEX secrets_job_kind ON secrets (job_kind) WHERE job_kind IS NOT NULL;`,
  // Nonce claims not yet in the nonces table, appended in the audit log's commits (see NonceWindow):
  // in rowid order, so an append lands at the end of the table rather than on a random page.
  `CREATE TABLE nonce_journal (
     seq INTEGER PRIMARY KEY,
     nonce TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );`,
];

interface SecretRow {
  record: string;
  revision: number;
}

interface VersionRow {
  secret_name: string;
  version_id: string;
  created_at: number;
  envelope: string;
}

const SECRET_COLUMNS = 'record, revision';

const toSecret = (row: SecretRow): SecretRecord => ({
  ...(JSON.parse(row.record) as SecretRecord),
  revision: row.revision,
});

const toVersion = (row: VersionRow): VersionRecord => ({
  secretName: row.secret_name,
  versionId: row.version_id,
  createdAt: row.created_at,
  envelope: JSON.parse(row.envelope) as VersionRecord['envelope'],
});

/** The row image of a secret at a given revision, with the scheduler's index columns. */
const secretRow = (secret: SecretRecord, revision: number) => ({
  name: secret.name,
  revision,
  record: JSON.stringify({ ...secret, revision }),
  rotationDueAt: rotationDueAt(secret),
  purgeDueAt: purgeDueAt(secret),
  leaseDueAt: leaseDueAt(secret),
  driftDueAt: driftDueAt(secret),
  jobKind: secret.job ? (secret.job.targetKind ?? '') : null,
});

const conflictOn = (name: string): ConflictError => new ConflictError(`secret "${name}"`);

const prepareStatements = (db: SqliteDatabase) => {
  const prepare = (sql: string): Statement => db.prepare(sql);
  return {
    getSecret: prepare(`SELECT ${SECRET_COLUMNS} FROM secrets WHERE name = ?`),
    insertSecret: prepare(
      `INSERT INTO secrets (name, revision, record, rotation_due_at, purge_due_at, lease_due_at, drift_due_at, job_kind)
       VALUES (@name, @revision, @record, @rotationDueAt, @purgeDueAt, @leaseDueAt, @driftDueAt, @jobKind)
       ON CONFLICT (name) DO NOTHING`,
    ),
    updateSecret: prepare(
      `UPDATE secrets
       SET revision = @revision, record = @record, rotation_due_at = @rotationDueAt, purge_due_at = @purgeDueAt,
           lease_due_at = @leaseDueAt, drift_due_at = @driftDueAt, job_kind = @jobKind
       WHERE name = @name AND revision = @expectedRevision`,
    ),
    deleteSecret: prepare('DELETE FROM secrets WHERE name = @name AND revision = @expectedRevision'),
    deleteVersions: prepare('DELETE FROM versions WHERE secret_name = ?'),
    insertVersion: prepare(
      `INSERT INTO versions (secret_name, version_id, created_at, envelope)
       VALUES (@secretName, @versionId, @createdAt, @envelope)
       ON CONFLICT (secret_name, version_id) DO NOTHING`,
    ),
    getVersion: prepare('SELECT * FROM versions WHERE secret_name = ? AND version_id = ?'),
    // rowid breaks ties between versions created in the same millisecond: insertion order.
    listVersions: prepare('SELECT * FROM versions WHERE secret_name = ? ORDER BY created_at, rowid'),
    countSecrets: prepare('SELECT count(*) AS total FROM secrets'),
    pageSecrets: prepare(`SELECT ${SECRET_COLUMNS} FROM secrets ORDER BY name LIMIT ? OFFSET ?`),
    allSecrets: prepare(`SELECT ${SECRET_COLUMNS} FROM secrets ORDER BY name`),
    dueForRotation: prepare(
      `SELECT ${SECRET_COLUMNS} FROM secrets
       WHERE rotation_due_at IS NOT NULL AND rotation_due_at <= ?
       ORDER BY rotation_due_at, name LIMIT ?`,
    ),
    dueForPurge: prepare(
      `SELECT ${SECRET_COLUMNS} FROM secrets
       WHERE purge_due_at IS NOT NULL AND purge_due_at <= ?
       ORDER BY purge_due_at, name LIMIT ?`,
    ),
    expiredLeases: prepare(
      `SELECT ${SECRET_COLUMNS} FROM secrets
       WHERE lease_due_at IS NOT NULL AND lease_due_at <= ?
       ORDER BY lease_due_at, name LIMIT ?`,
    ),
    dueForDriftCheck: prepare(
      `SELECT ${SECRET_COLUMNS} FROM secrets
       WHERE drift_due_at IS NOT NULL AND drift_due_at <= ?
       ORDER BY drift_due_at, name LIMIT ?`,
    ),
    // Answered from the partial index on job_kind alone: cost follows the rotations in flight, not the table.
    inFlightByKind: prepare(
      `SELECT job_kind AS kind, count(*) AS count FROM secrets WHERE job_kind IS NOT NULL GROUP BY job_kind`,
    ),
    lookupNonce: prepare('SELECT expires_at FROM nonces WHERE nonce = ?'),
    sweepNonces: prepare(
      'DELETE FROM nonces WHERE nonce IN (SELECT nonce FROM nonces WHERE expires_at <= ? LIMIT ?)',
    ),
    // A nonce whose expiry has passed may be claimed again even if the sweep has not reached it.
    claimNonce: prepare(
      `INSERT INTO nonces (nonce, expires_at) VALUES (@nonce, @expiresAt)
       ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE nonces.expires_at <= @now`,
    ),
    journalNonce: prepare('INSERT INTO nonce_journal (nonce, expires_at) VALUES (?, ?)'),
    clearNonceJournal: prepare('DELETE FROM nonce_journal'),
    // What a crash left in the journal: kept unless the table already holds the nonce unexpired.
    recoverNonceJournal: prepare(
      `INSERT INTO nonces (nonce, expires_at) SELECT nonce, max(expires_at) FROM nonce_journal WHERE expires_at > @now GROUP BY nonce
       ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE nonces.expires_at <= @now`,
    ),
  };
};

type Statements = ReturnType<typeof prepareStatements>;

export class SqliteSecretStore implements SecretStore {
  private readonly statements: Statements;

  /** Replay protection: decided in process, written in batches (see NonceWindow for why). */
  private readonly nonces: NonceWindow;

  /** The nonce claims not yet written, for another writer on this connection to commit with its rows. */
  get pendingNonces(): PendingWrites {
    return this.nonces;
  }

  private constructor(
    private readonly db: SqliteDatabase,
    /** False when the connection is shared with other adapters: its opener closes it. */
    private readonly ownsConnection: boolean,
  ) {
    this.statements = prepareStatements(db);
    const s = this.statements;
    this.nonces = new NonceWindow(db, {
      lookup: s.lookupNonce,
      claim: s.claimNonce,
      sweep: s.sweepNonces,
      journal: s.journalNonce,
      clearJournal: s.clearNonceJournal,
      recoverJournal: s.recoverNonceJournal,
    });
  }

  /** Opens (creating if needed) a store file, or an in-memory store for ':memory:'. */
  static open(file: string): SqliteSecretStore {
    return openSqliteFor(file, (db) => SqliteSecretStore.on(db, true));
  }

  /** The store on a connection the caller shares with other adapters, and closes itself: close() leaves it open. */
  static attach(db: SqliteDatabase): SqliteSecretStore {
    return SqliteSecretStore.on(db, false);
  }

  private static on(db: SqliteDatabase, ownsConnection: boolean): SqliteSecretStore {
    migrate(db, MIGRATIONS, userVersionSlot);
    return new SqliteSecretStore(db, ownsConnection);
  }

  async getSecret(name: string): Promise<SecretRecord | null> {
    const row = this.statements.getSecret.get(name) as SecretRow | undefined;
    return row ? toSecret(row) : null;
  }

  async createSecret(secret: SecretRecord): Promise<SecretRecord> {
    const row = secretRow(secret, 1);
    if (this.statements.insertSecret.run(row).changes === 0) throw conflictOn(secret.name);
    return toSecret(row);
  }

  async updateSecret(secret: SecretRecord, expectedRevision: number): Promise<SecretRecord> {
    const row = secretRow(secret, expectedRevision + 1);
    const { changes } = this.statements.updateSecret.run({ ...row, expectedRevision });
    if (changes === 0) throw conflictOn(secret.name);
    return toSecret(row);
  }

  async deleteSecret(name: string, expectedRevision: number): Promise<void> {
    this.db.transaction(() => {
      const { changes } = this.statements.deleteSecret.run({ name, expectedRevision });
      if (changes === 0) throw conflictOn(name);
      this.statements.deleteVersions.run(name);
    })();
  }

  async putVersion(version: VersionRecord): Promise<'created' | 'exists'> {
    const { changes } = this.statements.insertVersion.run({
      secretName: version.secretName,
      versionId: version.versionId,
      createdAt: version.createdAt,
      envelope: JSON.stringify(version.envelope),
    });
    return changes === 1 ? 'created' : 'exists';
  }

  async getVersion(secretName: string, versionId: string): Promise<VersionRecord | null> {
    const row = this.statements.getVersion.get(secretName, versionId) as VersionRow | undefined;
    return row ? toVersion(row) : null;
  }

  async listVersions(secretName: string): Promise<VersionRecord[]> {
    return (this.statements.listVersions.all(secretName) as VersionRow[]).map(toVersion);
  }

  async listSecrets(query: ListSecretsQuery): Promise<ListSecretsPage> {
    assertValidFilters(query.filters);
    const offset = Math.max(0, query.offset);
    const limit = Math.max(0, query.limit);
    if (query.filters.length === 0 && !query.visible) {
      const { total } = this.statements.countSecrets.get() as { total: number };
      const rows = this.statements.pageSecrets.all(limit, offset) as SecretRow[];
      return { items: rows.map(toSecret), total };
    }
    // Filters (and visibility) run in JS for now: every row is read once, and only the page is kept.
    const items: SecretRecord[] = [];
    let total = 0;
    for (const row of this.statements.allSecrets.iterate() as IterableIterator<SecretRow>) {
      const secret = toSecret(row);
      if (!matchesFilters(secret, query.filters) || (query.visible && !query.visible(secret))) continue;
      if (total >= offset && items.length < limit) items.push(secret);
      total++;
    }
    return { items, total };
  }

  async listDueForRotation(now: number, limit: number): Promise<SecretRecord[]> {
    return (this.statements.dueForRotation.all(now, limit) as SecretRow[]).map(toSecret);
  }

  async listDueForPurge(now: number, limit: number): Promise<SecretRecord[]> {
    return (this.statements.dueForPurge.all(now, limit) as SecretRow[]).map(toSecret);
  }

  async listExpiredLeases(now: number, limit: number): Promise<SecretRecord[]> {
    return (this.statements.expiredLeases.all(now, limit) as SecretRow[]).map(toSecret);
  }

  async listDueForDriftCheck(now: number, limit: number): Promise<SecretRecord[]> {
    return (this.statements.dueForDriftCheck.all(now, limit) as SecretRow[]).map(toSecret);
  }

  async countRotationsInFlight(): Promise<Record<string, number>> {
    const rows = this.statements.inFlightByKind.all() as Array<{ kind: string; count: number }>;
    return Object.fromEntries(rows.map((row) => [row.kind, row.count]));
  }

  async claimNonce(nonce: string, expiresAt: number, now: number): Promise<boolean> {
    return this.nonces.claim(nonce, expiresAt, now);
  }

  async close(): Promise<void> {
    if (this.db.open) {
      this.nonces.close();
      if (this.ownsConnection) this.db.close();
    }
  }
}
