/**
 * KeyProvider on Alibaba Cloud KMS: each version's data key comes from GenerateDataKey under the
 * configured master key (AES_256) and is unwrapped with Decrypt. The key context travels as the
 * KMS EncryptionContext, so a wrapped key only unwraps for the secret and version it was made for.
 */
import type { DataKey, KeyContext, KeyProvider } from '../../ports/key-provider.js';
import type { KmsDataKeyClient } from './kms-client.js';

export interface KmsKeyProviderOptions {
  /** The master key: id, ARN or alias (alias/...). */
  keyId: string;
  client: KmsDataKeyClient;
}

const DATA_KEY_BYTES = 32;

/** Sorted keys, so the same context is the same JSON whatever order it was built in; none when empty. */
const encryptionContextOf = (context: KeyContext): string | undefined => {
  const keys = Object.keys(context).sort();
  if (keys.length === 0) return undefined;
  return JSON.stringify(Object.fromEntries(keys.map((key) => [key, context[key]])));
};

const dataKeyBytes = (base64: string): Buffer => {
  const plaintext = Buffer.from(base64, 'base64');
  if (plaintext.length !== DATA_KEY_BYTES) {
    plaintext.fill(0);
    throw new Error(`KMS returned a data key of ${plaintext.length} bytes, not ${DATA_KEY_BYTES}.`);
  }
  return plaintext;
};

export class KmsKeyProvider implements KeyProvider {
  readonly keyId: string;
  private readonly client: KmsDataKeyClient;

  constructor(options: KmsKeyProviderOptions) {
    if (options.keyId.trim() === '') throw new Error('The KMS key id must not be empty.');
    this.keyId = options.keyId;
    this.client = options.client;
  }

  async generateDataKey(context: KeyContext): Promise<DataKey> {
    const out = await this.client.generateDataKey({
      keyId: this.keyId,
      keySpec: 'AES_256',
      encryptionContext: encryptionContextOf(context),
    });
    // The key id KMS answers with, not the configured one: an alias may later point elsewhere.
    return { keyId: out.keyId, plaintext: dataKeyBytes(out.plaintext), wrapped: out.ciphertextBlob };
  }

  async decryptDataKey(keyId: string, wrapped: string, context: KeyContext): Promise<Buffer> {
    const out = await this.client.decrypt({ ciphertextBlob: wrapped, encryptionContext: encryptionContextOf(context) });
    const plaintext = dataKeyBytes(out.plaintext);
    if (out.keyId !== keyId) {
      plaintext.fill(0);
      throw new Error(`The data key was recorded as wrapped under ${keyId}, but KMS unwrapped it with ${out.keyId}.`);
    }
    return plaintext;
  }
}
