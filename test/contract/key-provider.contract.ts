/**
 * The KeyProvider contract: what every key provider (local master key, KMS) must do, tested
 * only through the port.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyContext, KeyProvider } from '../../shared/ports/key-provider.js';

export interface KeyProviderHarness {
  keys: KeyProvider;
  /** A new provider over the same master key (a restarted process); absent if there is none. */
  reopen?: () => Promise<KeyProvider>;
  cleanup: () => Promise<void>;
}

const context: KeyContext = { secretName: 'app/db', versionId: 'v1' };

/** Flips one bit in the middle of a base64 blob. */
const flipBit = (base64: string): string => {
  const bytes = Buffer.from(base64, 'base64');
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = (bytes[middle] as number) ^ 0x01;
  return bytes.toString('base64');
};

export function keyProviderContract(label: string, factory: () => Promise<KeyProviderHarness>): void {
  describe(`KeyProvider contract: ${label}`, () => {
    let harness: KeyProviderHarness;
    let keys: KeyProvider;

    beforeEach(async () => {
      harness = await factory();
      keys = harness.keys;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    it('hands out a 32-byte data key that unwraps to the same bytes under the same context', async () => {
      const dataKey = await keys.generateDataKey(context);
      expect(dataKey.plaintext).toHaveLength(32);
      expect(dataKey.keyId).not.toBe('');
      const unwrapped = await keys.decryptDataKey(dataKey.keyId, dataKey.wrapped, { ...context });
      expect(unwrapped.equals(dataKey.plaintext)).toBe(true);
    });

    it('does not depend on the order of the context keys', async () => {
      const dataKey = await keys.generateDataKey({ secretName: 'app/db', versionId: 'v1' });
      const unwrapped = await keys.decryptDataKey(dataKey.keyId, dataKey.wrapped, { versionId: 'v1', secretName: 'app/db' });
      expect(unwrapped.equals(dataKey.plaintext)).toBe(true);
    });

    it('refuses to unwrap under a different context', async () => {
      const dataKey = await keys.generateDataKey(context);
      const others: KeyContext[] = [
        { ...context, versionId: 'v2' },
        { ...context, secretName: 'app/other' },
        { secretName: context.secretName as string },
        { ...context, extra: 'x' },
        {},
      ];
      for (const other of others) {
        await expect(keys.decryptDataKey(dataKey.keyId, dataKey.wrapped, other)).rejects.toThrow();
      }
    });

    it('refuses a tampered wrapped key', async () => {
      const dataKey = await keys.generateDataKey(context);
      await expect(keys.decryptDataKey(dataKey.keyId, flipBit(dataKey.wrapped), context)).rejects.toThrow();
      const truncated = Buffer.from(dataKey.wrapped, 'base64').subarray(1).toString('base64');
      await expect(keys.decryptDataKey(dataKey.keyId, truncated, context)).rejects.toThrow();
    });

    it('hands out a fresh key, wrapped differently, on every call', async () => {
      const first = await keys.generateDataKey(context);
      const second = await keys.generateDataKey(context);
      expect(first.plaintext.equals(second.plaintext)).toBe(false);
      expect(first.wrapped).not.toBe(second.wrapped);
    });

    it('unwraps keys from before a reopen', async (ctx) => {
      const { reopen } = harness;
      if (!reopen) return ctx.skip('this provider has no durable master key to reopen');
      const dataKey = await keys.generateDataKey(context);
      keys = await reopen();
      const unwrapped = await keys.decryptDataKey(dataKey.keyId, dataKey.wrapped, context);
      expect(unwrapped.equals(dataKey.plaintext)).toBe(true);
    });
  });
}
