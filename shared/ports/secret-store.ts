import type { SecretRecord, VersionRecord } from '../domain/secret.js';

export interface ListFilter {
  key: string;
  values: string[];
}

export interface ListSecretsQuery {
  offset: number;
  limit: number;
  /** Filters as KMS ListSecrets takes them; apply with domain/list-filter.ts matchesFilters. */
  filters: ListFilter[];
  /**
   * Only secrets for which this holds are listed, paged and counted (the caller's permissions).
   * Absent: every secret.
   */
  visible?: (secret: SecretRecord) => boolean;
}

export interface ListSecretsPage {
  items: SecretRecord[];
  total: number;
}

/**
 * Durable state of secrets and their versions. Every change to a secret row is a conditional
 * write on its revision; a lost race surfaces as ConflictError (domain/errors.ts), never as a
 * silent overwrite. Versions are immutable once written.
 */
export interface SecretStore {
  getSecret(name: string): Promise<SecretRecord | null>;
  /** Inserts a secret with revision 1. ConflictError when the name is taken (in any state). */
  createSecret(secret: SecretRecord): Promise<SecretRecord>;
  /**
   * Replaces the secret row if its stored revision equals expectedRevision; returns the row
   * as stored (revision = expectedRevision + 1). ConflictError otherwise, or when it is gone.
   */
  updateSecret(secret: SecretRecord, expectedRevision: number): Promise<SecretRecord>;
  /** Deletes the secret row and all its versions if the revision matches. ConflictError otherwise. */
  deleteSecret(name: string, expectedRevision: number): Promise<void>;

  /** Writes a version unless one with that id exists: 'created' or 'exists' (left unchanged). */
  putVersion(version: VersionRecord): Promise<'created' | 'exists'>;
  getVersion(secretName: string, versionId: string): Promise<VersionRecord | null>;
  /** All versions of a secret, oldest first. */
  listVersions(secretName: string): Promise<VersionRecord[]>;

  /** Secrets ordered by name, filtered, one page. */
  listSecrets(query: ListSecretsQuery): Promise<ListSecretsPage>;
  /** Secrets whose rotationDueAt (domain/secret.ts) is <= now, soonest first, at most limit. */
  listDueForRotation(now: number, limit: number): Promise<SecretRecord[]>;
  /** Secrets whose purgeDueAt is <= now, soonest first, at most limit. */
  listDueForPurge(now: number, limit: number): Promise<SecretRecord[]>;
  /** Secrets whose leaseDueAt (domain/secret.ts) is <= now: stalled rotations. Soonest first, at most limit. */
  listExpiredLeases(now: number, limit: number): Promise<SecretRecord[]>;
  /** Secrets whose driftDueAt (domain/drift.ts) is <= now, soonest first, at most limit. */
  listDueForDriftCheck(now: number, limit: number): Promise<SecretRecord[]>;
  /**
   * Rotations in flight (secrets with a job) by job.targetKind, '' for jobs without one. Reads
   * only the rows that hold a lease, never the whole table.
   */
  countRotationsInFlight(): Promise<Record<string, number>>;

  /**
   * Records a request nonce until expiresAt; false if it was already recorded and not expired.
   * Expired nonces may be forgotten.
   */
  claimNonce(nonce: string, expiresAt: number, now: number): Promise<boolean>;

  close(): Promise<void>;
}
