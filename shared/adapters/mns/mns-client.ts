/**
 * The MNS client the adapters depend on: the few `@alicloud/mns` calls they make, as an interface,
 * so a container creates one client and tests can wrap or replace it.
 */
import MnsSdkClient from '@alicloud/mns';
import {
  clientPerCredentials,
  type CloudCredentials,
  type CredentialsProvider,
} from '../support/cloud-credentials.js';

/** A parsed MNS answer element: every field is a string (or absent). */
export type MnsFields = Record<string, string | undefined>;

export interface MnsResult<Body> {
  code: number;
  body: Body;
}

/** Queue and topic message calls; `@alicloud/mns`'s Client satisfies it. */
export interface MnsClientLike {
  sendMessage(queue: string, params: { MessageBody: string; DelaySeconds?: number }): Promise<MnsResult<MnsFields>>;
  /** Rejects with an MNS MessageNotExist error when nothing is visible. */
  batchReceiveMessage(queue: string, count: number, waitSeconds?: number): Promise<MnsResult<MnsFields[]>>;
  /** Rejects with an MNS MessageNotExist error when nothing is visible. */
  batchPeekMessage(queue: string, count: number): Promise<MnsResult<MnsFields[]>>;
  deleteMessage(queue: string, receiptHandle: string): Promise<MnsResult<undefined>>;
  changeMessageVisibility(queue: string, receiptHandle: string, seconds: number): Promise<MnsResult<MnsFields>>;
  publishMessage(topic: string, params: { MessageBody: string; MessageTag?: string }): Promise<MnsResult<MnsFields>>;
}

export interface MnsConnection {
  /** The numeric account id; with an endpoint it may be left out and is read from the host. */
  accountId?: string;
  /** e.g. cn-hangzhou; the SDK builds http://<account>.mns.<region>.aliyuncs.com from it. */
  region?: string;
  /** http(s)://<account>.mns.<region>[-internal[-vpc]].aliyuncs.com, or a test server. Wins over region. */
  endpoint?: string;
}

export type MnsClientOptions = MnsConnection & CloudCredentials;

/** MNS endpoints start with the account id: https://1234567890.mns.cn-hangzhou.aliyuncs.com */
const accountIdFromEndpoint = (endpoint: string | undefined): string | undefined => {
  if (!endpoint) return undefined;
  try {
    return /^(\d+)\.mns\./.exec(new URL(endpoint).hostname)?.[1];
  } catch {
    return undefined;
  }
};

const resolveAccountId = (connection: MnsConnection): string => {
  const accountId = connection.accountId ?? accountIdFromEndpoint(connection.endpoint);
  if (!accountId) throw new Error('The MNS account id is needed: set accountId, or an endpoint that starts with it.');
  return accountId;
};

/** One SDK client for fixed credentials. */
export const createMnsClient = (options: MnsClientOptions): MnsClientLike => {
  if (!options.endpoint && !options.region) throw new Error('MNS needs a region or an endpoint.');
  return new MnsSdkClient(resolveAccountId(options), {
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    ...(options.securityToken ? { securityToken: options.securityToken } : {}),
    // Without an endpoint the SDK would default to plain http.
    ...(options.endpoint ? { endpoint: options.endpoint } : { region: options.region, secure: true }),
  });
};

/**
 * An MNS client for credentials that change (Function Compute's STS credentials): every call
 * goes through the SDK client built for the current credentials, rebuilt only when they change.
 */
export const createRotatingMnsClient = (connection: MnsConnection, credentials: CredentialsProvider): MnsClientLike => {
  // Fail at wiring time, not at the first message.
  resolveAccountId(connection);
  if (!connection.endpoint && !connection.region) throw new Error('MNS needs a region or an endpoint.');
  const current = clientPerCredentials(credentials, (creds) => createMnsClient({ ...connection, ...creds }));
  return {
    sendMessage: async (...args) => (await current()).sendMessage(...args),
    batchReceiveMessage: async (...args) => (await current()).batchReceiveMessage(...args),
    batchPeekMessage: async (...args) => (await current()).batchPeekMessage(...args),
    deleteMessage: async (...args) => (await current()).deleteMessage(...args),
    changeMessageVisibility: async (...args) => (await current()).changeMessageVisibility(...args),
    publishMessage: async (...args) => (await current()).publishMessage(...args),
  };
};

/**
 * True when the SDK rejected with this MNS error code. The SDK names its errors
 * `MNS<Code>Error` and sets no code property.
 */
export const isMnsError = (error: unknown, code: string): boolean =>
  error instanceof Error && error.name === `MNS${code}Error`;
