import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteSecretStore } from '../../shared/adapters/sqlite/secret-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const newFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-nonces-'));
  dirs.push(dir);
  return join(dir, 'secrets.db');
};

const storedNonces = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT nonce FROM nonces ORDER BY nonce').pluck().all() as string[];
  } finally {
    db.close();
  }
};

const T = 1_000_000;

describe('nonce claims on the SQLite store (decided in process, written in batches)', () => {
  it('refuses a nonce again at once, before its batch is written', async () => {
    const store = SqliteSecretStore.open(newFile());
    try {
      expect(await store.claimNonce('k/n1', T + 900_000, T)).toBe(true);
      expect(await store.claimNonce('k/n1', T + 900_000, T + 5)).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('writes claims to the file within a short interval, without waiting for close', async () => {
    const file = newFile();
    const store = SqliteSecretStore.open(file);
    try {
      await store.claimNonce('k/n1', Date.now() + 900_000, Date.now());
      expect(storedNonces(file)).toEqual([]);
      await new Promise((r) => setTimeout(r, 200));
      expect(storedNonces(file)).toEqual(['k/n1']);
    } finally {
      await store.close();
    }
  });

  it('refuses, in another connection to the same file, a nonce this one has written', async () => {
    const file = newFile();
    const first = SqliteSecretStore.open(file);
    const second = SqliteSecretStore.open(file);
    try {
      expect(await first.claimNonce('k/n1', Date.now() + 900_000, Date.now())).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(await second.claimNonce('k/n1', Date.now() + 900_000, Date.now())).toBe(false);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('writes what is pending on close, so a restart inside the window still refuses a replay', async () => {
    const file = newFile();
    const store = SqliteSecretStore.open(file);
    await store.claimNonce('k/n1', T + 900_000, T);
    await store.close();
    const reopened = SqliteSecretStore.open(file);
    try {
      expect(await reopened.claimNonce('k/n1', T + 900_000, T + 60_000)).toBe(false);
      expect(await reopened.claimNonce('k/n1', T + 2_000_000, T + 900_000)).toBe(true);
    } finally {
      await reopened.close();
    }
  });
});
