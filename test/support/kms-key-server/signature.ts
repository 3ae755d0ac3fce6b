import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Alibaba Cloud RPC signature V1 (SignatureMethod=HMAC-SHA1, SignatureVersion=1.0), as the KMS
 * "Signature" reference describes it and `@alicloud/rpc-client` computes it:
 *   StringToSign = METHOD & percentEncode("/") & percentEncode(sorted "k=v" pairs joined by "&")
 *   Signature    = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))
 * Parameters are the merged query and form body, without Signature itself.
 */

/** RFC 3986 encoding: unreserved characters stay, space is %20, `*` is %2A, `~` is kept. */
export function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function canonicalizedQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(params[name] ?? '')}`)
    .join('&');
}

export function rpcStringToSign(method: string, params: Record<string, string>): string {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalizedQuery(params))}`;
}

export function rpcSignatureV1(method: string, params: Record<string, string>, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(rpcStringToSign(method, params), 'utf8').digest('base64');
}

export function isValidRpcSignatureV1(method: string, params: Record<string, string>, accessKeySecret: string): boolean {
  const provided = Buffer.from(params.Signature ?? '', 'utf8');
  const expected = Buffer.from(rpcSignatureV1(method, params, accessKeySecret), 'utf8');
  return provided.length === expected.length && timingSafeEqual(provided, expected);
}
