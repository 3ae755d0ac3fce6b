import type { AccessKeyRecord } from '../domain/access-key.js';

/**
 * Durable AccessKeys with their inline policies. Changes to a key are conditional writes on its
 * revision; a lost race is a ConflictError (domain/errors.ts), never a silent overwrite. The store
 * keeps the sealed secret as it is given and never sees the plaintext.
 */
export interface AccessKeyStore {
  /** Inserts with revision 1. ConflictError when the id is taken. */
  createAccessKey(key: AccessKeyRecord): Promise<AccessKeyRecord>;
  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | null>;
  /** Every key, oldest first (ties by id). */
  listAccessKeys(): Promise<AccessKeyRecord[]>;
  /**
   * Replaces the key if its stored revision equals expectedRevision and returns it as stored
   * (revision + 1). ConflictError otherwise, or when it is gone.
   */
  updateAccessKey(key: AccessKeyRecord, expectedRevision: number): Promise<AccessKeyRecord>;
  /** Deletes the key and its policies; false when there was no such key. */
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
  close(): Promise<void>;
}
