/**
 * Turning a parameter list into a request on the wire: V1-signed in the query or a form body,
 * V3-signed, or not signed at all. Parameters are pairs, not an object, so names such as
 * `__proto__` are sent like any other.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { officialV1Signature, signV3Request, utcSeconds } from '../../support/request-signers.js';
import { secretScanHooks } from '../../support/secret-scan-hooks.js';
import type { HttpShape } from './wire.js';

export type Pairs = readonly (readonly [string, string])[];

export interface Key {
  id: string;
  secret: string;
}

export type Transport = 'query-get' | 'query-post' | 'form';

const FORM = 'application/x-www-form-urlencoded';

/** Lone surrogates become U+FFFD, as URL encoding turns them; encodeURIComponent would throw on them. */
export const toWellFormed = (s: string): string => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** What the signers accept, and what the server will decode. */
export const wellFormed = (pairs: Pairs): Pairs => pairs.map(([k, v]) => [toWellFormed(k), toWellFormed(v)] as const);

export const encodePairs = (pairs: Pairs): string => {
  const search = new URLSearchParams();
  for (const [k, v] of pairs) search.append(k, v);
  return search.toString();
};

export const asObject = (pairs: Pairs): Record<string, string> => Object.fromEntries(pairs);

export interface V1Fields {
  at?: number;
  nonce?: string;
  method?: string;
}

/** The common V1 parameters, then the request's own (which may override them), then Signature. */
export const v1SignedPairs = (params: Pairs, key: Key, method: string, fields: V1Fields = {}): [string, string][] => {
  const all = asObject([
    ['Format', 'JSON'],
    ['Version', '2016-01-20'],
    ['Timestamp', utcSeconds(fields.at ?? Date.now())],
    ['SignatureNonce', fields.nonce ?? randomUUID()],
    ['SignatureMethod', 'HMAC-SHA1'],
    ['SignatureVersion', '1.0'],
    ['AccessKeyId', toWellFormed(key.id)],
    ...wellFormed(params),
  ]);
  return [...Object.entries(all), ['Signature', officialV1Signature(all, fields.method ?? method, key.secret)]];
};

export const v1Shape = (pairs: Pairs, transport: Transport, path = '/'): HttpShape => {
  const encoded = encodePairs(pairs);
  if (transport === 'form') return { method: 'POST', path, headers: { 'content-type': FORM }, body: encoded };
  return { method: transport === 'query-get' ? 'GET' : 'POST', path: `${path}?${encoded}`, headers: {} };
};

export const signedV1 = (action: string, params: Pairs, key: Key, transport: Transport, path = '/', fields: V1Fields = {}): HttpShape => {
  const method = transport === 'query-get' ? 'GET' : 'POST';
  return v1Shape(v1SignedPairs([['Action', action], ...params], key, method, fields), transport, path);
};

const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * V1 signed by hand from pairs, spelled out from the published algorithm. The official rpc-util
 * copies the parameters into an ordinary object before signing, which drops one named `__proto__`
 * from what it signs (the server keeps it, so it rightly refuses that signature); this signer
 * covers every parameter sent. Names must be unique.
 */
export const handSignedV1 = (action: string, params: Pairs, key: Key, transport: Transport): HttpShape => {
  const pairs: [string, string][] = [
    ['Format', 'JSON'],
    ['Version', '2016-01-20'],
    ['Timestamp', utcSeconds(Date.now())],
    ['SignatureNonce', randomUUID()],
    ['SignatureMethod', 'HMAC-SHA1'],
    ['SignatureVersion', '1.0'],
    ['AccessKeyId', key.id],
    ['Action', action],
    ...wellFormed(params).map(([k, v]): [string, string] => [k, v]),
  ];
  for (const [name, value] of pairs) if (name === 'SecretData') secretScanHooks.register(value, 'sent in a signed request');
  const canonical = [...pairs]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
  const method = transport === 'query-get' ? 'GET' : 'POST';
  const signature = createHmac('sha1', `${key.secret}&`).update(`${method}&${rfc3986('/')}&${rfc3986(canonical)}`, 'utf8').digest('base64');
  return v1Shape([...pairs, ['Signature', signature]], transport);
};

export interface V3Fields {
  at?: number;
  nonce?: string;
}

/** V3: the action in a signed header, the parameters in the query or a form body. */
export const signedV3 = (action: string, params: Pairs, key: Key, host: string, inBody: boolean, fields: V3Fields = {}): HttpShape => {
  const safe = wellFormed(params);
  const query = inBody ? {} : asObject(safe);
  const body = inBody ? encodePairs(safe) : '';
  const signed = signV3Request(
    { method: 'POST', host, query, body, ...(inBody ? { contentType: FORM } : {}) },
    { accessKeyId: key.id, secret: key.secret, action, ...(fields.at !== undefined ? { at: fields.at } : {}), ...(fields.nonce ? { nonce: fields.nonce } : {}) },
  );
  const search = inBody ? '' : encodePairs(Object.entries(query));
  return { method: 'POST', path: search ? `/?${search}` : '/', headers: signed.headers, body };
};
