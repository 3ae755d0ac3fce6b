import { describe, expect, it } from 'vitest';
import { mergeParams, parseForm } from '../../shared/http/params.js';
import type { HttpRequest } from '../../shared/http/types.js';
import { KmsError } from '../../shared/domain/errors.js';

const request = (query: Record<string, string>, body = '', contentType?: string): HttpRequest => ({
  method: 'POST',
  path: '/',
  headers: contentType ? { 'content-type': contentType } : {},
  query,
  body: Buffer.from(body),
  sourceIp: '127.0.0.1',
});

const errorOf = (fn: () => unknown): KmsError => {
  try {
    fn();
  } catch (e) {
    return e as KmsError;
  }
  throw new Error('expected an error');
};

describe('mergeParams', () => {
  it('takes the query alone when there is no body (what SDK 1.2.0 sends)', () => {
    expect(mergeParams(request({ Action: 'GetSecretValue', SecretName: 'a' }))).toEqual({
      Action: 'GetSecretValue',
      SecretName: 'a',
    });
  });

  it('merges a form body over the query: the body wins, as the SDK signs { ...query, ...body }', () => {
    const merged = mergeParams(
      request({ Action: 'PutSecretValue', SecretName: 'from-query' }, 'SecretName=from-body&SecretData=x', 'application/x-www-form-urlencoded; charset=UTF-8'),
    );
    expect(merged).toEqual({ Action: 'PutSecretValue', SecretName: 'from-body', SecretData: 'x' });
  });

  it('decodes + as space, percent-escapes as UTF-8, and keeps empty values', () => {
    expect(parseForm('a=1+2&b=%E5%AF%86%2B&c=&d')).toEqual({ a: '1 2', b: '密+', c: '', d: '' });
  });

  it('rejects a body that is not a form, naming the content type', () => {
    const e = errorOf(() => mergeParams(request({}, '{"SecretName":"a"}', 'application/json')));
    expect(e.code).toBe('ParseRequestParameterException');
    expect(e.httpStatus).toBe(400);
    expect(e.message).toContain('application/json');
    expect(errorOf(() => mergeParams(request({}, 'SecretName=a'))).code).toBe('ParseRequestParameterException');
  });

  it('rejects malformed percent-encoding instead of passing garbled values on', () => {
    const e = errorOf(() => mergeParams(request({}, 'SecretData=%E5%AF&x=%ZZ', 'application/x-www-form-urlencoded')));
    expect(e.code).toBe('ParseRequestParameterException');
    expect(e.message).not.toContain('%E5');
  });
});
