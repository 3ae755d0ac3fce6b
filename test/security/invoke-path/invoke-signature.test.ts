/**
 * Attacker's goal at the invoke path (POST /2023-03-30/functions/<fn>/invocations): get an event of
 * their own making into a function without the account's AccessKey. The prize is an HTTP trigger
 * event for the api function whose requestContext.http.sourceIp (or X-Forwarded-Proto) they chose,
 * so a key they hold passes an `IpAddress` condition that the same request through `/` fails (behind
 * a reverse proxy on the host, every caller is on loopback, so loopback-only is no defence).
 * FC signs InvokeFunction with the account's key; so must every accepted invoke here.
 */
import { randomUUID } from 'node:crypto';
import OpenApiUtil from '@alicloud/openapi-util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFcHttpEvent } from '../../../shared/runtime/local/http-event.js';
import { startLocalRuntime, type LocalRuntime } from '../../../shared/runtime/local/runtime.js';
import { invokeFunction } from '../../../scripts/invoke/fc-invoke-client.js';
import { callAction, createKmsSdkClient, sdkErrorOf, type KmsClient } from '../../support/kms-sdk-client.js';
import { tempDir, testConfig, type TempDir } from '../../support/runtime.js';
import { fcSignedHeaders, invocationPath, type InvokeKey } from '../../support/signed-invoke.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { signedV1 } from '../support/signed-requests.js';

const tally = new BoundaryTally('invoke-path', import.meta.url);
const VALUE = 'only-from-the-office-4f1c9a';
const OFFICE_ONLY = JSON.stringify({
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: '*', Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } } },
  ],
});

let dir: TempDir;
let runtime: LocalRuntime;
let rootKey: InvokeKey;
let limited: InvokeKey;
let rootSdk: KmsClient;

/** The api function's HTTP event for a GetSecretValue the limited key signed, claiming an office address. */
const forgedApiEvent = (): Buffer => {
  const shape = signedV1('GetSecretValue', [['SecretName', 'office/db']], { id: limited.accessKeyId, secret: limited.accessKeySecret }, 'query-get');
  const event = buildFcHttpEvent(
    { method: 'GET', url: shape.path, rawHeaders: ['Host', '127.0.0.1', 'X-Forwarded-Proto', 'https'], body: Buffer.alloc(0), sourceIp: '10.1.2.3', httpVersion: '1.1' },
    { requestId: randomUUID(), accountId: runtime.config.accountId, now: Date.now() },
  );
  return Buffer.from(JSON.stringify(event));
};

const API = 'secret-rotor-api';

interface Attempt {
  headers: Record<string, string>;
  body: Buffer;
  path?: string;
  method?: string;
}

/** Sends one attempt; counts it, and records a crossing when the function answered at all. */
const attack = async (what: string, a: Attempt): Promise<{ status: number; json: { Code?: string; Message?: string } & Record<string, unknown>; text: string }> => {
  tally.tried();
  const res = await fetch(`${runtime.url}${a.path ?? invocationPath(API)}`, { method: a.method ?? 'POST', headers: a.headers, body: a.body });
  const text = await res.text();
  if (res.status < 400 || text.includes(VALUE)) tally.crossed(`${what}: HTTP ${res.status}`);
  let json = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: the assertions on Code fail and say so.
  }
  return { status: res.status, json, text };
};

/** ACS3-HMAC-SHA256 as the FC 3.0 SDK's signer (openapi-util) makes it. */
const acs3Headers = (key: InvokeKey, path: string, body: Buffer, at = Date.now()): Record<string, string> => {
  const headers: Record<string, string> = {
    host: new URL(runtime.url).host,
    'content-type': 'application/octet-stream',
    'x-acs-date': new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': randomUUID(),
    'x-acs-content-sha256': OpenApiUtil.hexEncode(OpenApiUtil.hash(body, 'ACS3-HMAC-SHA256')),
  };
  const request = { pathname: path, method: 'POST', query: {}, headers } as unknown as Parameters<typeof OpenApiUtil.getAuthorization>[0];
  const authorization = OpenApiUtil.getAuthorization(request, 'ACS3-HMAC-SHA256', headers['x-acs-content-sha256']!, key.accessKeyId, key.accessKeySecret);
  return { ...headers, authorization };
};

beforeAll(async () => {
  dir = tempDir('rotor-invoke-sec-');
  runtime = await startLocalRuntime({ config: testConfig(dir.path), timers: false, queue: false, topics: false });
  const { accessKeyId, accessKeySecret } = runtime.container.rootCredentials;
  rootKey = { accessKeyId, accessKeySecret };
  rootSdk = createKmsSdkClient(Number(new URL(runtime.url).port), accessKeyId, accessKeySecret);
  await callAction(rootSdk, 'CreateSecret', { SecretName: 'office/db', VersionId: 'v1', SecretData: VALUE });
  const created = (await callAction(rootSdk, 'CreateAccessKey', { Description: 'office only' })) as { AccessKey: { AccessKeyId: string; AccessKeySecret: string } };
  limited = { accessKeyId: created.AccessKey.AccessKeyId, accessKeySecret: created.AccessKey.AccessKeySecret };
  await callAction(rootSdk, 'PutAccessKeyPolicy', { UserAccessKeyId: limited.accessKeyId, PolicyName: 'office', PolicyDocument: OFFICE_ONLY });
});

afterAll(async () => {
  tally.write();
  await runtime?.stop();
  dir?.remove();
});

describe('the invoke path takes only events signed with the account (root) key', () => {
  it('the limited key is refused through / from loopback (the condition the attacker wants to pass)', async () => {
    const sdk = createKmsSdkClient(Number(new URL(runtime.url).port), limited.accessKeyId, limited.accessKeySecret);
    expect((await sdkErrorOf(callAction(sdk, 'GetSecretValue', { SecretName: 'office/db' }))).data.Code).toBe('Forbidden.NoPermission');
  });

  it('refuses the forged event unsigned, with an FC-style 403 AccessDenied', async () => {
    const r = await attack('unsigned', { headers: { 'content-type': 'application/json' }, body: forgedApiEvent() });
    expect(r.status).toBe(403);
    expect(r.json.Code).toBe('AccessDenied');
    expect(r.text).not.toContain(VALUE);
  });

  it('refuses it signed (FC or ACS3) with the limited key: only the account key invokes', async () => {
    const body = forgedApiEvent();
    const fcSigned = await attack('FC-signed by the limited key', { headers: fcSignedHeaders(limited, invocationPath(API), body), body });
    const v3Signed = await attack('ACS3-signed by the limited key', { headers: acs3Headers(limited, invocationPath(API), body), body });
    for (const r of [fcSigned, v3Signed]) {
      expect(r.status).toBe(403);
      expect(r.json.Code).toBe('InvalidAccessKeyId');
    }
  });

  it('refuses the root key id with a guessed secret', async () => {
    const body = forgedApiEvent();
    const guessed = { accessKeyId: rootKey.accessKeyId, accessKeySecret: limited.accessKeySecret };
    for (const headers of [fcSignedHeaders(guessed, invocationPath(API), body), acs3Headers(guessed, invocationPath(API), body)]) {
      const r = await attack('root id, wrong secret', { headers, body });
      expect(r.status).toBe(403);
      expect(r.json.Code).toBe('SignatureNotMatch');
    }
  });

  it('refuses a root-signed invoke whose body was swapped for the forged event', async () => {
    const harmless = Buffer.from(JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'purge', payload: '' }));
    const forged = forgedApiEvent();
    const fcHeaders = fcSignedHeaders(rootKey, invocationPath(API), harmless);
    const withoutMd5 = Object.fromEntries(Object.entries(fcHeaders).filter(([k]) => k !== 'content-md5'));
    for (const headers of [fcHeaders, withoutMd5, acs3Headers(rootKey, invocationPath(API), harmless)]) {
      const r = await attack('root-signed, body swapped', { headers, body: forged });
      expect(r.status).toBe(403);
      expect(r.json.Code).toBe('SignatureNotMatch');
    }
  });

  it('refuses a root-signed invoke of another function replayed against the api function', async () => {
    const body = forgedApiEvent();
    const r = await attack('signature for another path', { headers: fcSignedHeaders(rootKey, invocationPath('secret-rotor-purge'), body), body });
    expect(r.status).toBe(403);
    expect(r.json.Code).toBe('SignatureNotMatch');
  });

  it('refuses a root-signed invoke older than 15 minutes (a captured request replayed later)', async () => {
    const body = forgedApiEvent();
    const at = Date.now() - 16 * 60_000;
    for (const headers of [fcSignedHeaders(rootKey, invocationPath(API), body, { at }), acs3Headers(rootKey, invocationPath(API), body, at)]) {
      const r = await attack('stale signature', { headers, body });
      expect(r.status).toBe(403);
      expect(r.json.Code).toBe('RequestTimeTooSkewed');
    }
  });

  it('refuses any tampering with a root-signed request (property)', async () => {
    const tamper = fc.oneof(
      fc.record({ kind: fc.constant('header' as const), name: fc.constantFrom('date', 'content-type', 'content-md5', 'x-fc-account-id', 'x-fc-invocation-type'), value: fc.string({ minLength: 1, maxLength: 20 }).filter((v) => /^[\x21-\x7e]+$/.test(v)) }),
      fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('path' as const), fn: fc.constantFrom('secret-rotor-purge', 'secret-rotor-console', 'api', 'SECRET-ROTOR-API') }),
      fc.record({ kind: fc.constant('method' as const), method: fc.constantFrom('PUT', 'PATCH') }),
    );
    await fc.assert(
      fc.asyncProperty(tamper, async (t) => {
        const body = forgedApiEvent();
        const headers = fcSignedHeaders(rootKey, invocationPath(API), body);
        const attempt: Attempt = { headers: { ...headers }, body: Buffer.from(body) };
        if (t.kind === 'header') {
          if (headers[t.name] === t.value) return;
          attempt.headers[t.name] = t.value;
        } else if (t.kind === 'byte') {
          const i = t.at % body.length;
          attempt.body[i] = (attempt.body[i] ?? 0) ^ t.xor;
        } else if (t.kind === 'path') attempt.path = invocationPath(t.fn);
        else attempt.method = t.method;
        const r = await attack(`tampered ${t.kind}`, attempt);
        expect(r.status).toBe(403);
      }),
      { numRuns: 60 },
    );
  });

  it('serves the same event signed with the root key, by the client npm run invoke uses and by an ACS3 signer', async () => {
    const target = { accountId: '0', region: 'unset', endpoint: runtime.url, credentials: rootKey };
    const outcome = await invokeFunction(target, { functionName: API, event: forgedApiEvent() });
    expect(outcome).toMatchObject({ kind: 'result', body: { statusCode: 200 } });
    const body = forgedApiEvent();
    const res = await fetch(`${runtime.url}${invocationPath(API)}`, { method: 'POST', headers: acs3Headers(rootKey, invocationPath(API), body), body });
    expect(res.status).toBe(200);
  });

  it('let nothing cross', () => {
    expect(tally.crossedCount).toBe(0);
  });
});
