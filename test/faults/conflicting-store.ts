/**
 * A SecretStore decorator that loses the race at the Nth conditional write: just before that
 * write, another writer changes the same row through the real store (its description, as an
 * UpdateSecret from another caller would), so the write itself fails with the store's own
 * ConflictError. Everything else passes through untouched, whatever the port grows.
 */
import { ConflictError } from '../../shared/domain/errors.js';
import type { SecretRecord } from '../../shared/domain/secret.js';
import type { SecretStore } from '../../shared/ports/secret-store.js';

export interface ConflictStats {
  /** Conditional writes of secret rows seen so far. */
  conditionalWrites: number;
  /** Races lost on purpose. */
  conflictsInjected: number;
  /** ConflictErrors the real store threw for them. */
  conflictsRaised: number;
  /** The description the other writer left: it must survive the rotation. */
  lastForeignDescription: string | null;
}

export interface ConflictingStore {
  store: SecretStore;
  stats: ConflictStats;
  /** Writes are counted from here on (so setting up a secret does not count). */
  arm(): void;
}

export const withConflictAt = (inner: SecretStore, failAt: number): ConflictingStore => {
  const stats: ConflictStats = { conditionalWrites: 0, conflictsInjected: 0, conflictsRaised: 0, lastForeignDescription: null };
  let armed = false;
  const isTheOne = (): boolean => armed && ++stats.conditionalWrites === failAt;

  const anotherWriterTouches = async (name: string): Promise<void> => {
    const row = await inner.getSecret(name);
    if (!row) return;
    const description = `changed-by-another-writer-at-write-${failAt}`;
    await inner.updateSecret({ ...row, description }, row.revision);
    stats.lastForeignDescription = description;
    stats.conflictsInjected++;
  };

  const updateSecret = async (secret: SecretRecord, expectedRevision: number): Promise<SecretRecord> => {
    const lose = isTheOne();
    if (lose) await anotherWriterTouches(secret.name);
    try {
      return await inner.updateSecret(secret, expectedRevision);
    } catch (error) {
      if (lose && error instanceof ConflictError) stats.conflictsRaised++;
      throw error;
    }
  };

  const deleteSecret = async (name: string, expectedRevision: number): Promise<void> => {
    const lose = isTheOne();
    if (lose) await anotherWriterTouches(name);
    try {
      return await inner.deleteSecret(name, expectedRevision);
    } catch (error) {
      if (lose && error instanceof ConflictError) stats.conflictsRaised++;
      throw error;
    }
  };

  const store = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'updateSecret') return updateSecret;
      if (property === 'deleteSecret') return deleteSecret;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    store,
    stats,
    arm: () => {
      armed = true;
    },
  };
};
