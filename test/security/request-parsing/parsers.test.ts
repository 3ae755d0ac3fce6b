/**
 * The counting parsers on their own: each stops at the first pair, name or value past its budget
 * (it does not split the whole text first), keeps what a legit request sends exactly as before,
 * and builds objects without a prototype. Also the budget's arithmetic (request-limits.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseForm as parseConsoleForm } from '../../../shared/console/console-app.js';
import { KmsError } from '../../../shared/domain/errors.js';
import { decodeLenient, forEachPair, mergeParams, parseForm } from '../../../shared/http/params.js';
import {
  base64DataLength,
  CONSOLE_BUDGET,
  KMS_API_BUDGET,
  LARGEST_KMS_REQUEST_BYTES,
  MAX_EVENT_JSON_VALUES,
  MAX_REQUEST_HEAD_BYTES,
} from '../../../shared/http/request-limits.js';
import type { HttpRequest } from '../../../shared/http/types.js';
import { buildFcHttpEvent } from '../../../shared/runtime/local/http-event.js';
import { checkHttpEventBudget, decodeEventPayload, jsonValuesOver } from '../../../shared/runtime/middleware/decode-fc-event.js';
import { httpEvent } from '../../support/fc-events.js';
import { BoundaryTally } from '../support/boundary-tally.js';

const tally = new BoundaryTally('request-parsing', import.meta.url);
afterAll(() => tally.write());

const FORM = 'application/x-www-form-urlencoded';

const request = (query: Record<string, string>, body = '', contentType = FORM): HttpRequest => ({
  method: 'POST',
  path: '/',
  headers: { 'content-type': contentType },
  query,
  body: Buffer.from(body),
  sourceIp: '127.0.0.1',
});

/** The KmsError `fn` throws, counted as one hostile input tried (and a crossing if none is thrown). */
const refusal = (what: string, fn: () => unknown): KmsError => {
  tally.tried();
  try {
    fn();
  } catch (e) {
    if (e instanceof KmsError) return e;
    tally.crossed(`${what}: threw ${String(e)}`);
    throw e;
  }
  tally.crossed(`${what}: accepted`);
  throw new Error(`${what}: accepted`);
};

const pairs = (n: number, name?: (i: number) => string): string => Array.from({ length: n }, (_, i) => `${name ? name(i) : `p${i}`}=1`).join('&');

describe('forEachPair', () => {
  it('stops at the first pair past the count: of 3 million, it decodes 64', () => {
    const text = pairs(3_000_000);
    let decoded = 0;
    const started = performance.now();
    const e = refusal('3 million pairs', () =>
      forEachPair(text, KMS_API_BUDGET, 0, (raw) => {
        decoded++;
        return raw;
      }, () => undefined),
    );
    expect(e).toMatchObject({ code: 'TooManyParameters', httpStatus: 400 });
    expect(decoded).toBe(2 * KMS_API_BUDGET.maxParams);
    expect(performance.now() - started).toBeLessThan(20);
  });

  it('counts from the pairs already taken (the query string)', () => {
    expect(forEachPair(pairs(4), KMS_API_BUDGET, 60, decodeLenient, () => undefined)).toBe(64);
    expect(refusal('60 + 5 pairs', () => forEachPair(pairs(5), KMS_API_BUDGET, 60, decodeLenient, () => undefined)).code).toBe('TooManyParameters');
  });

  it('refuses a name past the limit before decoding it, and a decoded one past it after', () => {
    const raw: string[] = [];
    const e = refusal('long raw name', () => forEachPair(`${'%41'.repeat(400)}=1`, KMS_API_BUDGET, 0, (r) => (raw.push(r), r), () => undefined));
    expect(e).toMatchObject({ code: 'ParameterNameTooLong', httpStatus: 400 });
    expect(raw).toEqual([]);
    expect(refusal('long decoded name', () => parseForm(`${'%41'.repeat(129)}=1`)).code).toBe('ParameterNameTooLong');
    expect(Object.keys(parseForm(`${'%41'.repeat(128)}=1`))).toEqual(['A'.repeat(128)]);
  });

  it('finds each name with one pass: 100,000 pairs without "=" cost no quadratic search', () => {
    const budget = { maxParams: 200_000, maxNameLength: 128 };
    const started = performance.now();
    expect(forEachPair('a&'.repeat(100_000), budget, 0, (r) => r, () => undefined)).toBe(100_000);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('does not count empty segments, and stays linear over them', () => {
    expect(forEachPair(`&&&${'&'.repeat(250_000)}a=1&&b=2&`, KMS_API_BUDGET, 0, decodeLenient, () => undefined)).toBe(2);
  });
});

describe('parseForm and mergeParams (the KMS API)', () => {
  it('keeps what a legit request sends, as before', () => {
    expect(parseForm('a=1+2&b=%E5%AF%86%2B&c=&d')).toEqual({ a: '1 2', b: '密+', c: '', d: '' });
    expect(mergeParams(request({ Action: 'PutSecretValue', SecretName: 'q' }, 'SecretName=b&SecretData=x'))).toEqual({ Action: 'PutSecretValue', SecretName: 'b', SecretData: 'x' });
    expect(mergeParams(request(Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`q${i}`, '1'])), pairs(32)))).toHaveProperty('p31', '1');
  });

  it('builds objects without a prototype: __proto__ and constructor are parameters like any other', () => {
    const form = parseForm('__proto__=x&constructor=y&toString=z');
    expect(Object.getPrototypeOf(form)).toBeNull();
    expect(Object.keys(form)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(form.__proto__).toBe('x');
    const merged = mergeParams(request({ hasOwnProperty: 'q' }, 'valueOf=b'));
    expect(Object.getPrototypeOf(merged)).toBeNull();
    expect({ ...merged }).toEqual({ hasOwnProperty: 'q', valueOf: 'b' });
  });

  it('refuses a body past the budget before decoding it, whatever its content type', () => {
    const e = refusal('body past the budget', () => mergeParams(request({}, 'a'.repeat(KMS_API_BUDGET.maxBodyBytes + 1), 'application/json')));
    expect(e).toMatchObject({ code: 'RequestBodyTooLarge', httpStatus: 413 });
    expect(e.message).toContain(String(KMS_API_BUDGET.maxBodyBytes));
  });

  it('counts the query and the body together', () => {
    const query = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`q${i}`, '1']));
    expect(Object.keys(mergeParams(request(query, pairs(24))))).toHaveLength(64);
    expect(refusal('40 + 25 parameters', () => mergeParams(request(query, pairs(25)))).code).toBe('TooManyParameters');
    expect(refusal('65 query parameters', () => mergeParams(request(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`q${i}`, '1'])))))).toMatchObject({ code: 'TooManyParameters' });
  });

  it('still rejects malformed percent-encoding, now counted too', () => {
    expect(refusal('bad escape', () => parseForm('a=%ZZ')).code).toBe('ParseRequestParameterException');
  });
});

describe("the console's form parser", () => {
  it('decodes as URLSearchParams did, leniently, without a prototype', () => {
    const form = parseConsoleForm(request({}, 'a=%ZZ&b=%E5%AF&c=1+2&=e&__proto__=p&a=last'));
    expect(Object.getPrototypeOf(form)).toBeNull();
    // Spread copies own properties, a __proto__ among them, so both sides hold the same plain fields.
    expect({ ...form }).toEqual({ ...Object.fromEntries(new URLSearchParams('a=%ZZ&b=%E5%AF&c=1+2&=e&__proto__=p&a=last')) });
    expect(Object.hasOwn(form, '__proto__')).toBe(true);
  });

  it('holds a post to its own budget: 512 KiB, 64 fields', () => {
    expect(refusal('console body', () => parseConsoleForm(request({}, 'a'.repeat(CONSOLE_BUDGET.maxBodyBytes + 1))))).toMatchObject({ code: 'RequestBodyTooLarge' });
    expect(refusal('console pairs', () => parseConsoleForm(request({}, pairs(65))))).toMatchObject({ code: 'TooManyParameters' });
    expect(Object.keys(parseConsoleForm(request({}, `draft=${'A'.repeat(400_000)}&${pairs(63)}`)))).toHaveLength(64);
  });
});

describe('the local HTTP event: the query string counted as it is split', () => {
  const build = (url: string) =>
    buildFcHttpEvent({ method: 'GET', url, rawHeaders: ['Host', 'localhost'], body: Buffer.alloc(0), sourceIp: '127.0.0.1', httpVersion: '1.1' }, { requestId: 'r', accountId: '1', now: 0 });

  it('keeps what URLSearchParams gave: decoding, "+" as space, repeated names joined with commas', () => {
    const query = '?a=1&a=2&b=%E5%AF%86+x&c=%ZZ&d&=e&constructor=k';
    expect({ ...build(`/${query}`).queryParameters }).toEqual({ a: '1,2', b: '密 x', c: '%ZZ', d: '', '': 'e', constructor: 'k' });
  });

  it(`refuses a request line of ${MAX_REQUEST_HEAD_BYTES / 1024} KiB of a=1 pairs at the 65th`, () => {
    const started = performance.now();
    expect(refusal('query pairs', () => build(`/?${'a=1&'.repeat((MAX_REQUEST_HEAD_BYTES - 16) / 4)}`))).toMatchObject({ code: 'TooManyParameters', httpStatus: 400 });
    expect(refusal('query name', () => build(`/?${'N'.repeat(200)}=1`))).toMatchObject({ code: 'ParameterNameTooLong' });
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('takes a Host of 200,000 dots without splitting it', () => {
    const event = buildFcHttpEvent(
      { method: 'GET', url: '/', rawHeaders: ['Host', `h${'.'.repeat(200_000)}`], body: Buffer.alloc(0), sourceIp: '127.0.0.1', httpVersion: '1.1' },
      { requestId: 'r', accountId: '1', now: 0 },
    );
    expect(event.requestContext.domainPrefix).toBe('h');
  });
});

describe('the FC event decoder (the cloud path)', () => {
  it('counts JSON values outside strings only, and stops past the limit', () => {
    expect(jsonValuesOver(Buffer.from('[1,2,3]'), 3)).toBe(false);
    expect(jsonValuesOver(Buffer.from('[1,2,3,4]'), 3)).toBe(true);
    expect(jsonValuesOver(Buffer.from(JSON.stringify({ s: ',,,,[[[{{{"\\\\",,,' })), 2)).toBe(false);
    expect(jsonValuesOver(Buffer.from(JSON.stringify({ s: 'a\\', t: [1, 2, 3] })), 3)).toBe(true);
    expect(jsonValuesOver(Buffer.from(`"${'\\"'.repeat(10)}`), 0)).toBe(false);
  });

  it(`refuses JSON of more than ${MAX_EVENT_JSON_VALUES} values before parsing it, and parses what is within`, () => {
    const nested = '['.repeat(500_000) + ']'.repeat(500_000);
    tally.tried();
    expect(() => decodeEventPayload(Buffer.from(nested))).toThrow(/more than the 4096 JSON values/);
    const legit = httpEvent(Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`p${i}`, '1'])), 'x'.repeat(100_000));
    expect(decodeEventPayload(Buffer.from(JSON.stringify(legit)))).toEqual(legit);
  });

  it('refuses a raw event past its size before looking into it', () => {
    tally.tried();
    expect(() => decodeEventPayload(Buffer.alloc(2_000_001, 32), 2_000_000)).toThrow(/larger than the 2000000 bytes/);
  });

  it('measures a base64 body without decoding it', () => {
    expect(base64DataLength(Buffer.alloc(10).toString('base64'))).toBe(10);
    expect(base64DataLength(Buffer.alloc(11).toString('base64'))).toBe(11);
    expect(base64DataLength(Buffer.alloc(12).toString('base64'))).toBe(12);
    const over = { ...httpEvent({}), body: Buffer.alloc(KMS_API_BUDGET.maxBodyBytes + 1).toString('base64'), isBase64Encoded: true };
    expect(refusal('base64 body', () => checkHttpEventBudget(over, KMS_API_BUDGET))).toMatchObject({ code: 'RequestBodyTooLarge', httpStatus: 413 });
    const at = { ...over, body: Buffer.alloc(KMS_API_BUDGET.maxBodyBytes).toString('base64') };
    expect(() => checkHttpEventBudget(at, KMS_API_BUDGET)).not.toThrow();
  });
});

describe('the budget', () => {
  it('holds the largest legit KMS request with room, and says how large that is', () => {
    expect(LARGEST_KMS_REQUEST_BYTES).toBe(166_604);
    expect(KMS_API_BUDGET.maxBodyBytes).toBeGreaterThan(LARGEST_KMS_REQUEST_BYTES * 1.5);
    expect(KMS_API_BUDGET.maxBodyBytes).toBe(MAX_REQUEST_HEAD_BYTES);
  });
});
