import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteAuditLog } from '../../shared/adapters/sqlite/audit-log.js';
import type { AuditRecord } from '../../shared/ports/audit-log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const newFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-audit-'));
  dirs.push(dir);
  return join(dir, 'secrets.db');
};

const record = (i: number): AuditRecord => ({
  requestId: `r-${i}`,
  time: 1_000 + i,
  accessKeyId: 'LTAIexample',
  action: 'GetSecretValue',
  secretName: 's',
  outcome: 'Success',
  errorCode: null,
  sourceIp: '127.0.0.1',
});

const rowsIn = (file: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM audit_records').pluck().get() as number;
  } finally {
    db.close();
  }
};

describe('SqliteAuditLog group commit', () => {
  it('resolves each append only once its row is in the file, concurrent appends sharing the write', async () => {
    const file = newFile();
    const log = SqliteAuditLog.open(file);
    try {
      const appends = Array.from({ length: 20 }, (_, i) => log.append(record(i)));
      expect(rowsIn(file)).toBe(0);
      await Promise.all(appends);
      expect(rowsIn(file)).toBe(20);
    } finally {
      await log.close();
    }
  });

  it('answers a query with appends not yet committed, and writes pending appends on close', async () => {
    const file = newFile();
    const log = SqliteAuditLog.open(file);
    const first = log.append(record(1));
    expect((await log.query({ offset: 0, limit: 10 })).total).toBe(1);
    await first;
    const pending = log.append(record(2));
    await log.close();
    await pending;
    expect(rowsIn(file)).toBe(2);
  });
});

/** The audit table as its first schema made it: unique on request_id alone. */
const writeFirstSchema = (file: string, records: AuditRecord[]): void => {
  const db = new Database(file);
  try {
    db.exec(`CREATE TABLE audit_records (
       request_id TEXT PRIMARY KEY, time INTEGER NOT NULL, access_key_id TEXT NOT NULL, action TEXT NOT NULL,
       secret_name TEXT, outcome TEXT NOT NULL, error_code TEXT, source_ip TEXT NOT NULL);
     CREATE INDEX audit_by_time ON audit_records (time);
     CREATE INDEX audit_by_key ON audit_records (access_key_id, time);
     CREATE INDEX audit_by_secret ON audit_records (secret_name, time);
     CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL);
     INSERT INTO schema_versions VALUES ('audit-log', 1);`);
    const insert = db.prepare(
      `INSERT INTO audit_records VALUES (@requestId, @time, @accessKeyId, @action, @secretName, @outcome, @errorCode, @sourceIp)`,
    );
    for (const r of records) insert.run(r);
  } finally {
    db.close();
  }
};

describe('SqliteAuditLog schema', () => {
  it('keeps every record of the first schema, and their order within a millisecond, when it moves to the time-led key', async () => {
    const file = newFile();
    // Three in one millisecond, stored in this order: the newest-first answer must keep it reversed.
    const old = [record(1), { ...record(2), requestId: 'z-same-ms', time: 1_005 }, { ...record(3), requestId: 'a-same-ms', time: 1_005 }, { ...record(4), requestId: 'm-same-ms', time: 1_005 }];
    writeFirstSchema(file, old);
    const log = SqliteAuditLog.open(file);
    try {
      const page = await log.query({ offset: 0, limit: 10 });
      expect(page.total).toBe(4);
      expect(page.records.map((r) => r.requestId)).toEqual(['m-same-ms', 'a-same-ms', 'z-same-ms', 'r-1']);
      expect(page.records[3]).toEqual(record(1));
      // Still idempotent for the same record, migrated or new.
      await log.append(old[1] as AuditRecord);
      await log.append(record(9));
      await log.append(record(9));
      expect((await log.query({ offset: 0, limit: 10 })).total).toBe(5);
    } finally {
      await log.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_records' AND sql IS NOT NULL ORDER BY name").pluck().all();
      expect(indexes).toEqual(['audit_by_key', 'audit_by_secret', 'audit_by_time']);
      const unique = db.prepare("SELECT group_concat(name, ',') FROM pragma_index_info((SELECT name FROM pragma_index_list('audit_records') WHERE \"unique\" = 1))").pluck().get();
      expect(unique).toBe('time,request_id');
    } finally {
      db.close();
    }
  });
});
