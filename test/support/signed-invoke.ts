/**
 * Calls to the local runtime's invoke path (POST /2023-03-30/functions/<fn>/invocations), signed
 * the way `@alicloud/fc2` signs them (the client `npm run invoke` uses) with the account's root key.
 */
import { createHash } from 'node:crypto';
import FCClient from '@alicloud/fc2';

export interface InvokeKey {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface InvokeOptions {
  /** x-fc-invocation-type: Async */
  async?: boolean;
  /** Signing time; default now. */
  at?: number;
}

export const invocationPath = (functionName: string): string => `/2023-03-30/functions/${encodeURIComponent(functionName)}/invocations`;

/** The headers fc2 sends with a body, its Authorization included. */
export const fcSignedHeaders = (key: InvokeKey, path: string, body: Buffer, options: InvokeOptions = {}, method = 'POST'): Record<string, string> => {
  const headers: Record<string, string> = {
    accept: 'application/json',
    date: new Date(options.at ?? Date.now()).toUTCString(),
    'x-fc-account-id': '0',
    'content-type': 'application/octet-stream',
    // fc2's Content-MD5: base64 of the hex digest.
    'content-md5': Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64'),
    ...(options.async ? { 'x-fc-invocation-type': 'Async' } : {}),
  };
  return { ...headers, authorization: FCClient.getSignature(key.accessKeyId, key.accessKeySecret, method, path, headers, null) };
};

/** POSTs `event` to the function's invoke path, signed by `key`. */
export const signedInvoke = (baseUrl: string, key: InvokeKey, functionName: string, event: string | Buffer, options: InvokeOptions = {}): Promise<Response> => {
  const path = invocationPath(functionName);
  const body = Buffer.isBuffer(event) ? event : Buffer.from(event, 'utf8');
  return fetch(`${baseUrl}${path}`, { method: 'POST', headers: fcSignedHeaders(key, path, body, options), body });
};
