import { beforeEach, describe, expect, it } from 'vitest';
import { authenticate, TIMESTAMP_WINDOW_MS, type AuthenticateDeps } from '../../shared/http/authenticate.js';
import type { HttpRequest } from '../../shared/http/types.js';
import { KmsError } from '../../shared/domain/errors.js';
import { ManualClock } from '../support/manual-clock.js';
import { InMemoryNonceStoreForTests, staticCredentials } from '../support/kms-http-test-server.js';
import { signedV1Params, signV3Request } from '../support/request-signers.js';

const AK = 'AKID-test';
const SECRET = 'test-secret-value';
const MINUTE = 60_000;

let clock: ManualClock;
let nonces: InMemoryNonceStoreForTests;
let deps: AuthenticateDeps;

beforeEach(() => {
  clock = new ManualClock(Date.UTC(2026, 2, 1, 12, 0, 0));
  nonces = new InMemoryNonceStoreForTests();
  deps = { clock, nonces, credentials: staticCredentials({ [AK]: { secret: SECRET, principal: 'alice' } }) };
});

const v1Request = (params: Record<string, string>): HttpRequest => ({
  method: 'POST',
  path: '/',
  headers: {},
  query: params,
  body: Buffer.alloc(0),
  sourceIp: '10.0.0.1',
});

const v1 = (overrides: { secret?: string; accessKeyId?: string; at?: number; nonce?: string } = {}) =>
  v1Request(
    signedV1Params(
      { Action: 'DescribeSecret', SecretName: 'db/main' },
      { accessKeyId: overrides.accessKeyId ?? AK, secret: overrides.secret ?? SECRET, at: overrides.at ?? clock.now(), nonce: overrides.nonce },
    ),
  );

const v3 = (overrides: { secret?: string; at?: number; nonce?: string; body?: string } = {}): HttpRequest => {
  const body = overrides.body ?? '';
  const query = { SecretName: 'db/main' };
  const signed = signV3Request(
    { method: 'POST', host: 'kms.local', query, body, contentType: body ? 'application/x-www-form-urlencoded' : undefined },
    { accessKeyId: AK, secret: overrides.secret ?? SECRET, action: 'DescribeSecret', at: overrides.at ?? clock.now(), nonce: overrides.nonce },
  );
  return { method: 'POST', path: '/', headers: signed.headers, query, body: Buffer.from(body), sourceIp: '10.0.0.1' };
};

const failure = async (req: HttpRequest): Promise<KmsError> => {
  try {
    await authenticate(req, req.query, deps);
  } catch (e) {
    return e as KmsError;
  }
  throw new Error('expected authentication to fail');
};

describe('authenticate V1', () => {
  it('returns the AccessKey and its principal for a valid request', async () => {
    const req = v1();
    await expect(authenticate(req, req.query, deps)).resolves.toEqual({ accessKeyId: AK, principal: 'alice', grant: { kind: 'root' } });
  });

  it('answers an unknown AccessKey with 404 InvalidAccessKeyId.NotFound', async () => {
    const e = await failure(v1({ accessKeyId: 'AK-unknown' }));
    expect([e.httpStatus, e.code]).toEqual([404, 'InvalidAccessKeyId.NotFound']);
  });

  it('answers an AccessKey ID no key can have (too long, odd characters) as unknown, without asking the store', async () => {
    let lookups = 0;
    const counting = { ...deps, credentials: async (id: string) => (lookups++, deps.credentials(id)) };
    for (const accessKeyId of ['A'.repeat(2000), 'AK unknown', 'AK\u0001x']) {
      const req = v1({ accessKeyId });
      const e = await authenticate(req, req.query, counting).then(
        () => expect.unreachable(),
        (error: { httpStatus: number; code: string }) => error,
      );
      expect([e.httpStatus, e.code]).toEqual([404, 'InvalidAccessKeyId.NotFound']);
    }
    expect(lookups).toBe(0);
  });

  it('answers a wrong secret with 400 SignatureDoesNotMatch and names no secret', async () => {
    const e = await failure(v1({ secret: 'wrong-secret' }));
    expect([e.httpStatus, e.code]).toEqual([400, 'SignatureDoesNotMatch']);
    expect(e.message).not.toContain(SECRET);
    expect(e.message).not.toContain('wrong-secret');
  });

  it('answers a timestamp more than 15 minutes off, either way, with IllegalTimestamp', async () => {
    expect((await failure(v1({ at: clock.now() - 16 * MINUTE }))).code).toBe('IllegalTimestamp');
    expect((await failure(v1({ at: clock.now() + 16 * MINUTE }))).code).toBe('IllegalTimestamp');
    const malformed = v1Request({ ...v1().query, Timestamp: '2026-03-01 12:00:00' });
    expect((await failure(malformed)).code).toBe('IllegalTimestamp');
  });

  it('accepts a timestamp 14 minutes off', async () => {
    const req = v1({ at: clock.now() - 14 * MINUTE });
    await expect(authenticate(req, req.query, deps)).resolves.toMatchObject({ accessKeyId: AK });
  });

  it('rejects a replayed nonce with SignatureNonceUsed and keeps it at least 15 minutes', async () => {
    const req = v1({ nonce: 'nonce-1' });
    await authenticate(req, req.query, deps);
    expect((await failure(req)).code).toBe('SignatureNonceUsed');
    const expiresAt = nonces.claims.get(`${AK}/nonce-1`);
    expect(expiresAt).toBeGreaterThanOrEqual(clock.now() + TIMESTAMP_WINDOW_MS);
  });

  it('does not claim the nonce of a request whose signature is wrong', async () => {
    await failure(v1({ secret: 'wrong', nonce: 'nonce-2' }));
    expect(nonces.claims.size).toBe(0);
    const good = v1({ nonce: 'nonce-2' });
    await expect(authenticate(good, good.query, deps)).resolves.toMatchObject({ accessKeyId: AK });
  });

  it('reports missing signature fields as MissingParameter naming them', async () => {
    for (const name of ['Signature', 'AccessKeyId', 'Timestamp', 'SignatureNonce', 'SignatureMethod']) {
      const params = { ...v1().query };
      delete params[name];
      const e = await failure(v1Request(params));
      expect([e.code, e.message]).toEqual(['MissingParameter', `The parameter "${name}" is needed but not provided.`]);
    }
  });

  it('rejects an unsupported SignatureMethod with 400', async () => {
    const e = await failure(v1Request({ ...v1().query, SignatureMethod: 'HMAC-SHA256' }));
    expect([e.httpStatus, e.code]).toEqual([400, 'InvalidParameter']);
    expect(e.message).toContain('SignatureMethod');
  });
});

describe('authenticate V3', () => {
  it('accepts a valid ACS3-HMAC-SHA256 request, with or without a form body', async () => {
    await expect(authenticate(v3(), {}, deps)).resolves.toEqual({ accessKeyId: AK, principal: 'alice', grant: { kind: 'root' } });
    await expect(authenticate(v3({ body: 'SecretData=x' }), {}, deps)).resolves.toMatchObject({ accessKeyId: AK });
  });

  it('rejects a body that differs from x-acs-content-sha256', async () => {
    const req = { ...v3({ body: 'SecretData=x' }), body: Buffer.from('SecretData=y') };
    const e = await failure(req);
    expect(e.code).toBe('SignatureDoesNotMatch');
    expect(e.message).toContain('x-acs-content-sha256');
  });

  it('rejects a wrong secret, a stale x-acs-date and a replayed nonce', async () => {
    expect((await failure(v3({ secret: 'nope' }))).code).toBe('SignatureDoesNotMatch');
    expect((await failure(v3({ at: clock.now() - 20 * MINUTE }))).code).toBe('IllegalTimestamp');
    const req = v3({ nonce: 'n3' });
    await authenticate(req, {}, deps);
    expect((await failure(req)).code).toBe('SignatureNonceUsed');
  });

  it('requires the action and replay-guard headers to be signed', async () => {
    const req = v3();
    const unsigned = req.headers.authorization!.replace(/SignedHeaders=[^,]*/, 'SignedHeaders=host;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version');
    const e = await failure({ ...req, headers: { ...req.headers, authorization: unsigned } });
    expect(e.code).toBe('IncompleteSignature');
    expect(e.message).toContain('x-acs-action');

    const noDate = { ...req.headers };
    delete noDate['x-acs-date'];
    expect((await failure({ ...req, headers: noDate })).code).toBe('IncompleteSignature');
  });

  it('answers an unknown Credential with InvalidAccessKeyId.NotFound', async () => {
    const req = v3();
    const other = req.headers.authorization!.replace(`Credential=${AK}`, 'Credential=AK-other');
    expect((await failure({ ...req, headers: { ...req.headers, authorization: other } })).code).toBe(
      'InvalidAccessKeyId.NotFound',
    );
  });
});
