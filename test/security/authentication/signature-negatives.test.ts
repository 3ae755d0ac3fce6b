/**
 * Boundary: what a caller may claim about itself (which AccessKey signed the request).
 *
 * Attacker's goal: be served as a key without its secret: a stale or future timestamp, a replayed
 * nonce, a wrong secret, a signed field changed after signing, an authentication field left out.
 *
 * Signature negatives over real HTTP, V1 and V3, against the local runtime in-process on a clock
 * the test sets: the ±15 minute boundary to the second, replayed nonces, a wrong secret, every
 * signed field tampered with, every authentication field missing. Each is refused with its precise
 * KMS-style code, and none changes the store (the refused requests are state-changing ones, so a
 * wrong acceptance would show in the snapshot).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createContainer, type Container } from '../../../shared/runtime/container.js';
import { startLocalRuntime, type LocalRuntime } from '../../../shared/runtime/local/runtime.js';
import { ManualClock } from '../../support/manual-clock.js';
import { tempDir, testConfig, type TempDir } from '../../support/runtime.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { kmsErrorOf } from '../support/kms-error-shape.js';
import { signedV1, signedV3, v1SignedPairs, v1Shape, type Key, type Pairs } from '../support/signed-requests.js';
import { snapshotStore, type StoreSnapshot } from '../support/store-snapshot.js';
import { createAgent, sendHttp, type HttpShape, type WireResponse } from '../support/wire.js';

const MINUTE = 60_000;
const WINDOW = 15 * MINUTE;
const SECRET_NAME = 'neg/app';
/** The state-changing request every negative is built from. */
const UPDATE: Pairs = [['SecretName', SECRET_NAME], ['Description', 'changed by a refused request']];

let dir: TempDir;
let container: Container;
let runtime: LocalRuntime;
let port: number;
let host: string;
let root: Key;
let other: Key;
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
const agent = createAgent(2);

const send = (wire: HttpShape): Promise<WireResponse> => sendHttp(port, agent, wire);

const tally = new BoundaryTally('authentication', import.meta.url);

/** Every request sent through here must be refused; one served is a crossing (and fails its test). */
const refusal = async (wire: HttpShape): Promise<{ status: number; code: string | undefined; message: string }> => {
  const res = await send(wire);
  tally.tried();
  if (res.status < 400) tally.crossed(`${wire.method} ${wire.path.slice(0, 120)} served ${res.status}`);
  const error = kmsErrorOf(res);
  return { status: res.status, code: error?.code, message: error?.message ?? '' };
};

beforeAll(async () => {
  dir = tempDir('rotor-signature-negatives-');
  // Shared store locking: the state snapshots read the store file through a connection of their own
  // while the runtime runs, which its default (exclusive) locking refuses.
  container = await createContainer(testConfig(dir.path, { ROTOR_STORE_LOCKING: 'shared' }), { clock });
  runtime = await startLocalRuntime({ container, env: {}, timers: false, queue: false });
  port = Number(new URL(runtime.url).port);
  host = `127.0.0.1:${port}`;
  root = { id: container.rootCredentials.accessKeyId, secret: container.rootCredentials.accessKeySecret };
  const setup = async (action: string, params: Pairs, key: Key = root) => {
    const res = await send(signedV1(action, params, key, 'query-post', '/', { at: clock.now() }));
    expect(res.status, `${action} during setup`).toBe(200);
    return JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
  };
  await setup('CreateSecret', [['SecretName', SECRET_NAME], ['VersionId', 'v1'], ['SecretData', 'negatives-initial-value']]);
  const created = (await setup('CreateAccessKey', [['Description', 'another key']])) as { AccessKey: { AccessKeyId: string; AccessKeySecret: string } };
  other = { id: created.AccessKey.AccessKeyId, secret: created.AccessKey.AccessKeySecret };
});

afterAll(async () => {
  tally.write();
  agent.destroy();
  await runtime?.stop();
  await container?.close();
  dir?.remove();
});

let before: StoreSnapshot;
beforeEach(() => {
  before = snapshotStore(dir.path);
});

const expectNoStateChange = (): void => {
  const after = snapshotStore(dir.path);
  expect(after.secrets).toEqual(before.secrets);
  expect(after.versions).toEqual(before.versions);
  expect(after.accessKeys).toEqual(before.accessKeys);
};

const v1Update = (fields: { at?: number; nonce?: string } = {}, key: Key = root): HttpShape =>
  signedV1('UpdateSecret', UPDATE, key, 'query-post', '/', { at: fields.at ?? clock.now(), ...(fields.nonce ? { nonce: fields.nonce } : {}) });

const v3Update = (fields: { at?: number; nonce?: string } = {}, key: Key = root, inBody = false): HttpShape =>
  signedV3('UpdateSecret', UPDATE, key, host, inBody, { at: fields.at ?? clock.now(), ...(fields.nonce ? { nonce: fields.nonce } : {}) });

const describeAt = (version: 'V1' | 'V3', at: number): HttpShape =>
  version === 'V1'
    ? signedV1('DescribeSecret', [['SecretName', SECRET_NAME]], root, 'query-post', '/', { at })
    : signedV3('DescribeSecret', [['SecretName', SECRET_NAME]], root, host, false, { at });

const updateAt = (version: 'V1' | 'V3', at: number): HttpShape => (version === 'V1' ? v1Update({ at }) : v3Update({ at }));

describe.each(['V1', 'V3'] as const)('%s timestamps', (version) => {
  it.each([
    ['15 minutes behind', -WINDOW],
    ['15 minutes ahead', WINDOW],
  ])('accepts a request exactly %s', async (_what, offset) => {
    const res = await send(describeAt(version, clock.now() + offset));
    expect(res.status).toBe(200);
  });

  it.each([
    ['15 minutes and 1 second behind', -WINDOW - 1000],
    ['15 minutes and 1 second ahead', WINDOW + 1000],
    ['a day behind', -24 * 60 * MINUTE],
    ['a year ahead', 365 * 24 * 60 * MINUTE],
  ])('refuses a request %s with IllegalTimestamp', async (_what, offset) => {
    expect(await refusal(updateAt(version, clock.now() + offset))).toMatchObject({ status: 400, code: 'IllegalTimestamp' });
    expectNoStateChange();
  });
});

describe('V1 timestamp forms', () => {
  it.each(['2026-06-01 12:00:00', '2026-06-01T12:00:00', '2026-06-01T12:00:00+08:00', '1780315200', 'yesterday'])('refuses Timestamp "%s" with IllegalTimestamp', async (timestamp) => {
    const wire = v1Shape(v1SignedPairs([['Action', 'UpdateSecret'], ...UPDATE, ['Timestamp', timestamp]], root, 'POST'), 'query-post');
    expect(await refusal(wire)).toMatchObject({ status: 400, code: 'IllegalTimestamp' });
    expectNoStateChange();
  });
});

describe.each(['V1', 'V3'] as const)('%s replayed nonces', (version) => {
  const build = (nonce: string, at = clock.now()) => (version === 'V1' ? v1Update({ nonce, at }) : v3Update({ nonce, at }));

  it('serves a request once and refuses the same bytes again with SignatureNonceUsed', async () => {
    const wire = build(`replay-${version}-1`);
    expect((await send(wire)).status).toBe(200);
    before = snapshotStore(dir.path);
    expect(await refusal(wire)).toMatchObject({ status: 400, code: 'SignatureNonceUsed' });
    expectNoStateChange();
  });

  it('refuses a fresh, correctly signed request that reuses a nonce, 14 minutes later', async () => {
    const nonce = `replay-${version}-2`;
    expect((await send(build(nonce))).status).toBe(200);
    before = snapshotStore(dir.path);
    clock.advance(14 * MINUTE);
    try {
      expect(await refusal(build(nonce))).toMatchObject({ status: 400, code: 'SignatureNonceUsed' });
    } finally {
      clock.advance(-14 * MINUTE);
    }
    expectNoStateChange();
  });

  it('keeps nonces per AccessKey: another key may use the same nonce', async () => {
    const nonce = `replay-${version}-3`;
    expect((await send(version === 'V1' ? v1Update({ nonce }) : v3Update({ nonce }))).status).toBe(200);
    const byOther = version === 'V1'
      ? signedV1('GetRandomPassword', [], other, 'query-post', '/', { at: clock.now(), nonce })
      : signedV3('GetRandomPassword', [], other, host, false, { at: clock.now(), nonce });
    // The other key has no policy: it gets past authentication (the nonce is fine) and is refused by policy.
    expect(await refusal(byOther)).toMatchObject({ status: 403, code: 'Forbidden.NoPermission' });
  });
});

describe.each(['V1', 'V3'] as const)('%s wrong secrets', (version) => {
  it.each([
    ['a wrong secret', (k: Key) => ({ id: k.id, secret: `${k.secret}x` })],
    ['an empty secret', (k: Key) => ({ id: k.id, secret: '' })],
    ["another key's secret", () => ({ id: root.id, secret: other.secret })],
  ])('refuses %s with SignatureDoesNotMatch, naming no secret', async (_what, keyOf) => {
    const key = keyOf(root);
    const wire = version === 'V1' ? v1Update({}, key) : v3Update({}, key);
    const answer = await refusal(wire);
    expect(answer).toMatchObject({ status: 400, code: 'SignatureDoesNotMatch' });
    expect(answer.message).not.toContain(root.secret);
    expectNoStateChange();
  });

  it('refuses an AccessKey ID nobody has with InvalidAccessKeyId.NotFound', async () => {
    const key = { id: 'LTAInobodyhasthisid', secret: root.secret };
    expect(await refusal(version === 'V1' ? v1Update({}, key) : v3Update({}, key))).toMatchObject({ status: 404, code: 'InvalidAccessKeyId.NotFound' });
    expectNoStateChange();
  });
});

describe('V1 tampered parameters', () => {
  const signed = (): [string, string][] => v1SignedPairs([['Action', 'UpdateSecret'], ...UPDATE], root, 'POST', { at: clock.now() });
  const tampered = (name: string, value: string): HttpShape =>
    v1Shape(signed().map(([k, v]): [string, string] => [k, k === name ? value : v]), 'query-post');

  it.each([
    ['Action', 'SignatureDoesNotMatch', 'DeleteSecret'],
    ['SecretName', 'SignatureDoesNotMatch', 'neg/other'],
    ['Description', 'SignatureDoesNotMatch', 'something else'],
    ['Format', 'SignatureDoesNotMatch', 'XML'],
    ['SignatureNonce', 'SignatureDoesNotMatch', 'another-nonce'],
    ['Timestamp', 'SignatureDoesNotMatch', new Date(Date.UTC(2026, 5, 1, 12, 0, 1)).toISOString().replace(/\.\d{3}Z$/, 'Z')],
    ['AccessKeyId', 'MissingParameter', ''],
    ['Version', 'InvalidVersion', '2016-01-21'],
    ['SignatureMethod', 'InvalidParameter', 'HMAC-SHA256'],
    ['SignatureVersion', 'InvalidParameter', '2.0'],
    ['Signature', 'SignatureDoesNotMatch', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='],
  ])('a changed %s is refused with %s', async (name, code, value) => {
    expect(await refusal(tampered(name, value))).toMatchObject({ status: 400, code });
    expectNoStateChange();
  });

  it('another existing AccessKey ID with the original signature is SignatureDoesNotMatch', async () => {
    expect(await refusal(tampered('AccessKeyId', other.id))).toMatchObject({ status: 400, code: 'SignatureDoesNotMatch' });
    expectNoStateChange();
  });

  it('an added parameter is SignatureDoesNotMatch, in the query or in a form body', async () => {
    const pairs = signed();
    expect(await refusal(v1Shape([...pairs, ['RecoveryWindowInDays', '7']], 'query-post'))).toMatchObject({ code: 'SignatureDoesNotMatch' });
    const inQuery = v1Shape(signed(), 'query-post');
    expect(await refusal({ ...inQuery, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Description=from-the-body' })).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expectNoStateChange();
  });

  it('the same request sent with another HTTP method is SignatureDoesNotMatch', async () => {
    expect(await refusal({ ...v1Shape(signed(), 'query-post'), method: 'GET' })).toMatchObject({ status: 400, code: 'SignatureDoesNotMatch' });
    expectNoStateChange();
  });
});

describe('V1 missing fields', () => {
  it.each(['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Version', 'Action'])(
    'a request without %s is MissingParameter naming it',
    async (name) => {
      const pairs = v1SignedPairs([['Action', 'UpdateSecret'], ...UPDATE], root, 'POST', { at: clock.now() }).filter(([k]) => k !== name);
      const answer = await refusal(v1Shape(pairs, 'query-post'));
      expect(answer).toMatchObject({ status: 400, code: 'MissingParameter' });
      expect(answer.message).toContain(`"${name}"`);
      expectNoStateChange();
    },
  );
});

describe('V3 tampered request parts', () => {
  const tamperHeader = (name: string, value: string): HttpShape => {
    const wire = v3Update();
    return { ...wire, headers: { ...(wire.headers as Record<string, string>), [name]: value } };
  };

  it.each([
    ['x-acs-action', 'SignatureDoesNotMatch', 'DeleteSecret'],
    ['x-acs-date', 'SignatureDoesNotMatch', new Date(Date.UTC(2026, 5, 1, 12, 0, 1)).toISOString().replace(/\.\d{3}Z$/, 'Z')],
    ['x-acs-signature-nonce', 'SignatureDoesNotMatch', 'another-nonce'],
    ['x-acs-content-sha256', 'SignatureDoesNotMatch', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b854'],
    ['host', 'SignatureDoesNotMatch', 'kms.cn-hangzhou.aliyuncs.com'],
    ['x-acs-version', 'InvalidVersion', '2016-01-21'],
  ])('a changed %s header is refused with %s', async (name, code, value) => {
    expect(await refusal(tamperHeader(name, value))).toMatchObject({ status: 400, code });
    expectNoStateChange();
  });

  it.each(['SecretName', 'Description'])('a changed %s in the query is SignatureDoesNotMatch', async (name) => {
    const wire = v3Update();
    const url = new URL(`http://x${wire.path}`);
    url.searchParams.set(name, 'tampered');
    expect(await refusal({ ...wire, path: `/${url.search}` })).toMatchObject({ status: 400, code: 'SignatureDoesNotMatch' });
    expectNoStateChange();
  });

  it('a changed form body is SignatureDoesNotMatch (its hash no longer matches)', async () => {
    const wire = v3Update({}, root, true);
    const answer = await refusal({ ...wire, body: String(wire.body).replace('changed', 'CHANGED') });
    expect(answer).toMatchObject({ status: 400, code: 'SignatureDoesNotMatch' });
    expect(answer.message).toContain('x-acs-content-sha256');
    expectNoStateChange();
  });

  it('a changed Signature is SignatureDoesNotMatch', async () => {
    const wire = v3Update();
    const headers = { ...(wire.headers as Record<string, string>) };
    headers.authorization = (headers.authorization ?? '').replace(/Signature=[0-9a-f]{4}/, 'Signature=0000');
    expect(await refusal({ ...wire, headers })).toMatchObject({ status: 400, code: 'SignatureDoesNotMatch' });
    expectNoStateChange();
  });

  it('a header signed but left out of SignedHeaders is IncompleteSignature', async () => {
    const wire = v3Update();
    const headers = { ...(wire.headers as Record<string, string>) };
    headers.authorization = (headers.authorization ?? '').replace('x-acs-action;', '');
    expect(await refusal({ ...wire, headers })).toMatchObject({ status: 400, code: 'IncompleteSignature' });
    expectNoStateChange();
  });
});

describe('V3 missing fields', () => {
  const without = (name: string): HttpShape => {
    const wire = v3Update();
    const headers = { ...(wire.headers as Record<string, string>) };
    delete headers[name];
    return { ...wire, headers };
  };

  it.each([
    ['x-acs-date', 'IncompleteSignature'],
    ['x-acs-signature-nonce', 'IncompleteSignature'],
    ['x-acs-content-sha256', 'IncompleteSignature'],
    ['x-acs-action', 'MissingParameter'],
    ['x-acs-version', 'MissingParameter'],
  ])('a request without the %s header is %s', async (name, code) => {
    expect(await refusal(without(name))).toMatchObject({ status: 400, code });
    expectNoStateChange();
  });

  it.each(['Credential', 'SignedHeaders', 'Signature'])('an Authorization header without %s is IncompleteSignature naming it', async (field) => {
    const wire = v3Update();
    const headers = { ...(wire.headers as Record<string, string>) };
    headers.authorization = (headers.authorization ?? '').replace(new RegExp(`,?${field}=[^,]*`), '');
    const answer = await refusal({ ...wire, headers });
    expect(answer).toMatchObject({ status: 400, code: 'IncompleteSignature' });
    expect(answer.message).toContain(field);
    expectNoStateChange();
  });

  it('an Authorization header with another algorithm is InvalidParameter', async () => {
    const wire = v3Update();
    const headers = { ...(wire.headers as Record<string, string>) };
    headers.authorization = (headers.authorization ?? '').replace('ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3');
    expect(await refusal({ ...wire, headers })).toMatchObject({ status: 400, code: 'InvalidParameter' });
    expectNoStateChange();
  });

  it('without the Authorization header the request is read as V1, where the action must be a parameter', async () => {
    const answer = await refusal(without('authorization'));
    expect(answer).toMatchObject({ status: 400, code: 'MissingParameter' });
    expect(answer.message).toContain('"Action"');
    expectNoStateChange();
  });
});
