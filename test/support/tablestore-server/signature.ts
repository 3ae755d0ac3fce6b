/**
 * Request authentication as the SDK performs it (lib/signer.js, lib/client.js):
 *   x-ots-contentmd5 = base64(MD5(body))
 *   string to sign   = path + "\n" + method + "\n" + "\n" + canonical headers + "\n"
 *   canonical headers = every x-ots-* header except x-ots-signature, lower-cased, sorted,
 *                       each "name:value", joined by "\n"
 *   x-ots-signature  = base64(HMAC-SHA1(accessKeySecret, string to sign))
 * The date in x-ots-date is not checked against the clock: tests must not depend on wall time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { authFailed, parameterInvalid } from './errors.js';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  instanceName: string;
}

const REQUIRED_HEADERS = [
  'x-ots-date',
  'x-ots-apiversion',
  'x-ots-accesskeyid',
  'x-ots-instancename',
  'x-ots-contentmd5',
  'x-ots-signature',
];

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

export const stringToSign = (path: string, method: string, headers: IncomingHttpHeaders): string => {
  const canonical = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name.startsWith('x-ots-') && name !== 'x-ots-signature')
    .sort()
    .map((name) => `${name}:${header(headers, name) ?? ''}`)
    .join('\n');
  return `${path}\n${method}\n\n${canonical}\n`;
};

export const sign = (secret: string, text: string): string => createHmac('sha1', secret).update(text).digest('base64');

export const contentMd5 = (body: Uint8Array): string => createHash('md5').update(body).digest('base64');

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** Throws the error Tablestore gives for the first problem found, in the order the service checks. */
export const authenticate = (
  credentials: Credentials,
  request: { path: string; method: string; headers: IncomingHttpHeaders; body: Uint8Array },
): void => {
  for (const name of REQUIRED_HEADERS) {
    if (header(request.headers, name) === undefined) throw parameterInvalid(`Missing header: ${name}.`);
  }
  if (header(request.headers, 'x-ots-accesskeyid') !== credentials.accessKeyId) {
    throw authFailed('The AccessKeyID does not exist.');
  }
  if (header(request.headers, 'x-ots-instancename') !== credentials.instanceName) {
    throw authFailed('The instance is not found.');
  }
  if (!sameText(header(request.headers, 'x-ots-contentmd5')!, contentMd5(request.body))) {
    throw authFailed('Mismatch between MD5 value of request body and x-ots-contentmd5 in header.');
  }
  const expected = sign(credentials.accessKeySecret, stringToSign(request.path, request.method, request.headers));
  if (!sameText(header(request.headers, 'x-ots-signature')!, expected)) throw authFailed('Signature mismatch.');
};
