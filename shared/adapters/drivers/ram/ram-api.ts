/**
 * The RAM calls a managed RAM secret needs, over the official `@alicloud/ram20150501` client (V3
 * ACS3-HMAC-SHA256 signatures). One RamApi per credential: the manager's, or the key being verified.
 */
import * as openApi from '@alicloud/openapi-core';
import type * as RamSdk from '@alicloud/ram20150501';
import type RamSdkClient from '@alicloud/ram20150501';
import type { CloudCredentials } from '../../support/cloud-credentials.js';

export interface RamKeyInfo {
  accessKeyId: string;
  status: string;
  createDate: string;
}

export interface CreatedKey {
  accessKeyId: string;
  accessKeySecret: string;
  createDate: string;
}

export interface RamApi {
  listAccessKeys(userName: string): Promise<RamKeyInfo[]>;
  createAccessKey(userName: string): Promise<CreatedKey>;
  updateAccessKey(userName: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void>;
  deleteAccessKey(userName: string, accessKeyId: string): Promise<void>;
  getUser(userName: string): Promise<{ userName: string }>;
}

export type RamApiFactory = (credentials: CloudCredentials) => RamApi;

export interface RamConnection {
  /** Host name (https) or http(s)://host[:port]. Default: RAM's central endpoint. */
  endpoint?: string;
}

export const DEFAULT_RAM_ENDPOINT = 'ram.aliyuncs.com';

type SdkModule = typeof RamSdk & { default?: unknown };

/** Loaded on first call: the SDK is large, and most functions never rotate a RAM secret. */
let sdkModule: Promise<SdkModule> | undefined;
const loadSdk = (): Promise<SdkModule> => (sdkModule ??= import('@alicloud/ram20150501') as Promise<SdkModule>);

/** The package is CommonJS with `exports.default = Client`; the class is one or two `default`s deep. */
const sdkClientClass = (ramSdk: SdkModule): typeof RamSdkClient => {
  const outer = ramSdk.default as { default?: unknown } | undefined;
  const found = [outer, outer?.default].find(
    (candidate) => typeof candidate === 'function' && 'createAccessKey' in (candidate as { prototype: object }).prototype,
  );
  if (!found) throw new Error('@alicloud/ram20150501 has no usable Client export.');
  return found as typeof RamSdkClient;
};

const splitEndpoint = (endpoint: string): { host: string; protocol: 'http' | 'https' } => {
  const scheme = /^(https?):\/\/([^/]+)\/?$/.exec(endpoint);
  if (scheme) return { protocol: scheme[1] as 'http' | 'https', host: scheme[2] as string };
  if (endpoint.includes('/')) throw new Error('The RAM endpoint must be a host name or http(s)://host.');
  return { host: endpoint, protocol: 'https' };
};

export const sdkRamApi =
  (connection: RamConnection = {}): RamApiFactory =>
  (credentials) => {
    const { host, protocol } = splitEndpoint(connection.endpoint ?? DEFAULT_RAM_ENDPOINT);
    let connected: Promise<{ ramSdk: SdkModule; client: RamSdkClient }> | undefined;
    const connect = () =>
      (connected ??= loadSdk().then((ramSdk) => {
        const Client = sdkClientClass(ramSdk);
        const client = new Client(
          new openApi.$OpenApiUtil.Config({
            accessKeyId: credentials.accessKeyId,
            accessKeySecret: credentials.accessKeySecret,
            ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
            endpoint: host,
            protocol,
          }),
        );
        return { ramSdk, client };
      }));
    return {
      async listAccessKeys(userName) {
        const { ramSdk, client } = await connect();
        const out = await client.listAccessKeys(new ramSdk.ListAccessKeysRequest({ userName }));
        return (out.body?.accessKeys?.accessKey ?? []).map((k) => ({
          accessKeyId: k.accessKeyId ?? '',
          status: k.status ?? '',
          createDate: k.createDate ?? '',
        }));
      },
      async createAccessKey(userName) {
        const { ramSdk, client } = await connect();
        const key = (await client.createAccessKey(new ramSdk.CreateAccessKeyRequest({ userName }))).body?.accessKey;
        if (!key?.accessKeyId || !key.accessKeySecret) throw new Error('RAM CreateAccessKey returned no key pair.');
        return { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, createDate: key.createDate ?? '' };
      },
      async updateAccessKey(userName, accessKeyId, status) {
        const { ramSdk, client } = await connect();
        await client.updateAccessKey(new ramSdk.UpdateAccessKeyRequest({ userName, userAccessKeyId: accessKeyId, status }));
      },
      async deleteAccessKey(userName, accessKeyId) {
        const { ramSdk, client } = await connect();
        await client.deleteAccessKey(new ramSdk.DeleteAccessKeyRequest({ userName, userAccessKeyId: accessKeyId }));
      },
      async getUser(userName) {
        const { ramSdk, client } = await connect();
        const user = (await client.getUser(new ramSdk.GetUserRequest({ userName }))).body?.user;
        return { userName: user?.userName ?? '' };
      },
    };
  };

/** RAM's error code of an SDK error (`code` on ClientError/ServerError), or null. */
export const ramErrorCode = (error: unknown): string | null => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : null;
};
