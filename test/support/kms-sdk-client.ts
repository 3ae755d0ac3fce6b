/**
 * The official @alicloud/kms20160120 client (1.2.0, V1 signatures over @alicloud/rpc-client),
 * pointed at a local test server over plain HTTP.
 */
import * as kmsSdk from '@alicloud/kms20160120';
import type KmsClient from '@alicloud/kms20160120';
import { unwrapCjsDefault } from './cjs-default.js';

type KmsClientClass = typeof KmsClient;

const ClientClass = unwrapCjsDefault<KmsClientClass>(
  kmsSdk,
  (c) => typeof c === 'function' && typeof (c.prototype as { getSecretValue?: unknown }).getSecretValue === 'function',
  '@alicloud/kms20160120',
);

export { kmsSdk };
export type { KmsClient };

export const createKmsSdkClient = (port: number, accessKeyId: string, accessKeySecret: string): KmsClient =>
  new ClientClass({
    accessKeyId,
    accessKeySecret,
    endpoint: `127.0.0.1:${port}`,
    protocol: 'http',
    regionId: 'cn-hangzhou',
  } as ConstructorParameters<KmsClientClass>[0]);

/**
 * Calls any action through the SDK's own transport and signer (doRequest), for actions and
 * parameters that SDK 1.2.0 has no typed method for (RotateSecret, Filters, ExtendedConfig ...).
 */
export const callAction = (
  client: KmsClient,
  action: string,
  query: Record<string, string>,
): Promise<Record<string, unknown>> =>
  client.doRequest(action, 'HTTPS', 'POST', '2016-01-20', 'AK', query, null as never, {} as never);

/** The error the SDK throws for a 4xx/5xx: code is `${Code}Error`, data is the parsed body. */
export interface SdkError {
  code: string;
  message: string;
  data: { RequestId: string; HttpStatus: number; Code: string; Message: string };
}

export const sdkErrorOf = async (call: Promise<unknown>): Promise<SdkError> => {
  try {
    await call;
  } catch (e) {
    return e as SdkError;
  }
  throw new Error('expected the SDK call to fail');
};
