import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleKmsRequest } from './http.js';
import { MasterKey } from './master-key.js';

export { canonicalizedQuery, percentEncode, rpcSignatureV1, rpcStringToSign } from './signature.js';

export interface StartKmsKeyServerOptions {
  accessKeyId?: string;
  accessKeySecret?: string;
  /** When set, requests must carry this SecurityToken, as with STS credentials. */
  securityToken?: string;
  port?: number;
}

export interface KmsKeyTestServer {
  /** host:port, the form `@alicloud/kms20160120` takes as `endpoint` (with protocol "http"). */
  endpoint: string;
  port: number;
  /** The one master key this server holds. */
  keyId: string;
  keyVersionId: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Every authenticated request, in arrival order, whatever its outcome. */
  calls: Array<{ action: string }>;
  stop(): Promise<void>;
}

export const DEFAULT_KMS_ACCESS_KEY_ID = 'test-kms-access-key-id';
export const DEFAULT_KMS_ACCESS_KEY_SECRET = 'test-kms-access-key-secret';

export async function startKmsKeyServer(options: StartKmsKeyServerOptions = {}): Promise<KmsKeyTestServer> {
  const credentials = {
    accessKeyId: options.accessKeyId ?? DEFAULT_KMS_ACCESS_KEY_ID,
    accessKeySecret: options.accessKeySecret ?? DEFAULT_KMS_ACCESS_KEY_SECRET,
    securityToken: options.securityToken,
  };
  const key = new MasterKey();
  const calls: Array<{ action: string }> = [];
  const usedNonces = new Set<string>();

  const server = createServer((request, response) => {
    void handleKmsRequest(request, response, { credentials, key, usedNonces, calls });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `127.0.0.1:${port}`,
    port,
    keyId: key.keyId,
    keyVersionId: key.keyVersionId,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    calls,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
