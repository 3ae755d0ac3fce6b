import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyProvider } from '../../shared/adapters/local-key/local-key-provider.js';
import { openSecretValue, sealSecretValue } from '../../shared/app/envelope.js';
import { KmsError } from '../../shared/domain/errors.js';
import type { Envelope } from '../../shared/domain/secret.js';
import type { DataKey, KeyContext, KeyProvider } from '../../shared/ports/key-provider.js';

const ref = { secretName: 'app/db', versionId: 'v1' };
const VALUE = '{"Accounts":[{"AccountName":"app","AccountPassword":"s3cr3t-Pässwörd-🔑"}]}';

/** Flips one bit of a base64 field. */
const flipBit = (base64: string): string => {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = (bytes[0] as number) ^ 0x01;
  return bytes.toString('base64');
};

/** A KeyProvider that records the buffers it hands out and the contexts it is asked for. */
class RecordingKeys implements KeyProvider {
  readonly handedOut: Buffer[] = [];
  readonly contexts: KeyContext[] = [];
  constructor(private readonly inner: KeyProvider) {}

  async generateDataKey(context: KeyContext): Promise<DataKey> {
    this.contexts.push(context);
    const key = await this.inner.generateDataKey(context);
    this.handedOut.push(key.plaintext);
    return key;
  }

  async decryptDataKey(keyId: string, wrapped: string, context: KeyContext): Promise<Buffer> {
    this.contexts.push(context);
    const key = await this.inner.decryptDataKey(keyId, wrapped, context);
    this.handedOut.push(key);
    return key;
  }
}

describe('secret value envelopes', () => {
  let dir: string;
  let keys: LocalKeyProvider;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rotor-envelope-'));
    keys = await LocalKeyProvider.open(dir);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const expectDecryptFailure = async (opening: Promise<string>): Promise<void> => {
    const error = await opening.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KmsError);
    expect(error).toMatchObject({
      code: 'InternalFailure',
      httpStatus: 500,
      message: 'The secret version could not be decrypted.',
    });
  };

  it('round-trips unicode text', async () => {
    const envelope = await sealSecretValue(keys, ref, VALUE);
    expect(await openSecretValue(keys, ref, envelope)).toBe(VALUE);
  });

  it('round-trips the largest value KMS accepts (30 KB) and the empty string', async () => {
    const large = 'ä'.repeat(15_360); // 30,720 bytes in UTF-8
    expect(Buffer.byteLength(large)).toBe(30_720);
    expect(await openSecretValue(keys, ref, await sealSecretValue(keys, ref, large))).toBe(large);
    expect(await openSecretValue(keys, ref, await sealSecretValue(keys, ref, ''))).toBe('');
  });

  it('produces a well-formed envelope that does not contain the value', async () => {
    const envelope = await sealSecretValue(keys, ref, VALUE);
    expect(envelope).toMatchObject({ alg: 'AES-256-GCM', keyId: keys.keyId });
    expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(envelope.tag, 'base64')).toHaveLength(16);
    const serialized = JSON.stringify(envelope);
    expect(serialized).not.toContain('s3cr3t');
    expect(Buffer.from(envelope.ciphertext, 'base64').toString('utf8')).not.toContain('s3cr3t');
  });

  it('seals the same value differently every time', async () => {
    const first = await sealSecretValue(keys, ref, VALUE);
    const second = await sealSecretValue(keys, ref, VALUE);
    expect(second.ciphertext).not.toBe(first.ciphertext);
    expect(second.iv).not.toBe(first.iv);
    expect(second.wrappedKey).not.toBe(first.wrappedKey);
  });

  it('refuses an envelope moved to another version or another secret', async () => {
    const envelope = await sealSecretValue(keys, ref, VALUE);
    await expectDecryptFailure(openSecretValue(keys, { ...ref, versionId: 'v2' }, envelope));
    await expectDecryptFailure(openSecretValue(keys, { ...ref, secretName: 'app/other' }, envelope));
  });

  it('binds name and version as separate fields: ("a", "bc") is not ("ab", "c")', async () => {
    // The data key context alone would tell these apart; test the associated data of the value too.
    const context = { secretName: 'a', versionId: 'bc' };
    const envelope = await sealSecretValue(keys, context, VALUE);
    const sameKeyOtherSplit: KeyProvider = {
      generateDataKey: (c) => keys.generateDataKey(c),
      decryptDataKey: (keyId, wrapped) => keys.decryptDataKey(keyId, wrapped, context),
    };
    expect(await openSecretValue(sameKeyOtherSplit, context, envelope)).toBe(VALUE);
    await expectDecryptFailure(openSecretValue(sameKeyOtherSplit, { secretName: 'ab', versionId: 'c' }, envelope));
  });

  it('refuses a tampered ciphertext, tag, iv or wrapped key', async () => {
    const envelope = await sealSecretValue(keys, ref, VALUE);
    const tampered: Envelope[] = [
      { ...envelope, ciphertext: flipBit(envelope.ciphertext) },
      { ...envelope, tag: flipBit(envelope.tag) },
      { ...envelope, iv: flipBit(envelope.iv) },
      { ...envelope, wrappedKey: flipBit(envelope.wrappedKey) },
      { ...envelope, tag: Buffer.from(envelope.tag, 'base64').subarray(0, 12).toString('base64') },
      { ...envelope, keyId: 'local/ffffffff' },
      { ...envelope, alg: 'AES-128-GCM' as Envelope['alg'] },
    ];
    for (const envelopeVariant of tampered) {
      await expectDecryptFailure(openSecretValue(keys, ref, envelopeVariant));
    }
  });

  it('tells a key service that did not answer (ServiceUnavailable, to retry) from an envelope that does not open', async () => {
    const envelope = await sealSecretValue(keys, ref, VALUE);
    const failingWith = (error: Error): KeyProvider => ({
      generateDataKey: (context) => keys.generateDataKey(context),
      decryptDataKey: async () => {
        throw error;
      },
    });
    const outage = Object.assign(new Error('KMS Decrypt failed: ECONNREFUSED'), { unavailable: true });
    const error = await openSecretValue(failingWith(outage), ref, envelope).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KmsError);
    expect(error).toMatchObject({ code: 'ServiceUnavailable', httpStatus: 503 });
    await expectDecryptFailure(openSecretValue(failingWith(Object.assign(new Error('KMS Decrypt failed: Rejected.ValidationFailed'), { unavailable: false })), ref, envelope));
  });

  it('asks for data keys bound to the secret name and version id', async () => {
    const recording = new RecordingKeys(keys);
    const envelope = await sealSecretValue(recording, ref, VALUE);
    await openSecretValue(recording, ref, envelope);
    expect(recording.contexts).toEqual([ref, ref]);
  });

  it('wipes the plaintext data keys after use, also when decryption fails', async () => {
    const recording = new RecordingKeys(keys);
    const envelope = await sealSecretValue(recording, ref, VALUE);
    await openSecretValue(recording, ref, envelope);
    await expectDecryptFailure(openSecretValue(recording, ref, { ...envelope, ciphertext: flipBit(envelope.ciphertext) }));
    expect(recording.handedOut).toHaveLength(3);
    for (const key of recording.handedOut) expect(key.every((byte) => byte === 0)).toBe(true);
  });
});
