/**
 * Client-side signers for tests, independent of shared/http: V1 through the official
 * @alicloud/rpc-util (what the SDK itself calls), V3 written out plainly from the published
 * algorithm, so a shared misunderstanding would have to be made twice to go unnoticed.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import * as rpcUtilModule from '@alicloud/rpc-util';
import { unwrapCjsDefault } from './cjs-default.js';
import { secretScanHooks } from './secret-scan-hooks.js';

interface RpcUtil {
  getSignatureV1(query: Record<string, string>, method: string, secret: string): string;
  getTimestamp(): string;
}

const rpcUtil = unwrapCjsDefault<RpcUtil>(
  rpcUtilModule,
  (c) => typeof (c as Partial<RpcUtil> | undefined)?.getSignatureV1 === 'function',
  '@alicloud/rpc-util',
);

export const utcSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface V1Options {
  accessKeyId: string;
  secret: string;
  method?: string;
  at?: number;
  nonce?: string;
}

/** The full, signed V1 parameter set for `params` (common parameters filled in like the SDK does). */
export const signedV1Params = (params: Record<string, string>, o: V1Options): Record<string, string> => {
  const all: Record<string, string> = {
    Format: 'json',
    Version: '2016-01-20',
    Timestamp: utcSeconds(o.at ?? Date.now()),
    SignatureNonce: o.nonce ?? randomUUID(),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    AccessKeyId: o.accessKeyId,
    ...params,
  };
  if (all.SecretData !== undefined) secretScanHooks.register(all.SecretData, 'sent in a signed request');
  return { ...all, Signature: rpcUtil.getSignatureV1(all, o.method ?? 'POST', o.secret) };
};

export const officialV1Signature = (params: Record<string, string>, method: string, secret: string): string =>
  rpcUtil.getSignatureV1(params, method, secret);

export const queryString = (params: Record<string, string>): string => new URLSearchParams(params).toString();

// ---- V3, spelled out step by step ----

const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

export interface V3Request {
  method: string;
  host: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

export interface V3Options {
  accessKeyId: string;
  secret: string;
  action: string;
  at?: number;
  nonce?: string;
  /** How an empty query value is written in the canonical query: `k=` (docs) or `k` (TypeScript SDK). */
  emptyValue?: 'k=' | 'k';
}

/** Builds the headers and Authorization of a V3 request. */
export const signV3Request = (
  req: { method: string; host: string; query: Record<string, string>; body: string; contentType?: string },
  o: V3Options,
): V3Request => {
  if (req.query.SecretData !== undefined) secretScanHooks.register(req.query.SecretData, 'sent in a signed request');
  const bodyHash = createHash('sha256').update(req.body, 'utf8').digest('hex');
  const headers: Record<string, string> = {
    host: req.host,
    'x-acs-action': o.action,
    'x-acs-version': '2016-01-20',
    'x-acs-date': utcSeconds(o.at ?? Date.now()),
    'x-acs-signature-nonce': o.nonce ?? randomUUID(),
    'x-acs-content-sha256': bodyHash,
  };
  if (req.contentType) headers['content-type'] = req.contentType;

  const names = Object.keys(headers).sort();
  let canonicalHeaders = '';
  for (const name of names) canonicalHeaders += name + ':' + headers[name]!.trim() + '\n';
  const signedHeaders = names.join(';');

  const queryParts: string[] = [];
  for (const key of Object.keys(req.query).sort()) {
    const value = req.query[key]!;
    if (value === '' && o.emptyValue === 'k') queryParts.push(rfc3986(key));
    else queryParts.push(rfc3986(key) + '=' + rfc3986(value));
  }

  const canonicalRequest =
    req.method + '\n' + '/' + '\n' + queryParts.join('&') + '\n' + canonicalHeaders + '\n' + signedHeaders + '\n' + bodyHash;
  const stringToSign = 'ACS3-HMAC-SHA256\n' + createHash('sha256').update(canonicalRequest, 'utf8').digest('hex');
  const signature = createHmac('sha256', o.secret).update(stringToSign, 'utf8').digest('hex');
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${o.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
  return { method: req.method, host: req.host, query: req.query, headers, body: req.body };
};
