/**
 * AccessKeys other than the root key: each signs requests like an Alibaba Cloud AccessKey pair and
 * carries inline policies (RAM grammar, domain/policy) that decide what it may do. The secret half
 * is stored envelope-encrypted: it must be recoverable, because verifying an HMAC signature needs it.
 */
import { randomBytes } from 'node:crypto';
import { KmsError } from './errors.js';
import { observeSecretValue } from './secret-value-observer.js';
import type { Envelope } from './secret.js';

export const ACCESS_KEY_STATUSES = ['Active', 'Inactive'] as const;
export type AccessKeyStatus = (typeof ACCESS_KEY_STATUSES)[number];

export interface AccessKeyPolicy {
  /** Unique per key: letters, digits and "-", as RAM policy names. */
  name: string;
  /** The JSON text as it was given (and validated), returned as is by GetAccessKeyPolicy. */
  document: string;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  /** The AccessKey secret, sealed with the key provider. Never stored in plaintext. */
  sealedSecret: Envelope;
  status: AccessKeyStatus;
  description: string;
  createdAt: number;
  updatedAt: number;
  /** Ordered by name. */
  policies: AccessKeyPolicy[];
  /** Optimistic-lock counter, 1 when created; stores set it. */
  revision: number;
}

export const POLICY_NAME_FORM = /^[A-Za-z0-9-]{1,128}$/;
export const MAX_POLICIES_PER_KEY = 10;
export const MAX_ACCESS_KEY_DESCRIPTION_LENGTH = 256;

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Unbiased: bytes at or above the largest multiple of 62 are dropped. */
const randomBase62 = (length: number): string => {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += BASE62[b % 62];
    }
  }
  return out;
};

/** Shaped like an Alibaba Cloud AccessKey pair so SDKs and tools accept it. */
export const generateAccessKey = (): { accessKeyId: string; accessKeySecret: string } => ({
  accessKeyId: `LTAI${randomBase62(20)}`,
  accessKeySecret: observeSecretValue(randomBase62(30)),
});

export const accessKeyNotExist = (accessKeyId: string): KmsError =>
  new KmsError('EntityNotExist.AccessKey', 404, `The AccessKey "${accessKeyId}" does not exist.`);

export const policyNotExist = (policyName: string): KmsError =>
  new KmsError('EntityNotExist.Policy', 404, `The policy "${policyName}" does not exist on this AccessKey.`);

export const tooManyPolicies = (): KmsError =>
  new KmsError('LimitExceeded.Policy', 409, `An AccessKey holds at most ${MAX_POLICIES_PER_KEY} policies.`);
