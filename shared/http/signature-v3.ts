/**
 * Signature V3 (ACS3-HMAC-SHA256), the default of current Darabonba SDKs:
 *   CanonicalRequest = METHOD \n URI \n sorted query \n "name:value\n" per signed header \n
 *                      signed header names joined by ";" \n hex SHA-256 of the body
 *   StringToSign     = "ACS3-HMAC-SHA256\n" + hex(SHA-256(CanonicalRequest))
 *   Signature        = hex(HMAC-SHA256(key = raw AccessKeySecret, StringToSign))
 * sent as `Authorization: ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<a;b>,Signature=<hex>`.
 */
import { createHash, createHmac } from 'node:crypto';
import type { HttpRequest } from './types.js';
import { percentEncode } from './percent-encode.js';
import { constantTimeEqual } from './constant-time.js';
import { incompleteSignature, unsupportedSignatureMethod } from './http-errors.js';

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';
export const CONTENT_SHA256_HEADER = 'x-acs-content-sha256';

export interface V3Authorization {
  algorithm: string;
  accessKeyId: string;
  /** Lower-cased and sorted. */
  signedHeaders: string[];
  signature: string;
}

export const isV3Request = (req: HttpRequest): boolean => /^ACS\d/i.test(req.headers.authorization ?? '');

export const parseV3Authorization = (header: string): V3Authorization => {
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== V3_ALGORITHM) throw unsupportedSignatureMethod('Authorization', V3_ALGORITHM);
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId) throw incompleteSignature('the Authorization header has no Credential.');
  if (!signedHeaders) throw incompleteSignature('the Authorization header has no SignedHeaders.');
  if (!signature) throw incompleteSignature('the Authorization header has no Signature.');
  return {
    algorithm,
    accessKeyId,
    signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()).filter(Boolean).sort(),
    signature,
  };
};

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** The body hash the client declared matches the body we received. */
export const payloadHashMatches = (req: HttpRequest): boolean =>
  constantTimeEqual(req.headers[CONTENT_SHA256_HEADER] ?? '', sha256Hex(req.body));

/**
 * How a query parameter with an empty value appears in the canonical query string. The published
 * algorithm writes `name=`; the TypeScript SDK (@alicloud/openapi-util getAuthorization) writes just
 * `name`. A server that wants to accept both tries both.
 */
export type EmptyValueStyle = 'name=' | 'name';

const canonicalQuery = (query: Record<string, string>, style: EmptyValueStyle): string =>
  Object.keys(query)
    .sort()
    .map((name) => {
      const value = query[name] ?? '';
      if (value === '' && style === 'name') return percentEncode(name);
      return `${percentEncode(name)}=${percentEncode(value)}`;
    })
    .join('&');

/** Each path segment RFC 3986-encoded; a path that arrives still encoded is decoded first, not encoded twice. */
const canonicalUri = (path: string): string =>
  (path || '/').split('/').map((segment) => percentEncode(decodeOnce(segment))).join('/');

const decodeOnce = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

export const v3CanonicalRequest = (
  req: HttpRequest,
  signedHeaders: readonly string[],
  style: EmptyValueStyle = 'name=',
): string => {
  const headerValue = (name: string): string => (Object.hasOwn(req.headers, name) ? (req.headers[name] ?? '') : '');
  const headerLines = signedHeaders.map((name) => `${name}:${headerValue(name).trim()}\n`).join('');
  return [
    req.method.toUpperCase(),
    canonicalUri(req.path),
    canonicalQuery(req.query, style),
    headerLines,
    signedHeaders.join(';'),
    req.headers[CONTENT_SHA256_HEADER] ?? sha256Hex(req.body),
  ].join('\n');
};

export const signV3 = (
  req: HttpRequest,
  signedHeaders: readonly string[],
  accessKeySecret: string,
  style: EmptyValueStyle = 'name=',
): string => {
  const stringToSign = `${V3_ALGORITHM}\n${sha256Hex(v3CanonicalRequest(req, signedHeaders, style))}`;
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('hex');
};

export const verifyV3 = (req: HttpRequest, auth: V3Authorization, accessKeySecret: string): boolean => {
  const given = auth.signature.toLowerCase();
  if (constantTimeEqual(signV3(req, auth.signedHeaders, accessKeySecret, 'name='), given)) return true;
  const hasEmptyValue = Object.values(req.query).some((v) => v === '');
  return hasEmptyValue && constantTimeEqual(signV3(req, auth.signedHeaders, accessKeySecret, 'name'), given);
};
