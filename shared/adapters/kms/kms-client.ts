/**
 * The KMS client the key provider depends on: GenerateDataKey and Decrypt, as an interface, built
 * on `@alicloud/kms20160120` (V1 RPC signatures). The SDK client is rebuilt only when the
 * credentials change (Function Compute hands out new STS credentials every so often).
 */
import * as kmsSdk from '@alicloud/kms20160120';
import type KmsSdkClient from '@alicloud/kms20160120';
import {
  clientPerCredentials,
  type CloudCredentials,
  type CredentialsProvider,
} from '../support/cloud-credentials.js';
import type { UnavailableMark } from '../../ports/unavailable.js';

export interface GenerateDataKeyInput {
  /** A key id, ARN or alias. */
  keyId: string;
  keySpec: 'AES_256' | 'AES_128';
  /** A JSON object string, as the KMS API documents it; absent for no context. */
  encryptionContext?: string;
}

export interface GenerateDataKeyOutput {
  /** The key's id (an alias given as input comes back resolved). */
  keyId: string;
  /** The data key, base64. */
  plaintext: string;
  ciphertextBlob: string;
}

export interface DecryptInput {
  ciphertextBlob: string;
  encryptionContext?: string;
}

export interface DecryptOutput {
  keyId: string;
  plaintext: string;
}

export interface KmsDataKeyClient {
  generateDataKey(input: GenerateDataKeyInput): Promise<GenerateDataKeyOutput>;
  decrypt(input: DecryptInput): Promise<DecryptOutput>;
}

export interface KmsConnection {
  /**
   * kms.<region>.aliyuncs.com (kms-vpc.<region>.aliyuncs.com inside a VPC), or a URL such as
   * http://127.0.0.1:9100 whose scheme sets the protocol.
   */
  endpoint: string;
  /** Used when the endpoint has no scheme. Default https. */
  protocol?: 'http' | 'https';
  regionId?: string;
}

/** A KMS call failed. Carries KMS's code and request id; never the request (it holds credentials). */
export class KmsCallError extends Error implements UnavailableMark {
  /** KMS did not answer, or answered that it is throttling or failing: worth the same call later. */
  readonly unavailable: boolean;

  constructor(
    readonly action: string,
    readonly code: string,
    readonly httpStatus: number | undefined,
    readonly requestId: string | undefined,
    detail: string,
  ) {
    super(`KMS ${action} failed: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'KmsCallError';
    this.unavailable = httpStatus === undefined ? code !== 'MalformedResponse' : httpStatus >= 500 || code.startsWith('Throttling') || code === 'Rejected.Throttling';
  }
}

type SdkClient = Pick<KmsSdkClient, 'generateDataKey' | 'decrypt'>;

/** Builds the SDK client for one set of credentials; the default builds the real one. */
export type KmsSdkClientBuilder = (credentials: CloudCredentials, connection: KmsConnection) => SdkClient;

type SdkModule = typeof kmsSdk & { default?: unknown };

/**
 * The package is CommonJS with `exports.default = Client`; depending on the loader the class is
 * one or two `default`s deep.
 */
const sdkClientClass = (): typeof KmsSdkClient => {
  const mod = kmsSdk as SdkModule;
  const outer = mod.default as { default?: unknown } | undefined;
  const found = [outer, outer?.default].find(
    (candidate) => typeof candidate === 'function' && 'generateDataKey' in (candidate as { prototype: object }).prototype,
  );
  if (!found) throw new Error('@alicloud/kms20160120 has no usable Client export.');
  return found as typeof KmsSdkClient;
};

const splitEndpoint = (connection: KmsConnection): { host: string; protocol: 'http' | 'https' } => {
  const scheme = /^(https?):\/\/([^/]+)\/?$/.exec(connection.endpoint);
  if (scheme) return { protocol: scheme[1] as 'http' | 'https', host: scheme[2] as string };
  if (connection.endpoint.includes('/')) throw new Error('The KMS endpoint must be a host name or http(s)://host.');
  return { host: connection.endpoint, protocol: connection.protocol ?? 'https' };
};

export const buildKmsSdkClient: KmsSdkClientBuilder = (credentials, connection) => {
  const { host, protocol } = splitEndpoint(connection);
  const Client = sdkClientClass();
  return new Client({
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
    endpoint: host,
    protocol,
    regionId: connection.regionId ?? 'cn-hangzhou',
  } as ConstructorParameters<typeof KmsSdkClient>[0]);
};

const translateError = (action: string, error: unknown): KmsCallError => {
  const e = error as { code?: unknown; data?: Record<string, unknown> } | null;
  const data = e?.data;
  if (data && typeof data.Code === 'string') {
    const status = typeof data.HttpStatus === 'number' ? data.HttpStatus : undefined;
    const requestId = typeof data.RequestId === 'string' ? data.RequestId : undefined;
    return new KmsCallError(action, data.Code, status, requestId, typeof data.Message === 'string' ? data.Message : '');
  }
  // No answer from KMS: a network error (its code, e.g. ECONNREFUSED) or the SDK giving up.
  const code = typeof e?.code === 'string' ? e.code : 'Unavailable';
  return new KmsCallError(action, code, undefined, undefined, '');
};

const stringField = (action: string, value: unknown, name: string): string => {
  if (typeof value !== 'string' || value === '') throw new KmsCallError(action, 'MalformedResponse', undefined, undefined, `no ${name}`);
  return value;
};

/** One KMS data-key client; every call uses the SDK client for the credentials of the moment. */
export const createKmsClient = (
  connection: KmsConnection,
  credentials: CredentialsProvider,
  build: KmsSdkClientBuilder = buildKmsSdkClient,
): KmsDataKeyClient => {
  splitEndpoint(connection); // a bad endpoint fails at wiring time, not at the first secret
  const current = clientPerCredentials(credentials, (creds) => build(creds, connection));
  const call = async <T>(action: string, run: (client: SdkClient) => Promise<T>): Promise<T> => {
    const client = await current();
    try {
      return await run(client);
    } catch (error) {
      throw translateError(action, error);
    }
  };

  return {
    generateDataKey: async (input) => {
      const out = await call('GenerateDataKey', (client) =>
        // The SDK types EncryptionContext as a map, which it would flatten into
        // EncryptionContext.<key> parameters; the API documents a JSON string, which it passes as is.
        client.generateDataKey(new kmsSdk.GenerateDataKeyRequest({ ...input })),
      );
      return {
        keyId: stringField('GenerateDataKey', out.keyId, 'KeyId'),
        plaintext: stringField('GenerateDataKey', out.plaintext, 'Plaintext'),
        ciphertextBlob: stringField('GenerateDataKey', out.ciphertextBlob, 'CiphertextBlob'),
      };
    },
    decrypt: async (input) => {
      const out = await call('Decrypt', (client) => client.decrypt(new kmsSdk.DecryptRequest({ ...input })));
      return { keyId: stringField('Decrypt', out.keyId, 'KeyId'), plaintext: stringField('Decrypt', out.plaintext, 'Plaintext') };
    },
  };
};
