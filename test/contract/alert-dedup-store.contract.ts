/** The AlertDedupStore contract: every adapter passes the same tests. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertDedupStore } from '../../shared/ports/alert-dedup-store.js';

export interface AlertDedupHarness {
  store: AlertDedupStore;
  /** The same state through a new store instance (a new container); absent for in-memory stores. */
  reopen?: () => Promise<AlertDedupStore>;
  cleanup(): Promise<void>;
}

const T = 1_800_000_000_000;
const WINDOW = 60_000;

export const alertDedupStoreContract = (name: string, open: () => Promise<AlertDedupHarness>): void => {
  describe(`AlertDedupStore contract: ${name}`, () => {
    let h: AlertDedupHarness;

    beforeEach(async () => {
      h = await open();
    });

    afterEach(async () => {
      await h.cleanup();
    });

    it('the first claim of a key wins; claims within its window lose', async () => {
      expect(await h.store.claim('k', T + WINDOW, T)).toBe(true);
      expect(await h.store.claim('k', T + 1000 + WINDOW, T + 1000)).toBe(false);
      expect(await h.store.claim('k', T + WINDOW - 1 + WINDOW, T + WINDOW - 1)).toBe(false);
    });

    it('keys are independent', async () => {
      expect(await h.store.claim('rotation-failed:a:v1', T + WINDOW, T)).toBe(true);
      expect(await h.store.claim('rotation-failed:a:v2', T + WINDOW, T)).toBe(true);
      expect(await h.store.claim('rotation-failed:b:v1', T + WINDOW, T)).toBe(true);
    });

    it('once the window has passed the key can be claimed again, and then holds for the new window', async () => {
      expect(await h.store.claim('k', T + WINDOW, T)).toBe(true);
      expect(await h.store.claim('k', T + 2 * WINDOW, T + WINDOW)).toBe(true);
      expect(await h.store.claim('k', T + 2 * WINDOW + 1, T + WINDOW + 1)).toBe(false);
    });

    it('of concurrent claims of a free key exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => h.store.claim('race', T + WINDOW, T)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('of concurrent claims of an expired key exactly one wins', async () => {
      await h.store.claim('race', T + WINDOW, T);
      const later = T + 2 * WINDOW;
      const results = await Promise.all(Array.from({ length: 8 }, () => h.store.claim('race', later + WINDOW, later)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('a released claim can be claimed again at once', async () => {
      expect(await h.store.claim('k', T + WINDOW, T)).toBe(true);
      await h.store.release('k', T + WINDOW);
      expect(await h.store.claim('k', T + 10 + WINDOW, T + 10)).toBe(true);
    });

    it('release gives back only the claim it names: a newer claim of the key stays', async () => {
      await h.store.claim('k', T + WINDOW, T);
      const later = T + WINDOW;
      expect(await h.store.claim('k', later + WINDOW, later)).toBe(true);
      await h.store.release('k', T + WINDOW);
      expect(await h.store.claim('k', later + 1 + WINDOW, later + 1)).toBe(false);
      await h.store.release('never-claimed', T);
    });

    it('keys with any characters are kept apart', async () => {
      const keys = ['host#1|read-while-pending-deletion:acs/ram/user/x::2026-01-01', 'ключ/✓', 'a'.repeat(500)];
      for (const key of keys) expect(await h.store.claim(key, T + WINDOW, T)).toBe(true);
      for (const key of keys) expect(await h.store.claim(key, T + 1 + WINDOW, T + 1)).toBe(false);
    });

    it('claims survive a new store instance over the same state', async () => {
      if (!h.reopen) return;
      await h.store.claim('k', T + WINDOW, T);
      const again = await h.reopen();
      expect(await again.claim('k', T + 1 + WINDOW, T + 1)).toBe(false);
      expect(await again.claim('other', T + 1 + WINDOW, T + 1)).toBe(true);
    });
  });
};
