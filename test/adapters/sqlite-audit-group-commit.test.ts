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
