/**
 * Boundary: what a console session may do, and who may act through it.
 *
 * Attacker's goal: make a signed-in operator's browser rotate or delete a secret, or reveal its
 * value, from another site (a cross-site form post, a post without the form's CSRF token, with the
 * token of another session, or with a token of the right shape); or act without a valid session at
 * all (a forged, tampered, expired or re-signed cookie, or another key's cookie with a session id
 * swapped in).
 *
 * Each refused attempt must change nothing and reveal nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundaryTally } from '../support/boundary-tally.js';
import { startBoundaryRuntime, type BoundaryRuntime } from '../support/boundary-runtime.js';
import { signInCookie } from '../support/console-session.js';
import type { Key } from '../support/signed-requests.js';
import type { WireResponse } from '../support/wire.js';

const VALUE = 'csrf-suite-secret-value';
const FORM = 'application/x-www-form-urlencoded';
const ALL = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
const PATHS = ['/console/secrets/app-csrf/reveal', '/console/secrets/app-csrf/rotate', '/console/secrets/app-csrf/delete'];

const tally = new BoundaryTally('console-sessions', import.meta.url);
let rt: BoundaryRuntime;
let victim: Key;
let other: Key;

const cookieOf = (key: Key): Promise<string> => signInCookie(rt, key);

const csrfOf = async (cookie: string): Promise<string> => {
  const page = await rt.send({ method: 'GET', path: '/console/secrets', headers: { cookie, host: rt.host } });
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body.toString('utf8'))?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
};

const post = (path: string, cookie: string | undefined, form: Record<string, string>, headers: Record<string, string> = {}): Promise<WireResponse> =>
  rt.send({
    method: 'POST',
    path,
    headers: { 'content-type': FORM, host: rt.host, ...(cookie ? { cookie } : {}), ...headers },
    body: new URLSearchParams({ useCustom: 'off', method: 'now', ...form }).toString(),
  });

/** Sends the attempt at every state-changing or revealing route; none may succeed. */
const refusedEverywhere = async (what: string, attempt: (path: string) => Promise<WireResponse>): Promise<void> => {
  for (const path of PATHS) {
    const res = await attempt(path);
    tally.tried();
    const body = res.body.toString('utf8');
    if (res.status < 400 || body.includes(VALUE)) tally.crossed(`${what} ${path}: ${res.status}`);
    expect(res.status, `${what} ${path}`).toBeGreaterThanOrEqual(400);
    expect(body).not.toContain(VALUE);
  }
};

const tamper = (cookie: string, change: (payload: Record<string, unknown>) => Record<string, unknown>): string => {
  const [name, token = ''] = cookie.split('=');
  const [payload = '', mac = ''] = token.split('.');
  const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${name}=${Buffer.from(JSON.stringify(change(fields))).toString('base64url')}.${mac}`;
};

beforeAll(async () => {
  rt = await startBoundaryRuntime('rotor-csrf-');
  await rt.createSecret('app-csrf', VALUE);
  victim = await rt.createKey('the operator');
  other = await rt.createKey('another operator');
  for (const key of [victim, other]) expect((await rt.putPolicy(key, ALL)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  tally.write();
  await rt?.stop();
});

describe('a signed-in operator cannot be made to act from elsewhere', () => {
  it('refuses posts without the token, with another session’s token, with a made-up token, and from another origin', async () => {
    const before = rt.secretState();
    const cookie = await cookieOf(victim);
    const own = await csrfOf(cookie);
    const othersToken = await csrfOf(await cookieOf(other));
    const secondSessionToken = await csrfOf(await cookieOf(victim));
    await refusedEverywhere('no token', (path) => post(path, cookie, {}));
    await refusedEverywhere('empty token', (path) => post(path, cookie, { _csrf: '' }));
    await refusedEverywhere('another key’s session token', (path) => post(path, cookie, { _csrf: othersToken }));
    await refusedEverywhere('the same key’s other session token', (path) => post(path, cookie, { _csrf: secondSessionToken }));
    await refusedEverywhere('a token of the right shape', (path) => post(path, cookie, { _csrf: own.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }));
    await refusedEverywhere('a cross-site post with the right token', (path) => post(path, cookie, { _csrf: own }, { origin: 'https://evil.example' }));
    await refusedEverywhere('a forwarded host that is not the origin', (path) =>
      post(path, cookie, { _csrf: own }, { origin: 'https://evil.example', 'x-forwarded-host': 'console.example' }),
    );
    expect(rt.secretState()).toEqual(before);

    // The control: the same operator's own form works, so the refusals above are the guard at work.
    const revealed = await post(PATHS[0] as string, cookie, { _csrf: own }, { origin: `http://${rt.host}` });
    expect(revealed.status).toBe(200);
    expect(revealed.body.toString('utf8')).toContain(VALUE);
  });
});

describe('no session, no action', () => {
  it('refuses missing, forged, tampered, expired and re-assigned cookies', async () => {
    const before = rt.secretState();
    const cookie = await cookieOf(victim);
    const csrf = await csrfOf(cookie);
    const otherCookie = await cookieOf(other);
    await refusedEverywhere('no cookie', (path) => post(path, undefined, { _csrf: csrf }));
    await refusedEverywhere('a cookie of random bytes', (path) => post(path, 'rotor_console=AAAA.BBBB', { _csrf: csrf }));
    await refusedEverywhere('the key id swapped', (path) => post(path, tamper(cookie, (f) => ({ ...f, k: other.id })), { _csrf: csrf }));
    await refusedEverywhere('the expiry pushed out', (path) => post(path, tamper(cookie, (f) => ({ ...f, e: Number(f.e) + 86_400_000 })), { _csrf: csrf }));
    await refusedEverywhere('an expired time', (path) => post(path, tamper(cookie, (f) => ({ ...f, e: 1 })), { _csrf: csrf }));
    await refusedEverywhere('another key’s cookie with this session’s token', (path) => post(path, otherCookie, { _csrf: csrf }));
    await refusedEverywhere('the MAC of another cookie', (path) =>
      post(path, `${cookie.split('.')[0]}.${otherCookie.split('.')[1] ?? ''}`, { _csrf: csrf }),
    );
    expect(rt.secretState()).toEqual(before);
  });

  it('a wrong secret at sign-in sets no cookie', async () => {
    const res = await rt.send({
      method: 'POST',
      path: '/console/signin',
      headers: { 'content-type': FORM, host: rt.host },
      body: new URLSearchParams({ accessKeyId: victim.id, accessKeySecret: `${victim.secret}x` }).toString(),
    });
    tally.tried();
    expect(res.status).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
