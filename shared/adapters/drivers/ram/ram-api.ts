/**
 * The RAM calls a managed RAM secret needs, over the official `@alicloud/ram20150501` client (V3
 * ACS3-HMAC-SHA256 signatures). One RamApi per credential: the manager's, or the key being verified.
 */
import * as openApi from '@alicloud/openapi-core';
import * as ramSdk from '@alicloud/ram20150501';
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

/** The package is CommonJS with `exports.default = Client`; the class is one or two `default`s deep. */
const sdkClientClass = (): typeof RamSdkClient => {
  const outer = (ramSdk as { default?: unknown }).default as { default?: unknown } | undefined;
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
    const Client = sdkClientClass();
    const client = new Client(
      new openApi.$OpenApiUtil.Config({
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
        endpoint: host,
        protocol,
      }),
    );
    return {
      async listAccessKeys(userName) {
        const out = await client.listAccessKeys(new ramSdk.ListAccessKeysRequest({ userName }));
        return (out.body?.accessKeys?.accessKey ?? []).map((k) => ({
          accessKeyId: k.accessKeyId ?? '',
          status: k.status ?? '',
          createDate: k.createDate ?? '',
        }));
      },
      async createAccessKey(userName) {
        const key = (await client.createAccessKey(new ramSdk.CreateAccessKeyRequest({ userName }))).body?.accessKey;
        if (!key?.accessKeyId || !key.accessKeySecret) throw new Error('RAM CreateAccessKey returned no key pair.');
        return { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, createDate: key.createDate ?? '' };
      },
      async updateAccessKey(userName, accessKeyId, status) {
        await client.updateAccessKey(new ramSdk.UpdateAccessKeyRequest({ userName, userAccessKeyId: accessKeyId, status }));
      },
      async deleteAccessKey(userName, accessKeyId) {
        await client.deleteAccessKey(new ramSdk.DeleteAccessKeyRequest({ userName, userAccessKeyId: accessKeyId }));
      },
      async getUser(userName) {
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
