import { describe, expect, it } from 'vitest';
import {
  parseV3Authorization,
  payloadHashMatches,
  sha256Hex,
  verifyV3,
} from '../../shared/http/signature-v3.js';
import type { HttpRequest } from '../../shared/http/types.js';
import { KmsError } from '../../shared/domain/errors.js';
import { signV3Request, type V3Options } from '../support/request-signers.js';

const SECRET = 'v3-secret/+=';
const base: V3Options = { accessKeyId: 'AK3', secret: SECRET, action: 'GetSecretValue', at: Date.UTC(2026, 0, 1) };

/** Signs with the test's own V3 implementation, then shapes it as the server sees it. */
const signedRequest = (
  query: Record<string, string>,
  body = '',
  options: Partial<V3Options> = {},
  contentType?: string,
): HttpRequest => {
  const r = signV3Request({ method: 'POST', host: 'kms.test:8080', query, body, contentType }, { ...base, ...options });
  return { method: 'POST', path: '/', headers: r.headers, query, body: Buffer.from(body), sourceIp: '127.0.0.1' };
};

const authOf = (req: HttpRequest) => parseV3Authorization(req.headers.authorization ?? '');

describe('signature V3 (ACS3-HMAC-SHA256)', () => {
  it('accepts a request signed by an independent implementation', () => {
    const req = signedRequest({ SecretName: 'db/main', VersionStage: 'ACSCurrent', Note: 'a b*c~(x)' });
    expect(verifyV3(req, authOf(req), SECRET)).toBe(true);
  });

  it('accepts a signed form body with a content-type header', () => {
    const req = signedRequest({}, 'SecretName=db%2Fmain&SecretData=p%40ss', {}, 'application/x-www-form-urlencoded');
    expect(authOf(req).signedHeaders).toContain('content-type');
    expect(verifyV3(req, authOf(req), SECRET)).toBe(true);
    expect(payloadHashMatches(req)).toBe(true);
  });

  it('accepts both ways of writing an empty query value (docs "k=", TypeScript SDK "k")', () => {
    for (const emptyValue of ['k=', 'k'] as const) {
      const req = signedRequest({ SecretName: 'x', Description: '' }, '', { emptyValue });
      expect(verifyV3(req, authOf(req), SECRET)).toBe(true);
    }
  });

  it('rejects a wrong secret, a changed query value, a changed signed header', () => {
    const req = signedRequest({ SecretName: 'db/main' });
    expect(verifyV3(req, authOf(req), 'other')).toBe(false);
    expect(verifyV3({ ...req, query: { SecretName: 'db/other' } }, authOf(req), SECRET)).toBe(false);
    const changedAction = { ...req, headers: { ...req.headers, 'x-acs-action': 'DeleteSecret' } };
    expect(verifyV3(changedAction, authOf(req), SECRET)).toBe(false);
  });

  it('detects a body that does not match x-acs-content-sha256', () => {
    const req = signedRequest({}, 'SecretData=a', {}, 'application/x-www-form-urlencoded');
    expect(payloadHashMatches({ ...req, body: Buffer.from('SecretData=b') })).toBe(false);
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('parses the Authorization header and rejects incomplete or other algorithms', () => {
    const auth = parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=x-acs-date;Host,Signature=ab12');
    expect(auth).toEqual({
      algorithm: 'ACS3-HMAC-SHA256',
      accessKeyId: 'AK',
      signedHeaders: ['host', 'x-acs-date'],
      signature: 'ab12',
    });
    const codeOf = (header: string) => {
      try {
        parseV3Authorization(header);
        return 'parsed';
      } catch (e) {
        return (e as KmsError).code;
      }
    };
    expect(codeOf('ACS3-HMAC-SHA256 SignedHeaders=host,Signature=ab')).toBe('IncompleteSignature');
    expect(codeOf('ACS3-HMAC-SHA256 Credential=AK,Signature=ab')).toBe('IncompleteSignature');
    expect(codeOf('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host')).toBe('IncompleteSignature');
    expect(codeOf('ACS3-HMAC-SM3 Credential=AK,SignedHeaders=host,Signature=ab')).toBe('InvalidParameter');
  });
});
