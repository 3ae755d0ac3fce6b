import { randomBytes } from 'node:crypto';
import { invalidParameter, keyNotFound, missingParameter } from './errors.js';
import type { MasterKey } from './master-key.js';
import { readEncryptionContext } from './params.js';

export type KmsResult = Record<string, string>;
export type KmsOperation = (params: Record<string, string>, key: MasterKey) => KmsResult;

const KEY_SPEC_BYTES: Record<string, number> = { AES_256: 32, AES_128: 16 };
const DEFAULT_DATA_KEY_BYTES = 32;

/** NumberOfBytes (1–1024) wins over KeySpec when both are given; neither means a 256-bit key. */
function dataKeyLength(params: Record<string, string>): number {
  const numberOfBytes = params.NumberOfBytes;
  if (numberOfBytes !== undefined && numberOfBytes !== '') {
    const length = Number(numberOfBytes);
    if (!Number.isInteger(length) || length < 1 || length > 1024) throw invalidParameter('NumberOfBytes');
    return length;
  }
  const keySpec = params.KeySpec;
  if (keySpec === undefined || keySpec === '') return DEFAULT_DATA_KEY_BYTES;
  const length = KEY_SPEC_BYTES[keySpec];
  if (length === undefined) throw invalidParameter('KeySpec');
  return length;
}

export function generateDataKey(params: Record<string, string>, key: MasterKey): KmsResult {
  const keyId = params.KeyId;
  if (!keyId) throw missingParameter('KeyId');
  if (!key.matches(keyId)) throw keyNotFound();
  const plaintext = randomBytes(dataKeyLength(params));
  try {
    return {
      KeyId: key.keyId,
      KeyVersionId: key.keyVersionId,
      Plaintext: plaintext.toString('base64'),
      CiphertextBlob: key.encrypt(plaintext, readEncryptionContext(params)),
    };
  } finally {
    plaintext.fill(0);
  }
}

export function decrypt(params: Record<string, string>, key: MasterKey): KmsResult {
  const ciphertextBlob = params.CiphertextBlob;
  if (!ciphertextBlob) throw missingParameter('CiphertextBlob');
  const plaintext = key.decrypt(ciphertextBlob, readEncryptionContext(params));
  try {
    return { KeyId: key.keyId, KeyVersionId: key.keyVersionId, Plaintext: plaintext.toString('base64') };
  } finally {
    plaintext.fill(0);
  }
}

export const KMS_OPERATIONS: Record<string, KmsOperation> = {
  GenerateDataKey: generateDataKey,
  Decrypt: decrypt,
};
