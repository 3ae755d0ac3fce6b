import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rpcSignatureV1, startKmsKeyServer, type KmsKeyTestServer } from './index.js';

// Loaded with require: the packages are CommonJS with a `default` export, which ESM import interop
// would wrap once more. The types still come from the packages' own declarations.
const require = createRequire(import.meta.url);
const kmsSdk = require('@alicloud/kms20160120') as typeof import('@alicloud/kms20160120');
const rpcClient = require('@alicloud/rpc-client') as typeof import('@alicloud/rpc-client');
type KmsClient = InstanceType<typeof kmsSdk.default>;

function clientFor(
  server: KmsKeyTestServer,
  overrides: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string } = {},
): KmsClient {
  return new kmsSdk.default(
    new rpcClient.Config({
      accessKeyId: overrides.accessKeyId ?? server.accessKeyId,
      accessKeySecret: overrides.accessKeySecret ?? server.accessKeySecret,
      securityToken: overrides.securityToken,
      endpoint: server.endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
    }),
  );
}

/** Runs `call` and returns what it rejected with; fails the test if it resolved. */
async function rejectionOf(call: Promise<unknown>): Promise<{ code?: string; data?: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    return error as { code?: string; data?: Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}

const context = { secretName: 'db/primary', versionId: 'v-0001' };

describe('KMS data-key test server with the real @alicloud/kms20160120 client', () => {
  let server: KmsKeyTestServer;
  let kms: KmsClient;

  beforeEach(async () => {
    server = await startKmsKeyServer();
    kms = clientFor(server);
  });

  afterEach(async () => {
    await server.stop();
  });

  it('generates a 256-bit data key and decrypts its blob under the same EncryptionContext', async () => {
    const generated = await kms.generateDataKey(
      new kmsSdk.GenerateDataKeyRequest({ keyId: server.keyId, keySpec: 'AES_256', encryptionContext: context }),
    );
    expect(generated.keyId).toBe(server.keyId);
    expect(generated.keyVersionId).toBe(server.keyVersionId);
    expect(generated.requestId).toMatch(/^[0-9A-F-]{36}$/);
    const dataKey = Buffer.from(generated.plaintext, 'base64');
    expect(dataKey).toHaveLength(32);
    expect(generated.ciphertextBlob).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(generated.ciphertextBlob, 'base64').includes(dataKey)).toBe(false);

    const decrypted = await kms.decrypt(
      new kmsSdk.DecryptRequest({ ciphertextBlob: generated.ciphertextBlob, encryptionContext: { ...context } }),
    );
    expect(Buffer.from(decrypted.plaintext, 'base64').equals(dataKey)).toBe(true);
    expect(decrypted.keyId).toBe(server.keyId);
    expect(decrypted.keyVersionId).toBe(server.keyVersionId);
    expect(server.calls).toEqual([{ action: 'GenerateDataKey' }, { action: 'Decrypt' }]);
  });

  it('sizes the data key by KeySpec, or by NumberOfBytes which wins over KeySpec', async () => {
    const sizeOf = async (request: Record<string, unknown>): Promise<number> => {
      const result = await kms.generateDataKey(new kmsSdk.GenerateDataKeyRequest({ keyId: server.keyId, ...request }));
      return Buffer.from(result.plaintext, 'base64').length;
    };
    expect(await sizeOf({})).toBe(32);
    expect(await sizeOf({ keySpec: 'AES_128' })).toBe(16);
    expect(await sizeOf({ keySpec: 'AES_128', numberOfBytes: 64 })).toBe(64);

    const badSpec = await rejectionOf(sizeOf({ keySpec: 'AES_512' }));
    expect(badSpec.code).toBe('InvalidParameterError');
    const tooLong = await rejectionOf(sizeOf({ numberOfBytes: 1025 }));
    expect(tooLong.code).toBe('InvalidParameterError');
  });

  it('refuses to decrypt under a different, missing or extended EncryptionContext', async () => {
    const { ciphertextBlob } = await kms.generateDataKey(
      new kmsSdk.GenerateDataKeyRequest({ keyId: server.keyId, encryptionContext: context }),
    );
    for (const wrong of [{ ...context, versionId: 'v-0002' }, undefined, { ...context, extra: 'x' }]) {
      const error = await rejectionOf(kms.decrypt(new kmsSdk.DecryptRequest({ ciphertextBlob, encryptionContext: wrong })));
      expect(error.code).toBe('Rejected.ValidationFailedError');
      expect(error.data).toMatchObject({ HttpStatus: 400, Code: 'Rejected.ValidationFailed' });
      expect(error.data?.RequestId).toEqual(expect.any(String));
    }
  });

  it('treats the documented JSON-string context and the SDK-flattened map as the same context', async () => {
    // The API documents EncryptionContext as a JSON string; SDK 1.2.0 flattens a map into
    // EncryptionContext.<key> parameters. A caller may pass either; key order does not matter.
    const { ciphertextBlob } = await kms.generateDataKey(
      new kmsSdk.GenerateDataKeyRequest({
        keyId: server.keyId,
        encryptionContext: JSON.stringify({ versionId: 'v-0001', secretName: 'db/primary' }) as unknown as Record<string, string>,
      }),
    );
    const decrypted = await kms.decrypt(new kmsSdk.DecryptRequest({ ciphertextBlob, encryptionContext: context }));
    expect(Buffer.from(decrypted.plaintext, 'base64')).toHaveLength(32);
  });

  it('accepts the key ARN and answers Forbidden.KeyNotFound (404) for another key', async () => {
    const byArn = await kms.generateDataKey(
      new kmsSdk.GenerateDataKeyRequest({ keyId: `acs:kms:cn-hangzhou:1000000000000001:key/${server.keyId}` }),
    );
    expect(byArn.keyId).toBe(server.keyId);

    const error = await rejectionOf(kms.generateDataKey(new kmsSdk.GenerateDataKeyRequest({ keyId: randomUUID() })));
    expect(error.code).toBe('Forbidden.KeyNotFoundError');
    expect(error.data).toMatchObject({ HttpStatus: 404, Code: 'Forbidden.KeyNotFound' });

    const otherServer = await startKmsKeyServer();
    try {
      const foreign = await clientFor(otherServer).generateDataKey(
        new kmsSdk.GenerateDataKeyRequest({ keyId: otherServer.keyId }),
      );
      const foreignBlob = await rejectionOf(kms.decrypt(new kmsSdk.DecryptRequest({ ciphertextBlob: foreign.ciphertextBlob })));
      expect(foreignBlob.code).toBe('Forbidden.KeyNotFoundError');
    } finally {
      await otherServer.stop();
    }
  });

  it('rejects a tampered blob and a blob that is not one of ours', async () => {
    const { ciphertextBlob } = await kms.generateDataKey(new kmsSdk.GenerateDataKeyRequest({ keyId: server.keyId }));
    const bytes = Buffer.from(ciphertextBlob, 'base64');
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0x01;
    const tampered = await rejectionOf(kms.decrypt(new kmsSdk.DecryptRequest({ ciphertextBlob: bytes.toString('base64') })));
    expect(tampered.code).toBe('Rejected.ValidationFailedError');

    const garbage = await rejectionOf(kms.decrypt(new kmsSdk.DecryptRequest({ ciphertextBlob: 'bm90IGEgYmxvYg==' })));
    expect(garbage.code).toBe('InvalidParameterError');
  });

  it('rejects a wrong secret (IncompleteSignature) and an unknown AccessKeyId, recording no call', async () => {
    const wrongSecret = await rejectionOf(
      clientFor(server, { accessKeySecret: 'not-the-secret' }).generateDataKey(
        new kmsSdk.GenerateDataKeyRequest({ keyId: server.keyId }),
      ),
    );
    expect(wrongSecret.code).toBe('IncompleteSignatureError');
    expect(wrongSecret.data).toMatchObject({ HttpStatus: 400, Code: 'IncompleteSignature' });

    const wrongKey = await rejectionOf(
      clientFor(server, { accessKeyId: 'someone-else' }).generateDataKey(
        new kmsSdk.GenerateDataKeyRequest({ keyId: server.keyId }),
      ),
    );
    expect(wrongKey.code).toBe('InvalidAccessKeyId.NotFoundError');
    expect(server.calls).toEqual([]);
  });

  describe('with STS credentials', () => {
    let sts: KmsKeyTestServer;

    beforeEach(async () => {
      sts = await startKmsKeyServer({ accessKeyId: 'STS.test', accessKeySecret: 'sts-secret', securityToken: 'token-1' });
    });

    afterEach(async () => {
      await sts.stop();
    });

    it('requires the configured SecurityToken', async () => {
      const request = (): InstanceType<typeof kmsSdk.GenerateDataKeyRequest> =>
        new kmsSdk.GenerateDataKeyRequest({ keyId: sts.keyId });
      const ok = await clientFor(sts, { securityToken: 'token-1' }).generateDataKey(request());
      expect(ok.keyId).toBe(sts.keyId);

      const wrong = await rejectionOf(clientFor(sts, { securityToken: 'token-2' }).generateDataKey(request()));
      expect(wrong.code).toBe('InvalidSecurityToken.MismatchWithAccessKeyError');
      const missing = await rejectionOf(clientFor(sts).generateDataKey(request()));
      expect(missing.code).toBe('MissingSecurityTokenError');
      expect(sts.calls).toEqual([{ action: 'GenerateDataKey' }]);
    });
  });

  describe('raw RPC requests', () => {
    function signedParams(params: Record<string, string>): Record<string, string> {
      const common = {
        Format: 'JSON',
        Version: '2016-01-20',
        AccessKeyId: server.accessKeyId,
        SignatureMethod: 'HMAC-SHA1',
        SignatureVersion: '1.0',
        SignatureNonce: randomUUID(),
        Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ...params,
      };
      return { ...common, Signature: rpcSignatureV1('POST', common, server.accessKeySecret) };
    }

    async function post(query: Record<string, string>, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
      const response = await fetch(`http://${server.endpoint}/?${new URLSearchParams(query).toString()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    it('merges query and form-body parameters, signed together', async () => {
      const params = signedParams({ Action: 'GenerateDataKey', KeyId: server.keyId, NumberOfBytes: '24', EncryptionContext: '{"a":"b c"}' });
      const { Action, KeyId, NumberOfBytes, EncryptionContext, ...common } = params;
      const result = await post(common, { Action: Action ?? '', KeyId: KeyId ?? '', NumberOfBytes: NumberOfBytes ?? '', EncryptionContext: EncryptionContext ?? '' });
      expect(result.status).toBe(200);
      expect(Buffer.from(String(result.body.Plaintext), 'base64')).toHaveLength(24);

      const decrypted = await kms.decrypt(
        new kmsSdk.DecryptRequest({ ciphertextBlob: String(result.body.CiphertextBlob), encryptionContext: { a: 'b c' } }),
      );
      expect(decrypted.plaintext).toBe(result.body.Plaintext);
    });

    it('answers KMS error JSON for a replayed nonce, a missing parameter and an unknown action', async () => {
      const params = signedParams({ Action: 'GenerateDataKey', KeyId: server.keyId });
      expect((await post(params, {})).status).toBe(200);
      const replay = await post(params, {});
      expect(replay).toEqual({
        status: 400,
        body: {
          RequestId: expect.any(String),
          HttpStatus: 400,
          Code: 'SignatureNonceUsed',
          Message: 'Specified signature nonce was used already.',
        },
      });

      const missing = await post(signedParams({ Action: 'Decrypt' }), {});
      expect(missing.body).toMatchObject({ HttpStatus: 400, Code: 'MissingParameter' });
      expect(missing.body.Message).toBe('The parameter "CiphertextBlob" is needed but not provided.');

      const unknown = await post(signedParams({ Action: 'Encrypt', KeyId: server.keyId, Plaintext: 'eA==' }), {});
      expect(unknown).toMatchObject({ status: 404, body: { Code: 'InvalidAction.NotFound' } });
    });

    it('rejects a request whose parameters were altered after signing', async () => {
      const params = signedParams({ Action: 'GenerateDataKey', KeyId: server.keyId, NumberOfBytes: '16' });
      const altered = await post({ ...params, NumberOfBytes: '32' }, {});
      expect(altered).toMatchObject({ status: 400, body: { Code: 'IncompleteSignature' } });
    });
  });
});

describe('RPC signature V1', () => {
  // The KMS "Signature" reference prints a StringToSign whose pair separators are a bare `&` and
  // gives s/OdVWMTmNGagvWlljdAJ7Itsew= for it; the rule (and rpc-client) percent-encode the whole
  // canonical query, so separators are %26. That yields 41wk2SSX1GJh7fwnc5eqOfiJPFg=, the Signature
  // in the same page's signed example URL.
  it('reproduces the signed example URL of the KMS signature reference', () => {
    const params = {
      Action: 'CreateKey',
      SignatureVersion: '1.0',
      Format: 'json',
      Version: '2016-01-20',
      AccessKeyId: 'testid',
      SignatureMethod: 'HMAC-SHA1',
      Timestamp: '2016-03-28T03:13:08Z',
    };
    expect(rpcSignatureV1('GET', params, 'testsecret')).toBe('41wk2SSX1GJh7fwnc5eqOfiJPFg=');
  });
});
