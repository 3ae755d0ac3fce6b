import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalKeyProvider, MASTER_KEY_FILE } from '../../shared/adapters/local-key/local-key-provider.js';
import { keyProviderContract } from './key-provider.contract.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'rotor-local-key-'));

keyProviderContract('local master key', async () => {
  const dir = tempDir();
  return {
    keys: await LocalKeyProvider.open(dir),
    reopen: () => LocalKeyProvider.open(dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('LocalKeyProvider master key file', () => {
  const dirs: string[] = [];
  const newDir = (): string => {
    const dir = tempDir();
    dirs.push(dir);
    return dir;
  };

  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the data directory and a 32-byte key only the owner can read', async () => {
    const dataDir = join(newDir(), 'data');
    await LocalKeyProvider.open(dataDir);
    const file = join(dataDir, MASTER_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file)).toHaveLength(32);
  });

  it('names the key after the hash of the master key', async () => {
    const dir = newDir();
    const keys = await LocalKeyProvider.open(dir);
    const hash = createHash('sha256').update(readFileSync(join(dir, MASTER_KEY_FILE))).digest('hex');
    expect(keys.keyId).toBe(`local/${hash.slice(0, 8)}`);
    expect((await keys.generateDataKey({})).keyId).toBe(keys.keyId);
  });

  it('reads the same key on reopen, and a new directory gets a different key', async () => {
    const dir = newDir();
    const first = await LocalKeyProvider.open(dir);
    const again = await LocalKeyProvider.open(dir);
    const elsewhere = await LocalKeyProvider.open(newDir());
    expect(again.keyId).toBe(first.keyId);
    expect(elsewhere.keyId).not.toBe(first.keyId);
  });

  it('gives providers opened at the same time one and the same key', async () => {
    const dir = newDir();
    const providers = await Promise.all(Array.from({ length: 8 }, () => LocalKeyProvider.open(dir)));
    expect(new Set(providers.map((p) => p.keyId)).size).toBe(1);
    const dataKey = await providers[0]!.generateDataKey({ a: '1' });
    const unwrapped = await providers[7]!.decryptDataKey(dataKey.keyId, dataKey.wrapped, { a: '1' });
    expect(unwrapped.equals(dataKey.plaintext)).toBe(true);
  });

  it('refuses a key file of the wrong size with a clear error, and leaves it alone', async () => {
    const dir = newDir();
    const file = join(dir, MASTER_KEY_FILE);
    writeFileSync(file, Buffer.alloc(16, 7), { mode: 0o600 });
    await expect(LocalKeyProvider.open(dir)).rejects.toThrow(/holds 16 bytes, not 32/);
    expect(readFileSync(file).equals(Buffer.alloc(16, 7))).toBe(true);
  });

  it('refuses a data key wrapped under another master key', async () => {
    const mine = await LocalKeyProvider.open(newDir());
    const theirs = await LocalKeyProvider.open(newDir());
    const dataKey = await theirs.generateDataKey({});
    await expect(mine.decryptDataKey(dataKey.keyId, dataKey.wrapped, {})).rejects.toThrow(/wrapped under local\//);
    await expect(mine.decryptDataKey(mine.keyId, dataKey.wrapped, {})).rejects.toThrow(/could not be unwrapped/);
  });

  it('leaves no temporary files behind', async () => {
    const dir = newDir();
    await Promise.all([LocalKeyProvider.open(dir), LocalKeyProvider.open(dir)]);
    expect(readdirSync(dir)).toEqual([MASTER_KEY_FILE]);
  });
});
