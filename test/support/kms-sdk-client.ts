/**
 * The official @alicloud/kms20160120 client (1.2.0, V1 signatures over @alicloud/rpc-client),
 * pointed at a local test server over plain HTTP.
 */
import * as kmsSdk from '@alicloud/kms20160120';
import type KmsClient from '@alicloud/kms20160120';
import { unwrapCjsDefault } from './cjs-default.js';
import { secretScanHooks } from './secret-scan-hooks.js';

type KmsClientClass = typeof KmsClient;

const ClientClass = unwrapCjsDefault<KmsClientClass>(
  kmsSdk,
  (c) => typeof c === 'function' && typeof (c.prototype as { getSecretValue?: unknown }).getSecretValue === 'function',
  '@alicloud/kms20160120',
);

export { kmsSdk };
export type { KmsClient };

export const createKmsSdkClient = (port: number, accessKeyId: string, accessKeySecret: string): KmsClient =>
  reportingSecretValues(
    new ClientClass({
      accessKeyId,
      accessKeySecret,
      endpoint: `127.0.0.1:${port}`,
      protocol: 'http',
      regionId: 'cn-hangzhou',
    } as ConstructorParameters<KmsClientClass>[0]),
  );

/** Fields of requests and answers that hold secret values, for the suite's secret scan. */
const SECRET_FIELDS = ['SecretData', 'RandomPassword', 'AccessKeySecret'];

const reportFields = (value: unknown, source: string, depth = 0): void => {
  if (typeof value !== 'object' || value === null || depth > 4) return;
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'string' && SECRET_FIELDS.includes(key)) secretScanHooks.register(field, source);
    else reportFields(field, source, depth + 1);
  }
};

/**
 * Every typed SDK method goes through doRequest: the values sent and received there are the
 * ones a test handles, whichever process generated them.
 */
const reportingSecretValues = (client: KmsClient): KmsClient => {
  const doRequest = client.doRequest.bind(client) as (...args: unknown[]) => Promise<Record<string, unknown>>;
  (client as unknown as { doRequest: (...args: unknown[]) => Promise<unknown> }).doRequest = async (...args: unknown[]) => {
    reportFields(args[5], 'sent through the KMS SDK');
    const result = await doRequest(...args);
    reportFields(result, 'received through the KMS SDK');
    return result;
  };
  return client;
};

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
