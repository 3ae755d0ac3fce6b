/**
 * A KeyProvider that remembers unwrapped data keys for a short time, so reading the same secret
 * version again does not unwrap its key again (a master-key decryption locally, a KMS call in the
 * cloud). Bounded (least recently used goes first) and short-lived; the keys live in this
 * process's memory only, never on disk, and are wiped when they leave the cache.
 *
 * The cache key is the whole input of an unwrap (key id, wrapped bytes, context), so a hit is
 * exactly what the provider would have answered: a different context or a tampered wrap misses
 * and goes to the provider, which refuses it as before.
 */
import type { DataKey, KeyContext, KeyProvider } from '../../ports/key-provider.js';

export interface DataKeyCacheOptions {
  /** How long an unwrapped key is reused. */
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

export const DEFAULT_DATA_KEY_CACHE: DataKeyCacheOptions = { ttlMs: 60_000, maxEntries: 1_000 };

interface Entry {
  key: Buffer;
  expiresAt: number;
}

const cacheKey = (keyId: string, wrapped: string, context: KeyContext): string =>
  JSON.stringify([keyId, wrapped, Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);

export class DataKeyCache implements KeyProvider {
  /** A Map iterates in insertion order; re-inserting on a hit makes the first entry the least recent. */
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(
    private readonly inner: KeyProvider,
    private readonly options: DataKeyCacheOptions = DEFAULT_DATA_KEY_CACHE,
  ) {
    this.now = options.now ?? Date.now;
  }

  generateDataKey(context: KeyContext): Promise<DataKey> {
    return this.inner.generateDataKey(context);
  }

  async decryptDataKey(keyId: string, wrapped: string, context: KeyContext): Promise<Buffer> {
    const id = cacheKey(keyId, wrapped, context);
    const hit = this.entries.get(id);
    const now = this.now();
    if (hit) {
      this.entries.delete(id);
      if (hit.expiresAt > now) {
        this.entries.set(id, hit);
        // Callers wipe what they are given: each gets its own copy.
        return Buffer.from(hit.key);
      }
      hit.key.fill(0);
    }
    const key = await this.inner.decryptDataKey(keyId, wrapped, context);
    this.remember(id, Buffer.from(key), now);
    return key;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Wipes and forgets every key. */
  clear(): void {
    for (const entry of this.entries.values()) entry.key.fill(0);
    this.entries.clear();
  }

  private remember(id: string, key: Buffer, now: number): void {
    this.entries.get(id)?.key.fill(0);
    this.entries.delete(id);
    this.entries.set(id, { key, expiresAt: now + this.options.ttlMs });
    while (this.entries.size > this.options.maxEntries) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      entry.key.fill(0);
      this.entries.delete(oldest);
    }
  }
}
