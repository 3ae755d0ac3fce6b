import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  invalidAccessKeyId,
  invalidAuthorizationHeader,
  invalidDigest,
  invalidVersionHeader,
  missingAuthorizationHeader,
  missingDateHeader,
  signatureDoesNotMatch,
} from './errors.js';

export const MNS_VERSION = '2015-06-06';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** Lower-case header names, as Node's IncomingMessage presents them. */
export type LowerCaseHeaders = Record<string, string | string[] | undefined>;

export interface SignableRequest {
  method: string;
  /** Path plus query string exactly as sent on the request line. */
  resource: string;
  headers: LowerCaseHeaders;
}

/**
 * StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedMNSHeaders CanonicalizedResource,
 * where CanonicalizedMNSHeaders are the sorted `x-mns-*` headers as `name:value\n`.
 */
export function mnsStringToSign(request: SignableRequest): string {
  const header = (name: string): string => headerValue(request.headers, name) ?? '';
  const mnsHeaders = Object.keys(request.headers)
    .filter((name) => name.startsWith('x-mns-'))
    .sort()
    .map((name) => `${name}:${header(name)}\n`)
    .join('');
  return `${request.method}\n${header('content-md5')}\n${header('content-type')}\n${header('date')}\n${mnsHeaders}${request.resource}`;
}

export function mnsSignature(request: SignableRequest, accessKeySecret: string): string {
  return createHmac('sha1', accessKeySecret).update(mnsStringToSign(request), 'utf8').digest('base64');
}

/** Throws the MNS error a real endpoint would answer for a request that fails authentication. */
export function verifyMnsRequest(request: SignableRequest, body: Buffer, credentials: Credentials): void {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined) throw missingAuthorizationHeader();
  const match = /^MNS ([^:\s]+):(\S+)$/.exec(authorization);
  if (!match) throw invalidAuthorizationHeader();
  const [, accessKeyId = '', signature = ''] = match;
  if (headerValue(request.headers, 'date') === undefined) throw missingDateHeader();
  if (headerValue(request.headers, 'x-mns-version') !== MNS_VERSION) throw invalidVersionHeader();
  if (accessKeyId !== credentials.accessKeyId) throw invalidAccessKeyId();
  if (!sameText(signature, mnsSignature(request, credentials.accessKeySecret))) throw signatureDoesNotMatch();
  verifyContentMd5(headerValue(request.headers, 'content-md5'), body);
}

/**
 * The Node SDK sends base64 of the *hex* MD5 digest; other MNS clients send base64 of the raw digest.
 * Accept both; the signature already covers the header, this binds the body to it.
 */
function verifyContentMd5(contentMd5: string | undefined, body: Buffer): void {
  if (contentMd5 === undefined) return;
  const digest = createHash('md5').update(body).digest();
  const accepted = [Buffer.from(digest.toString('hex'), 'utf8').toString('base64'), digest.toString('base64')];
  if (!accepted.includes(contentMd5)) throw invalidDigest();
}

function headerValue(headers: LowerCaseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
