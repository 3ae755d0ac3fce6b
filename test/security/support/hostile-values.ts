/**
 * fast-check arbitraries for hostile parameter values and names: oversize, bad encodings, control
 * characters, wrong types, JSON and XML fragments, names that collide with Object.prototype.
 */
import fc from 'fast-check';

/** Just past KMS's documented limits, and far past them. */
export const SECRET_DATA_LIMIT = 30_720;
export const SECRET_NAME_LIMIT = 192;

const repeat = (unit: string, length: number): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

/** Values with a known reason to be trouble; each one reaches every parameter sooner or later. */
export const NOTORIOUS_VALUES: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\r\n',
  '\t',
  '\u001b[31m',
  '\u007f',
  '%',
  '%ZZ',
  '%E0%A4',
  '%00',
  '%2F..%2F',
  '\uD800',
  '\uDFFF\uD800',
  '\uFFFE',
  '\uFEFF',
  '\u202Egnp.exe',
  '../../../etc/passwd',
  '..\\..\\windows',
  '<a>&amp;</a>',
  ']]><x/>',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  '{',
  '{"a":',
  '[]',
  '[1,2,3]',
  '{}',
  'null',
  'true',
  'false',
  '0',
  '-1',
  '1.5',
  '1e3',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  '9'.repeat(40),
  '-9'.repeat(20),
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '[{"TagKey":1,"TagValue":null}]',
  '[{"TagKey":"k"}]',
  '[{"Key":"SecretName","Values":"notAnArray"}]',
  '[{"Key":"SecretName","Values":[1,{}]}]',
  '{"SecretSubType":"GeneratedPassword","PasswordLength":"x"}',
  '{"SecretSubType":"GeneratedPassword","PasswordLength":100000}',
  '{"SecretSubType":"Unknown"}',
  '{"Version":"1","Statement":"*"}',
  '{"Version":"1","Statement":[{"Effect":"Allow","Action":[],"Resource":{}}]}',
  repeat('[', 5_000),
  repeat('{"a":', 2_000),
  'ACSCurrent',
  'ACSPrevious',
  'ACSPending',
  'acscurrent',
  '6h',
  '0s',
  '-1d',
  '99999999999999999999h',
  '8761h',
  '1y',
  'XML',
  'xml',
  'JSON',
  'jsonp',
  '2016-01-20',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  'not-a-date',
  '$Auto',
  'acs/ecs/',
  'acs/ram/user/',
  'acs:kms:cn-hangzhou:000000000000:secret/',
  'acs:kms:*:*:secret/*',
  '*',
  'é',
  '𝕏',
  '漢字',
];

/** Oversize values, kept to a few sizes so the run stays fast. */
export const oversizeValue: fc.Arbitrary<string> = fc.oneof(
  fc.constant(repeat('a', SECRET_NAME_LIMIT + 1)),
  fc.constant(repeat('a', SECRET_DATA_LIMIT + 1)),
  fc.constant(repeat('é', SECRET_DATA_LIMIT)),
  fc.constant(repeat('%', 20_000)),
  fc.integer({ min: 193, max: 4_000 }).map((n) => repeat('x/', n)),
);

/** Strings from every corner of Unicode, lone surrogates and control characters included. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('%', '&', '=', '+', '?', '#', '/', '\\', ';', ','), maxLength: 12 }),
  fc.json({ maxDepth: 3 }),
);

export const hostileValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NOTORIOUS_VALUES) },
  { weight: 4, arbitrary: anyText },
  { weight: 1, arbitrary: oversizeValue },
);

/** Parameter names nobody defines, some of which JavaScript objects answer to anyway. */
export const strangeParamName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', 'Signature', ''),
  fc.constantFrom('secretname', 'SECRETNAME', 'SecretName ', ' SecretName', 'Secret%4Eame', 'Filters.1.Key', 'Tags[0]'),
  fc.string({ minLength: 1, maxLength: 20 }),
);
