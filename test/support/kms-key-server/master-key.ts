import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { ciphertextValidationFailed, invalidParameter, keyNotFound } from './errors.js';
import { canonicalEncryptionContext, type EncryptionContext } from './params.js';

const VERSION_ID_LENGTH = 36;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * One AES-256 master key version held in memory. A ciphertext blob is
 *   keyVersionId (36 ASCII bytes) | IV (12) | AES-256-GCM ciphertext | tag (16), base64-encoded,
 * so Decrypt needs no KeyId (real KMS blobs likewise start with the key version id). The associated
 * data is the key version id plus the canonical EncryptionContext, so any other context fails.
 */
export class MasterKey {
  readonly keyId = randomUUID();
  readonly keyVersionId = randomUUID();
  private readonly key = randomBytes(32);

  /** Accepts the key id or its ARN (`acs:kms:<region>:<uid>:key/<keyId>`). */
  matches(keyIdOrArn: string): boolean {
    return keyIdOrArn === this.keyId || keyIdOrArn.endsWith(`:key/${this.keyId}`);
  }

  encrypt(plaintext: Buffer, context: EncryptionContext): string {
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(this.associatedData(context));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from(this.keyVersionId, 'ascii'), iv, sealed, cipher.getAuthTag()]).toString('base64');
  }

  decrypt(ciphertextBlob: string, context: EncryptionContext): Buffer {
    const blob = decodeBlob(ciphertextBlob);
    const versionId = blob.subarray(0, VERSION_ID_LENGTH).toString('ascii');
    if (!UUID_PATTERN.test(versionId)) throw invalidParameter('CiphertextBlob');
    if (versionId !== this.keyVersionId) throw keyNotFound();
    const iv = blob.subarray(VERSION_ID_LENGTH, VERSION_ID_LENGTH + IV_LENGTH);
    const sealed = blob.subarray(VERSION_ID_LENGTH + IV_LENGTH, blob.length - TAG_LENGTH);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(this.associatedData(context));
    decipher.setAuthTag(blob.subarray(blob.length - TAG_LENGTH));
    try {
      return Buffer.concat([decipher.update(sealed), decipher.final()]);
    } catch {
      throw ciphertextValidationFailed();
    }
  }

  private associatedData(context: EncryptionContext): Buffer {
    return Buffer.from(`${this.keyVersionId}\n${canonicalEncryptionContext(context)}`, 'utf8');
  }
}

function decodeBlob(ciphertextBlob: string): Buffer {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(ciphertextBlob)) throw invalidParameter('CiphertextBlob');
  const blob = Buffer.from(ciphertextBlob, 'base64');
  if (blob.length <= VERSION_ID_LENGTH + IV_LENGTH + TAG_LENGTH) throw invalidParameter('CiphertextBlob');
  return blob;
}
