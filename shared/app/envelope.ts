/**
 * Envelope encryption of secret values: a fresh data key per version, AES-256-GCM, the secret
 * name and version id bound as associated data so a ciphertext cannot be moved to another
 * version or secret and still decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KmsError, serviceUnavailable } from '../domain/errors.js';
import { isServiceUnavailable } from '../ports/unavailable.js';
import type { Envelope } from '../domain/secret.js';
import type { KeyContext, KeyProvider } from '../ports/key-provider.js';

export interface VersionRef {
  secretName: string;
  versionId: string;
}

const ALG = 'AES-256-GCM';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Names this use of the key; change it only together with a way to read old envelopes. */
const AAD_LABEL = 'secret-rotor/secret-value/v1';

/**
 * What an envelope is bound to: a label naming the use of the key, the fields that identify the
 * sealed thing (associated data), and the key provider's context for its data key.
 */
export interface EnvelopeBinding {
  label: string;
  fields: readonly string[];
  context: KeyContext;
}

/** Each field length-prefixed, so ("a", "bc") and ("ab", "c") bind differently. */
const associatedData = (binding: EnvelopeBinding): Buffer =>
  Buffer.concat(
    [binding.label, ...binding.fields].flatMap((field) => {
      const bytes = Buffer.from(field, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return [length, bytes];
    }),
  );

const secretValueBinding = (ref: VersionRef): EnvelopeBinding => ({
  label: AAD_LABEL,
  fields: [ref.secretName, ref.versionId],
  context: { secretName: ref.secretName, versionId: ref.versionId },
});

const decryptionFailed = (): KmsError =>
  new KmsError('InternalFailure', 500, 'The secret version could not be decrypted.');

export const sealSecretValue = (keys: KeyProvider, ref: VersionRef, plaintext: string): Promise<Envelope> =>
  sealEnvelope(keys, secretValueBinding(ref), plaintext);

/** The plaintext of an envelope; any failure (wrong key, moved, tampered) is one opaque error. */
export const openSecretValue = (keys: KeyProvider, ref: VersionRef, envelope: Envelope): Promise<string> =>
  openEnvelope(keys, secretValueBinding(ref), envelope, decryptionFailed);

/** Seals under a fresh data key, AES-256-GCM with the binding as associated data. */
export const sealEnvelope = async (keys: KeyProvider, binding: EnvelopeBinding, plaintext: string): Promise<Envelope> => {
  const dataKey = await keys.generateDataKey(binding.context);
  const plainBytes = Buffer.from(plaintext, 'utf8');
  try {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, dataKey.plaintext, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(binding));
    const ciphertext = Buffer.concat([cipher.update(plainBytes), cipher.final()]);
    return {
      alg: ALG,
      keyId: dataKey.keyId,
      wrappedKey: dataKey.wrapped,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  } finally {
    dataKey.plaintext.fill(0);
    plainBytes.fill(0);
  }
};

/** Opens an envelope sealed with the same binding; any failure is `failure()`, whose message is fixed. */
export const openEnvelope = async (
  keys: KeyProvider,
  binding: EnvelopeBinding,
  envelope: Envelope,
  failure: () => KmsError,
): Promise<string> => {
  let dataKey: Buffer | undefined;
  let plainBytes: Buffer | undefined;
  try {
    if (envelope.alg !== ALG) throw failure();
    dataKey = await keys.decryptDataKey(envelope.keyId, envelope.wrappedKey, binding.context);
    const iv = Buffer.from(envelope.iv, 'base64');
    const tag = Buffer.from(envelope.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw failure();
    const decipher = createDecipheriv(CIPHER, dataKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(binding));
    decipher.setAuthTag(tag);
    plainBytes = Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]);
    return plainBytes.toString('utf8');
  } catch (error) {
    // The key service not answering is an outage to retry, not a broken envelope.
    if (isServiceUnavailable(error)) throw serviceUnavailable();
    // The cause may quote key material or data; callers get a fixed message only.
    throw failure();
  } finally {
    dataKey?.fill(0);
    plainBytes?.fill(0);
  }
};
