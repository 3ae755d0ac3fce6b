import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalKeyProvider } from '../../shared/adapters/local-key/local-key-provider.js';
import { DataKeyCache } from '../../shared/adapters/support/data-key-cache.js';
import type { KeyContext, KeyProvider } from '../../shared/ports/key-provider.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The local provider, counting its unwraps. */
const countingProvider = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-key-cache-'));
  dirs.push(dir);
  const inner = await LocalKeyProvider.open(dir);
  const counter = { unwraps: 0 };
  const provider: KeyProvider = {
    generateDataKey: (context) => inner.generateDataKey(context),
    decryptDataKey: (keyId, wrapped, context) => {
      counter.unwraps++;
      return inner.decryptDataKey(keyId, wrapped, context);
    },
  };
  return { provider, counter };
};

const CONTEXT: KeyContext = { secretName: 's', versionId: 'v1' };

describe('DataKeyCache', () => {
  it('unwraps a data key once within the TTL, and hands each caller its own copy to wipe', async () => {
    const { provider, counter } = await countingProvider();
    let now = 1_000;
    const cache = new DataKeyCache(provider, { ttlMs: 60_000, maxEntries: 10, now: () => now });
    const key = await provider.generateDataKey(CONTEXT);

    const first = await cache.decryptDataKey(key.keyId, key.wrapped, CONTEXT);
    expect(first.equals(key.plaintext)).toBe(true);
    first.fill(0); // what openEnvelope does after use
    now += 59_999;
    const second = await cache.decryptDataKey(key.keyId, key.wrapped, { versionId: 'v1', secretName: 's' });
    expect(second.equals(key.plaintext)).toBe(true);
    expect(counter.unwraps).toBe(1);

    now += 1;
    await cache.decryptDataKey(key.keyId, key.wrapped, CONTEXT);
    expect(counter.unwraps).toBe(2);
  });

  it('never answers from the cache for another context: the provider refuses it as before', async () => {
    const { provider, counter } = await countingProvider();
    const cache = new DataKeyCache(provider, { ttlMs: 60_000, maxEntries: 10 });
    const key = await provider.generateDataKey(CONTEXT);
    await cache.decryptDataKey(key.keyId, key.wrapped, CONTEXT);

    await expect(cache.decryptDataKey(key.keyId, key.wrapped, { secretName: 's', versionId: 'v2' })).rejects.toThrow(/could not be unwrapped/);
    expect(counter.unwraps).toBe(2);
  });

  it('keeps at most maxEntries keys, dropping the least recently used, and clear() forgets them all', async () => {
    const { provider, counter } = await countingProvider();
    const cache = new DataKeyCache(provider, { ttlMs: 60_000, maxEntries: 2 });
    const keys = await Promise.all(['a', 'b', 'c'].map((v) => provider.generateDataKey({ secretName: 's', versionId: v })));
    const read = (i: number) => cache.decryptDataKey(keys[i]!.keyId, keys[i]!.wrapped, { secretName: 's', versionId: ['a', 'b', 'c'][i]! });

    await read(0);
    await read(1);
    await read(0); // a is now the most recent
    await read(2); // evicts b
    expect(cache.size).toBe(2);
    expect(counter.unwraps).toBe(3);
    await read(0);
    expect(counter.unwraps).toBe(3);
    await read(1);
    expect(counter.unwraps).toBe(4);

    cache.clear();
    expect(cache.size).toBe(0);
    await read(0);
    expect(counter.unwraps).toBe(5);
  });
});
