/**
 * SecretStore on Tablestore: the cloud counterpart of the SQLite store, for Function Compute.
 *
 * Tables (see schema.ts): `secrets` (record JSON + INTEGER revision, plus rotation_due / purge_due
 * only while the secret is due-able, each with a global secondary index), `versions` and `nonces`.
 * Every change to a secret row is conditional on its revision; a failed condition is the domain
 * ConflictError. Tablestore has no cross-row transactions, so deletion marks the row first
 * (revision 0, "being deleted"), then removes the versions, then the row: a deletion cut short is
 * finished later instead of leaving versions that a new secret of the same name would inherit.
 */
import TableStore from 'tablestore';
import { ConflictError } from '../../domain/errors.js';
import { assertValidFilters, matchesFilters } from '../../domain/list-filter.js';
import { driftDueAt } from '../../domain/drift.js';
import { leaseDueAt, purgeDueAt, rotationDueAt, type SecretRecord, type VersionRecord } from '../../domain/secret.js';
import type { ListSecretsPage, ListSecretsQuery, SecretStore } from '../../ports/secret-store.js';
import type { TableStoreClientLike } from './client.js';
import { RowAccess, type RangeRead } from './row-access.js';
import { integerIn, long, stringIn, type RowView } from './rows.js';
import {
  DEFAULT_TABLE_PREFIX,
  NONCE_COLUMNS as N,
  SECRET_COLUMNS as S,
  tableNames,
  VERSION_COLUMNS as V,
  type TableNames,
} from './schema.js';

const { Condition, SingleColumnCondition, RowExistenceExpectation: Expect, ComparatorType, INF_MIN, INF_MAX } = TableStore;

/** The revision of a row whose deletion has started. Live secrets start at 1. */
const DELETING_REVISION = 0;

export interface TablestoreSecretStoreOptions {
  /** Created once per container (createTablestoreClient) and shared. */
  client: TableStoreClientLike;
  /** Prepended to every table and index name; default "rotor_". */
  tablePrefix?: string;
}

type DueAt = (secret: SecretRecord) => number | null;

const conflictOn = (name: string): ConflictError => new ConflictError(`secret "${name}"`);

const secretKey = (name: string): TableStore.PrimaryKeyInput => [{ [S.name]: name }];
const versionKey = (secretName: string, versionId: string | TableStore.RangeBound): TableStore.PrimaryKeyInput => [
  { [V.secretName]: secretName },
  { [V.versionId]: versionId },
];

const RECORD_COLUMNS = [S.record, S.revision];

/** The revision lives in its own column (conditions compare it); the JSON holds everything else. */
const recordText = (secret: SecretRecord): string => {
  const { revision: _revision, ...rest } = secret;
  return JSON.stringify(rest);
};

const parseRecord = (text: string, revision: number): SecretRecord => ({
  ...(JSON.parse(text) as Omit<SecretRecord, 'revision'>),
  revision,
});

/** The stored secret, or null for a row whose deletion has started. */
const secretFrom = (row: RowView): SecretRecord | null => {
  const revision = integerIn(row.columns, S.revision);
  return revision === DELETING_REVISION ? null : parseRecord(stringIn(row.columns, S.record), revision);
};

const versionFrom = (row: RowView): VersionRecord => ({
  secretName: stringIn(row.key, V.secretName),
  versionId: stringIn(row.key, V.versionId),
  createdAt: integerIn(row.columns, V.createdAt),
  envelope: JSON.parse(stringIn(row.columns, V.envelope)) as VersionRecord['envelope'],
});

/** Due columns to write, and those to remove so the row leaves that index. */
const dueColumns = (secret: SecretRecord): { put: TableStore.AttributeInput; remove: string[] } => {
  const put: TableStore.AttributeInput = [];
  const remove: string[] = [];
  for (const [column, due] of [
    [S.rotationDue, rotationDueAt(secret)],
    [S.purgeDue, purgeDueAt(secret)],
    [S.leaseDue, leaseDueAt(secret)],
    [S.driftDue, driftDueAt(secret)],
  ] as const) {
    if (due === null) remove.push(column);
    else put.push({ [column]: long(due) });
  }
  if (secret.job) put.push({ [S.jobKind]: secret.job.targetKind ?? '' });
  else remove.push(S.jobKind);
  return { put, remove };
};

/** Columns a row being deleted must lose, so it leaves every index but the purge one. */
const INDEXED_BUT_PURGE = [S.rotationDue, S.leaseDue, S.driftDue, S.jobKind];

const mustNotExist = (): TableStore.Condition => new Condition(Expect.EXPECT_NOT_EXIST, null);

/** Optimistic lock: the row exists and its revision is exactly `revision` (a missing column fails). */
const atRevision = (revision: number): TableStore.Condition =>
  new Condition(
    Expect.EXPECT_EXIST,
    new SingleColumnCondition(S.revision, long(revision), ComparatorType.EQUAL, false),
  );

/** Tablestore orders STRING keys by their UTF-8 bytes; results we re-sort follow the same order. */
const compareNames = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export class TablestoreSecretStore implements SecretStore {
  private constructor(
    private readonly rows: RowAccess,
    private readonly tables: TableNames,
  ) {}

  /** The tables must exist already: see provision.ts. */
  static create(options: TablestoreSecretStoreOptions): TablestoreSecretStore {
    return new TablestoreSecretStore(new RowAccess(options.client), tableNames(options.tablePrefix ?? DEFAULT_TABLE_PREFIX));
  }

  async getSecret(name: string): Promise<SecretRecord | null> {
    const row = await this.getSecretRow(name);
    return row ? secretFrom(row) : null;
  }

  async createSecret(secret: SecretRecord): Promise<SecretRecord> {
    const text = recordText(secret);
    const insert = (): Promise<boolean> =>
      this.rows.put({
        tableName: this.tables.secrets,
        primaryKey: secretKey(secret.name),
        condition: mustNotExist(),
        attributeColumns: [{ [S.record]: text }, { [S.revision]: long(1) }, ...dueColumns(secret).put],
      });
    if (await insert()) return parseRecord(text, 1);
    // The name is taken, unless by the remains of a deletion that was cut short: finish it and retry.
    if (!(await this.isBeingDeleted(secret.name))) throw conflictOn(secret.name);
    await this.finishDeletion(secret.name);
    if (await insert()) return parseRecord(text, 1);
    throw conflictOn(secret.name);
  }

  async updateSecret(secret: SecretRecord, expectedRevision: number): Promise<SecretRecord> {
    // Revision 0 marks a row being deleted; no caller may update it.
    if (expectedRevision < 1) throw conflictOn(secret.name);
    const revision = expectedRevision + 1;
    const text = recordText(secret);
    const due = dueColumns(secret);
    const changes: TableStore.UpdateOfAttributeColumns = [
      { PUT: [{ [S.record]: text }, { [S.revision]: long(revision) }, ...due.put] },
    ];
    if (due.remove.length > 0) changes.push({ DELETE_ALL: due.remove });
    const updated = await this.rows.update({
      tableName: this.tables.secrets,
      primaryKey: secretKey(secret.name),
      condition: atRevision(expectedRevision),
      updateOfAttributeColumns: changes,
    });
    if (!updated) throw conflictOn(secret.name);
    return parseRecord(text, revision);
  }

  async deleteSecret(name: string, expectedRevision: number): Promise<void> {
    if (expectedRevision < 1) throw conflictOn(name);
    // Mark first (atomically, on the revision), keeping the row in the purge index at due time 0
    // so a purge tick finishes a deletion this call does not get to finish.
    const marked = await this.rows.update({
      tableName: this.tables.secrets,
      primaryKey: secretKey(name),
      condition: atRevision(expectedRevision),
      updateOfAttributeColumns: [
        { PUT: [{ [S.revision]: long(DELETING_REVISION) }, { [S.purgeDue]: long(0) }] },
        { DELETE_ALL: INDEXED_BUT_PURGE },
      ],
    });
    if (!marked) throw conflictOn(name);
    await this.finishDeletion(name);
  }

  async putVersion(version: VersionRecord): Promise<'created' | 'exists'> {
    const created = await this.rows.put({
      tableName: this.tables.versions,
      primaryKey: versionKey(version.secretName, version.versionId),
      condition: mustNotExist(),
      attributeColumns: [{ [V.createdAt]: long(version.createdAt) }, { [V.envelope]: JSON.stringify(version.envelope) }],
    });
    return created ? 'created' : 'exists';
  }

  async getVersion(secretName: string, versionId: string): Promise<VersionRecord | null> {
    const row = await this.rows.get(this.tables.versions, versionKey(secretName, versionId));
    return row ? versionFrom(row) : null;
  }

  /**
   * Oldest first. Versions created in the same millisecond keep the order the service wrote them
   * in (cell timestamps), then key order: the closest Tablestore has to SQLite's rowid.
   */
  async listVersions(secretName: string): Promise<VersionRecord[]> {
    const rows: RowView[] = [];
    for await (const page of this.rows.rangePages(this.versionRange(secretName))) rows.push(...page);
    return rows
      .map((row) => ({ version: versionFrom(row), writtenAt: row.writtenAt.get(V.createdAt) ?? 0 }))
      .sort((a, b) => a.version.createdAt - b.version.createdAt || a.writtenAt - b.writtenAt)
      .map(({ version }) => version);
  }

  /**
   * Reads every secret row, in name order, to filter and to count: cost grows with the number of
   * secrets (one GetRange per 5000 rows or 4 MB, read capacity for every row), whatever the page
   * size. Fine for the thousands of secrets this service is meant for; a search index would be
   * the next step beyond that.
   */
  async listSecrets(query: ListSecretsQuery): Promise<ListSecretsPage> {
    assertValidFilters(query.filters);
    const offset = Math.max(0, query.offset);
    const limit = Math.max(0, query.limit);
    const items: SecretRecord[] = [];
    let total = 0;
    const everySecret: RangeRead = {
      tableName: this.tables.secrets,
      start: [{ [S.name]: INF_MIN }],
      end: [{ [S.name]: INF_MAX }],
      columnsToGet: RECORD_COLUMNS,
    };
    for await (const page of this.rows.rangePages(everySecret)) {
      for (const row of page) {
        const secret = secretFrom(row);
        if (!secret || !matchesFilters(secret, query.filters) || (query.visible && !query.visible(secret))) continue;
        if (total >= offset && items.length < limit) items.push(secret);
        total++;
      }
    }
    return { items, total };
  }

  async listDueForRotation(now: number, limit: number): Promise<SecretRecord[]> {
    return this.listDue(this.tables.rotationDueIndex, S.rotationDue, rotationDueAt, now, limit);
  }

  /** Also finishes deletions that were cut short (they sit in the purge index at due time 0). */
  async listDueForPurge(now: number, limit: number): Promise<SecretRecord[]> {
    const unfinished: string[] = [];
    const due = await this.listDue(this.tables.purgeDueIndex, S.purgeDue, purgeDueAt, now, limit, unfinished);
    for (const name of unfinished) await this.finishDeletion(name);
    return due;
  }

  async listExpiredLeases(now: number, limit: number): Promise<SecretRecord[]> {
    return this.listDue(this.tables.leaseDueIndex, S.leaseDue, leaseDueAt, now, limit);
  }

  async listDueForDriftCheck(now: number, limit: number): Promise<SecretRecord[]> {
    return this.listDue(this.tables.driftDueIndex, S.driftDue, driftDueAt, now, limit);
  }

  /**
   * Reads the lease index only (index rows carry job_kind): cost grows with the rotations in
   * flight and unconfirmed finalizes, not with the table. The index lags writes a little, so the
   * count is approximate by the few rotations that just started or ended.
   */
  async countRotationsInFlight(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    const everyLease: RangeRead = {
      tableName: this.tables.leaseDueIndex,
      start: [{ [S.leaseDue]: INF_MIN }, { [S.name]: INF_MIN }],
      end: [{ [S.leaseDue]: INF_MAX }, { [S.name]: INF_MAX }],
      columnsToGet: [S.jobKind],
    };
    for await (const page of this.rows.rangePages(everyLease)) {
      for (const row of page) {
        const kind = row.columns.get(S.jobKind);
        if (typeof kind === 'string') counts[kind] = (counts[kind] ?? 0) + 1;
      }
    }
    return counts;
  }

  async claimNonce(nonce: string, expiresAt: number, now: number): Promise<boolean> {
    const primaryKey = [{ [N.nonce]: nonce }];
    const expiry = [{ [N.expiresAt]: long(expiresAt) }];
    const recorded = await this.rows.put({
      tableName: this.tables.nonces,
      primaryKey,
      condition: mustNotExist(),
      attributeColumns: expiry,
    });
    if (recorded) return true;
    // Seen before: it may be claimed again once its recorded expiry has passed, and the condition
    // lets only one of several racing claimants do so.
    const expired = new Condition(
      Expect.EXPECT_EXIST,
      new SingleColumnCondition(N.expiresAt, long(now), ComparatorType.LESS_EQUAL, false),
    );
    return this.rows.update({
      tableName: this.tables.nonces,
      primaryKey,
      condition: expired,
      updateOfAttributeColumns: [{ PUT: expiry }],
    });
  }

  /** The client belongs to the container and outlives the store: nothing to release. */
  async close(): Promise<void> {}

  /**
   * Reads the index range [INF_MIN, (now, INF_MAX)) page by page and fetches those rows. The
   * index is updated asynchronously, so each fetched record is checked again: a row that is no
   * longer due is skipped and the scan goes on until `limit` due secrets are found.
   */
  private async listDue(
    indexName: string,
    dueColumn: string,
    dueAt: DueAt,
    now: number,
    limit: number,
    unfinishedDeletions: string[] = [],
  ): Promise<SecretRecord[]> {
    if (limit <= 0) return [];
    const found = new Map<string, { secret: SecretRecord; at: number }>();
    const seen = new Set<string>();
    let start: TableStore.PrimaryKeyInput | null = [{ [dueColumn]: INF_MIN }, { [S.name]: INF_MIN }];
    const end = [{ [dueColumn]: long(now) }, { [S.name]: INF_MAX }];
    while (start && found.size < limit) {
      const page = await this.rows.readRange({ tableName: indexName, start, end, limit: limit - found.size });
      const names = page.rows.map((row) => stringIn(row.key, S.name)).filter((name) => !seen.has(name));
      for (const name of names) seen.add(name);
      for (const row of await this.rows.batchGet(this.tables.secrets, names.map(secretKey), RECORD_COLUMNS)) {
        const name = stringIn(row.key, S.name);
        const secret = secretFrom(row);
        if (!secret) {
          unfinishedDeletions.push(name);
          continue;
        }
        const at = dueAt(secret);
        if (at !== null && at <= now) found.set(name, { secret, at });
      }
      start = page.next;
    }
    return [...found.values()]
      .sort((a, b) => a.at - b.at || compareNames(a.secret.name, b.secret.name))
      .slice(0, limit)
      .map(({ secret }) => secret);
  }

  private getSecretRow(name: string): Promise<RowView | null> {
    return this.rows.get(this.tables.secrets, secretKey(name), RECORD_COLUMNS);
  }

  private async isBeingDeleted(name: string): Promise<boolean> {
    const row = await this.getSecretRow(name);
    return row !== null && integerIn(row.columns, S.revision) === DELETING_REVISION;
  }

  /** Versions, then the marked row itself; safe to run twice, or concurrently. */
  private async finishDeletion(name: string): Promise<void> {
    await this.rows.deleteRange(this.versionRange(name), V.versionId);
    // A failed condition means another caller finished first; a new secret of this name (revision >= 1) is left alone.
    await this.rows.delete({ tableName: this.tables.secrets, primaryKey: secretKey(name), condition: atRevision(DELETING_REVISION) });
  }

  private versionRange(secretName: string): RangeRead {
    return {
      tableName: this.tables.versions,
      start: versionKey(secretName, INF_MIN),
      end: versionKey(secretName, INF_MAX),
    };
  }
}
