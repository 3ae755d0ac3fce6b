/**
 * Signature version 1 of RPC-style APIs (HMAC-SHA1), the one @alicloud/kms20160120 1.2.0 sends:
 * StringToSign = METHOD & %2F & percentEncode(sorted "k=v" pairs of every parameter but Signature),
 * Signature = base64(HMAC-SHA1(key = AccessKeySecret + "&")).
 */
import { createHmac } from 'node:crypto';
import { percentEncode } from './percent-encode.js';
import { constantTimeEqual } from './constant-time.js';
import type { RequestParams } from './params.js';

export const V1_SIGNATURE_METHOD = 'HMAC-SHA1';
export const V1_SIGNATURE_VERSION = '1.0';

export const v1StringToSign = (method: string, params: RequestParams): string => {
  const canonical = Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(params[name] ?? '')}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
};

export const v1SignatureOf = (stringToSign: string, accessKeySecret: string): string =>
  createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');

export const signV1 = (method: string, params: RequestParams, accessKeySecret: string): string =>
  v1SignatureOf(v1StringToSign(method, params), accessKeySecret);

export const verifyV1 = (method: string, params: RequestParams, accessKeySecret: string): boolean =>
  constantTimeEqual(signV1(method, params, accessKeySecret), params.Signature ?? '');
