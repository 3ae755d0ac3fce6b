/**
 * The official KMS SDK (@alicloud/kms20160120) as the CLI's only transport, so the CLI works against
 * secret-rotor and against Alibaba Cloud KMS alike. Actions the SDK has no typed method for
 * (RotateSecret, the AccessKey admin API) go through its own signed `doRequest`.
 */
import { describeFailure } from './failure.js';
import { CliError } from './exit-codes.js';
import type { Connection } from './settings.js';

export const KMS_API_VERSION = '2016-01-20';

export type ApiParams = Record<string, string | undefined>;
export type ApiResponse = Record<string, unknown>;

export interface KmsApi {
  readonly endpoint: string;
  /** Calls an action; failures arrive as CliErrors with the right exit code and a redacted message. */
  call(action: string, params?: ApiParams): Promise<ApiResponse>;
}

type SdkClient = {
  doRequest(
    action: string,
    protocol: string,
    method: string,
    version: string,
    authType: string,
    query: Record<string, string>,
    body: Record<string, string> | null,
    runtime: Record<string, unknown>,
  ): Promise<ApiResponse>;
};
type SdkClientClass = new (config: Record<string, unknown>) => SdkClient;

/**
 * Loaded on first use, so help and `events` do not pay for it. The SDK is CommonJS with
 * `exports.default`; ESM loaders wrap it in one or two `default` layers.
 */
const sdkClientClass = async (): Promise<SdkClientClass> => {
  const mod = (await import('@alicloud/kms20160120')) as unknown as { default?: { default?: unknown } };
  const found = [mod.default, mod.default?.default, mod].find(
    (c) => typeof c === 'function' && typeof (c as { prototype?: { doRequest?: unknown } }).prototype?.doRequest === 'function',
  );
  if (!found) throw new Error('@alicloud/kms20160120 has no client class');
  return found as SdkClientClass;
};

/** No automatic retries: CreateSecret and PutSecretValue are not safe to send twice. */
const RUNTIME = { autoretry: false, connectTimeout: 10_000, readTimeout: 60_000 };

/** Parameters whose values are secrets: they are scrubbed from any error message as well. */
const SENSITIVE_PARAMS = ['SecretData'];

const definedOnly = (params: ApiParams): Record<string, string> =>
  Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));

export const connectKms = (connection: Connection, userAgent: string): KmsApi => {
  let client: SdkClient | undefined;
  const sdkClient = async (): Promise<SdkClient> => {
    const Client = await sdkClientClass();
    return (client ??= new Client({
      accessKeyId: connection.accessKeyId,
      accessKeySecret: connection.accessKeySecret,
      endpoint: connection.endpoint,
      protocol: connection.protocol,
      regionId: connection.region,
      userAgent,
    }));
  };
  return {
    endpoint: connection.endpoint,
    call: async (action, params = {}) => {
      const body = definedOnly(params);
      const client = await sdkClient();
      try {
        // Parameters travel in the signed form body, not the URL: secret values stay out of URLs,
        // proxy logs and the SDK's network error messages.
        return await client.doRequest(action, connection.protocol.toUpperCase(), 'POST', KMS_API_VERSION, 'AK', {}, body, RUNTIME);
      } catch (e) {
        const failure = describeFailure(e, {
          endpoint: connection.endpoint,
          secrets: [connection.accessKeySecret, ...SENSITIVE_PARAMS.flatMap((name) => (body[name] ? [body[name]] : []))],
        });
        throw new CliError(failure.exitCode, failure.message);
      }
    },
  };
};
