/**
 * Who may call the invoke path: FC signs InvokeFunction with the account's AccessKey, and so does
 * the local runtime, with its root AccessKey. An invoke event is taken as given (an HTTP trigger
 * event names its own source IP and forwarded headers), so an unsigned invoke could claim any
 * identity the API or the console trusts; signed, it can only come from whoever already holds the
 * key that is allowed everything.
 *
 * Two signatures are accepted, the two Alibaba's clients send to FC:
 * - `FC <AccessKeyId>:<base64 HMAC-SHA256>`, FC's own, made by `@alicloud/fc2` (npm run invoke).
 *   It covers the method, Content-MD5, Content-Type, Date, the x-fc-* headers and the path; the
 *   body only through Content-MD5, which is therefore required to match whenever there is a body.
 * - `ACS3-HMAC-SHA256`, made by the FC 3.0 SDK (openapi-client), checked as the KMS API checks it,
 *   with x-acs-date and x-acs-content-sha256 among the signed headers.
 * Either way the request's date must be within 15 minutes of now, as FC requires.
 */
import { createHash, createHmac } from 'node:crypto';
import helper from '@alicloud/fc2/lib/helper.js';
import { constantTimeEqual } from '../../http/constant-time.js';
import { CONTENT_SHA256_HEADER, parseV3Authorization, payloadHashMatches, verifyV3, V3_ALGORITHM } from '../../http/signature-v3.js';
import type { HttpRequest } from '../../http/types.js';

export interface InvokeKey {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface InvokeRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Lower-cased names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Why an invoke was refused; every refusal is a 403, as FC answers them. */
export interface InvokeRefusal {
  code: 'AccessDenied' | 'InvalidAccessKeyId' | 'SignatureNotMatch' | 'RequestTimeTooSkewed';
  message: string;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

const refuse = (code: InvokeRefusal['code'], message: string): InvokeRefusal => ({ code, message });

const singleValued = (headers: InvokeRequest['headers']): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
};

const checkDate = (value: string | undefined, header: string, now: number): InvokeRefusal | null => {
  const at = value === undefined ? NaN : Date.parse(value);
  if (Number.isNaN(at)) return refuse('RequestTimeTooSkewed', `the signed request has no valid ${header} header.`);
  if (Math.abs(now - at) > MAX_SKEW_MS) return refuse('RequestTimeTooSkewed', `the ${header} header is more than 15 minutes from the server's time.`);
  return null;
};

const wrongKey = (): InvokeRefusal =>
  refuse('InvalidAccessKeyId', "the invoke API is signed with the account's root AccessKey; this request names another key.");

const badSignature = (): InvokeRefusal => refuse('SignatureNotMatch', 'the request signature does not match.');

/** Content-MD5 as RFC 1864 has it (base64 of the digest), or as fc2 sends it (base64 of its hex). */
const contentMd5Matches = (given: string, body: Buffer): boolean => {
  const digest = createHash('md5').update(body).digest();
  return constantTimeEqual(given, digest.toString('base64')) || constantTimeEqual(given, Buffer.from(digest.toString('hex')).toString('base64'));
};

const checkFcSignature = (req: InvokeRequest, headers: Record<string, string>, key: InvokeKey, now: number): InvokeRefusal | null => {
  const m = /^FC ([^:\s]+):(\S+)$/.exec(headers.authorization ?? '');
  if (!m) return refuse('AccessDenied', 'the Authorization header is not an FC signature (FC <AccessKeyId>:<Signature>).');
  if (m[1] !== key.accessKeyId) return wrongKey();
  const md5 = headers['content-md5'];
  if (md5 === undefined ? req.body.length > 0 : !contentMd5Matches(md5, req.body)) return badSignature();
  const path = req.url.split('?')[0] ?? '/';
  const expected = createHmac('sha256', key.accessKeySecret)
    .update(helper.composeStringToSign(req.method.toUpperCase(), path, headers, null), 'utf8')
    .digest('base64');
  if (!constantTimeEqual(m[2] ?? '', expected)) return badSignature();
  return checkDate(headers.date, 'Date', now);
};

const asHttpRequest = (req: InvokeRequest, headers: Record<string, string>): HttpRequest => {
  const at = req.url.indexOf('?');
  return {
    method: req.method,
    path: at < 0 ? req.url : req.url.slice(0, at),
    headers,
    query: at < 0 ? {} : Object.fromEntries(new URLSearchParams(req.url.slice(at + 1))),
    body: req.body,
    sourceIp: '',
  };
};

const checkV3Signature = (req: InvokeRequest, headers: Record<string, string>, key: InvokeKey, now: number): InvokeRefusal | null => {
  let auth;
  try {
    auth = parseV3Authorization(headers.authorization ?? '');
  } catch {
    return refuse('AccessDenied', 'the Authorization header is not a complete ACS3-HMAC-SHA256 signature.');
  }
  if (auth.accessKeyId !== key.accessKeyId) return wrongKey();
  const signsDateAndBody = auth.signedHeaders.includes('x-acs-date') && auth.signedHeaders.includes(CONTENT_SHA256_HEADER);
  const http = asHttpRequest(req, headers);
  if (!signsDateAndBody || !payloadHashMatches(http) || !verifyV3(http, auth, key.accessKeySecret)) return badSignature();
  return checkDate(headers['x-acs-date'], 'x-acs-date', now);
};

/** Null when the request is signed by `key` and fresh; otherwise why it is refused. */
export const checkInvokeSignature = (req: InvokeRequest, key: InvokeKey, now: number): InvokeRefusal | null => {
  const headers = singleValued(req.headers);
  const authorization = headers.authorization ?? '';
  if (authorization.startsWith('FC ')) return checkFcSignature(req, headers, key, now);
  if (authorization.startsWith(`${V3_ALGORITHM} `)) return checkV3Signature(req, headers, key, now);
  return refuse('AccessDenied', "the invoke API takes only requests signed with the account's root AccessKey (FC or ACS3-HMAC-SHA256 signature).");
};
