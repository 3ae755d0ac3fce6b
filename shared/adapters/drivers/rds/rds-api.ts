/**
 * The RDS account API the managed RDS driver needs, as an interface, built on
 * `@alicloud/rds20140815`. The SDK client is rebuilt only when the credentials change. Failures
 * come out as TargetErrors that name the action and RDS's error code (never a parameter value).
 */
import type * as RdsSdk from '@alicloud/rds20140815';
import type RdsSdkClient from '@alicloud/rds20140815';
import { TargetError } from '../../../domain/errors.js';
import { clientPerCredentials, type CredentialsProvider } from '../../support/cloud-credentials.js';

export interface RdsInstanceInfo {
  instanceId: string;
  /** As RDS names it: MySQL, MariaDB, PostgreSQL, SQLServer. */
  engine: string;
  status: string;
  /** Where the instance takes connections (the intranet address inside its VPC). */
  host: string;
  port: number;
}

export interface RdsAccountInfo {
  name: string;
  status: string;
  type: string;
}

export interface CreateAccountInput {
  instanceId: string;
  accountName: string;
  password: string;
  accountType: 'Normal' | 'Super';
}

export interface GrantInput {
  instanceId: string;
  accountName: string;
  database: string;
  privilege: string;
}

export interface RdsAccountsApi {
  describeInstance(instanceId: string): Promise<RdsInstanceInfo>;
  /** The account of that name, or null when the instance has none. */
  describeAccount(instanceId: string, accountName: string): Promise<RdsAccountInfo | null>;
  createAccount(input: CreateAccountInput): Promise<void>;
  grantPrivilege(input: GrantInput): Promise<void>;
  resetPassword(instanceId: string, accountName: string, password: string): Promise<void>;
  deleteAccount(instanceId: string, accountName: string): Promise<void>;
}

export interface RdsConnection {
  /** Host name (or host:port), or http(s)://host. Default: RDS's central endpoint. */
  endpoint?: string;
  protocol?: 'http' | 'https';
  regionId?: string;
  /** Per-call timeouts of the SDK, ms. */
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
}

export const DEFAULT_RDS_ENDPOINT = 'rds.aliyuncs.com';

type SdkModule = typeof RdsSdk & { default?: unknown };

/** Loaded on first use: the SDK is large, and most functions never rotate an RDS secret. */
let sdkModule: Promise<SdkModule> | undefined;
const loadSdk = (): Promise<SdkModule> => (sdkModule ??= import('@alicloud/rds20140815') as Promise<SdkModule>);

/** CommonJS with `exports.default = Client`: the class is one or two `default`s deep depending on the loader. */
const sdkClientClass = (rdsSdk: SdkModule): typeof RdsSdkClient => {
  const outer = rdsSdk.default as { default?: unknown } | undefined;
  const found = [outer, outer?.default].find(
    (candidate) => typeof candidate === 'function' && 'resetAccountPassword' in (candidate as { prototype: object }).prototype,
  );
  if (!found) throw new Error('@alicloud/rds20140815 has no usable Client export.');
  return found as typeof RdsSdkClient;
};

const splitEndpoint = (connection: RdsConnection): { host: string; protocol: 'http' | 'https' } => {
  const endpoint = connection.endpoint ?? DEFAULT_RDS_ENDPOINT;
  const scheme = /^(https?):\/\/([^/]+)\/?$/.exec(endpoint);
  if (scheme) return { protocol: scheme[1] as 'http' | 'https', host: scheme[2] as string };
  if (endpoint.includes('/')) throw new Error('The RDS endpoint must be a host name or http(s)://host.');
  return { host: endpoint, protocol: connection.protocol ?? 'https' };
};

const RETRYABLE_CODES = /^(Throttling|ServiceUnavailable|InternalError|IncorrectDBInstanceState|OperationDenied\.DBInstanceStatus|IncorrectAccountStatus)/;
const PERMISSION_CODES = /^(Forbidden|NoPermission|NotAuthorized)/;
const CREDENTIAL_CODES = /^(InvalidAccessKeyId|SignatureDoesNotMatch|InvalidSecurityToken|IncompleteSignature)/;

const NETWORK_CODE = /^E[A-Z]+$/;

/**
 * The SDK's error as a TargetError built from fixed texts and RDS's error code only: an HTTP
 * library's message may quote the request URL, whose query carries AccountPassword.
 */
export const rdsApiError = (action: string, error: unknown): TargetError => {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; statusCode?: unknown; message?: unknown };
  const status = typeof fields.statusCode === 'number' ? fields.statusCode : undefined;
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  if (status === undefined || code === undefined) {
    if (code && NETWORK_CODE.test(code)) {
      const timedOut = code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT';
      return new TargetError(timedOut ? 'Target.Timeout' : 'Target.Unreachable', `RDS ${action} could not reach the endpoint (${code}).`, true);
    }
    if (typeof fields.message === 'string' && /timed? ?out|timeout/i.test(fields.message))
      return new TargetError('Target.Timeout', `RDS ${action} timed out.`, true);
    return new TargetError('Target.Failed', `RDS ${action} failed before RDS answered.`, true);
  }
  const text = `RDS ${action} returned ${code} (HTTP ${status}).`;
  if (RETRYABLE_CODES.test(code) || status >= 500) return new TargetError('Target.Unavailable', text, true);
  if (PERMISSION_CODES.test(code)) return new TargetError('Target.PermissionDenied', text, false);
  if (CREDENTIAL_CODES.test(code)) return new TargetError('Target.AuthenticationFailed', text, false);
  return new TargetError('Target.Rejected', text, false);
};

export const createRdsAccountsApi = (credentials: CredentialsProvider, connection: RdsConnection = {}): RdsAccountsApi => {
  const { host, protocol } = splitEndpoint(connection);
  let Client: typeof RdsSdkClient | undefined;
  const client = clientPerCredentials(credentials, (c) => {
    if (!Client) throw new Error('The RDS SDK is not loaded yet.');
    const config = {
      accessKeyId: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      ...(c.securityToken ? { securityToken: c.securityToken } : {}),
      endpoint: host,
      protocol,
      regionId: connection.regionId,
      connectTimeout: connection.connectTimeoutMs ?? 5_000,
      readTimeout: connection.readTimeoutMs ?? 15_000,
    };
    return new Client(config as ConstructorParameters<typeof RdsSdkClient>[0]);
  });
  const call = async <T>(action: string, run: (sdk: RdsSdkClient, rdsSdk: SdkModule) => Promise<T>): Promise<T> => {
    const rdsSdk = await loadSdk();
    Client ??= sdkClientClass(rdsSdk);
    const sdk = await client();
    try {
      return await run(sdk, rdsSdk);
    } catch (error) {
      throw error instanceof TargetError ? error : rdsApiError(action, error);
    }
  };

  return {
    describeInstance: (instanceId) =>
      call('DescribeDBInstanceAttribute', async (sdk, rdsSdk) => {
        const response = await sdk.describeDBInstanceAttribute(new rdsSdk.DescribeDBInstanceAttributeRequest({ DBInstanceId: instanceId }));
        const item = response.body?.items?.DBInstanceAttribute?.[0];
        if (!item) throw new TargetError('Target.Rejected', 'RDS DescribeDBInstanceAttribute returned no instance.', false);
        return {
          instanceId: item.DBInstanceId ?? instanceId,
          engine: item.engine ?? '',
          status: item.DBInstanceStatus ?? '',
          host: item.connectionString ?? '',
          port: Number(item.port ?? 0),
        };
      }),
    describeAccount: (instanceId, accountName) =>
      call('DescribeAccounts', async (sdk, rdsSdk) => {
        const response = await sdk.describeAccounts(new rdsSdk.DescribeAccountsRequest({ DBInstanceId: instanceId, accountName }));
        const match = (response.body?.accounts?.DBInstanceAccount ?? []).find((a) => a.accountName === accountName);
        return match ? { name: accountName, status: match.accountStatus ?? '', type: match.accountType ?? '' } : null;
      }),
    createAccount: (input) =>
      call('CreateAccount', async (sdk, rdsSdk) => {
        await sdk.createAccount(
          new rdsSdk.CreateAccountRequest({
            DBInstanceId: input.instanceId,
            accountName: input.accountName,
            accountPassword: input.password,
            accountType: input.accountType,
          }),
        );
      }),
    grantPrivilege: (input) =>
      call('GrantAccountPrivilege', async (sdk, rdsSdk) => {
        await sdk.grantAccountPrivilege(
          new rdsSdk.GrantAccountPrivilegeRequest({
            DBInstanceId: input.instanceId,
            accountName: input.accountName,
            DBName: input.database,
            accountPrivilege: input.privilege,
          }),
        );
      }),
    resetPassword: (instanceId, accountName, password) =>
      call('ResetAccountPassword', async (sdk, rdsSdk) => {
        await sdk.resetAccountPassword(new rdsSdk.ResetAccountPasswordRequest({ DBInstanceId: instanceId, accountName, accountPassword: password }));
      }),
    deleteAccount: (instanceId, accountName) =>
      call('DeleteAccount', async (sdk, rdsSdk) => {
        await sdk.deleteAccount(new rdsSdk.DeleteAccountRequest({ DBInstanceId: instanceId, accountName }));
      }),
  };
};
