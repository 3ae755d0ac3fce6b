/** Authorization and auditing in handleKmsRequest, called directly (no socket), with test doubles. */
import { beforeEach, describe, expect, it } from 'vitest';
import { parsePolicyDocument, type PolicyDocument } from '../../shared/domain/policy/index.js';
import { KMS_ACTIONS, KMS_ACTION_NAMES } from '../../shared/http/actions/index.js';
import { ADMIN_ACTION_NAMES } from '../../shared/http/admin/index.js';
import { ACTION_RULES } from '../../shared/http/authorize.js';
import { handleKmsRequest, type KmsApiDeps, type KmsCallRecord } from '../../shared/http/kms-api.js';
import type { HttpRequest, HttpResponse } from '../../shared/http/types.js';
import { InMemorySecretServiceForHttpTests } from '../support/in-memory-secret-service.js';
import { InMemoryNonceStoreForTests, staticCredentials } from '../support/kms-http-test-server.js';
import { ManualClock } from '../support/manual-clock.js';
import { signedV1Params } from '../support/request-signers.js';

const REGION = 'cn-shanghai';
const ACCOUNT = '42';
const ROOT = { id: 'AK-root', secret: 'root-secret' };
const LIMITED = { id: 'AK-limited', secret: 'limited-secret' };
const OFF = { id: 'AK-off', secret: 'off-secret' };

const policy = (statements: unknown[]): PolicyDocument => {
  const parsed = parsePolicyDocument(JSON.stringify({ Version: '1', Statement: statements }));
  if (!parsed.ok) throw new Error(parsed.problem.path);
  return parsed.document;
};

const LIMITED_POLICIES = [
  policy([
    { Effect: 'Allow', Action: ['kms:GetSecretValue', 'kms:DescribeSecret'], Resource: 'acs:kms:*:*:secret/app/*' },
    { Effect: 'Allow', Action: 'kms:ListSecrets', Resource: `acs:kms:${REGION}:${ACCOUNT}:secret` },
    {
      Effect: 'Allow',
      Action: 'kms:GetSecretValue',
      Resource: 'acs:kms:*:*:secret/tls/*',
      Condition: { Bool: { 'acs:SecureTransport': 'true' }, IpAddress: { 'acs:SourceIp': '192.0.2.0/24' } },
    },
  ]),
];

let clock: ManualClock;
let service: InMemorySecretServiceForHttpTests;
let records: KmsCallRecord[];
let audited: KmsCallRecord[];
let deps: KmsApiDeps;

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 4, 5, 6, 7, 8));
  service = new InMemorySecretServiceForHttpTests(clock);
  records = [];
  audited = [];
  deps = {
    service,
    credentials: staticCredentials({
      [ROOT.id]: { secret: ROOT.secret, principal: 'root' },
      [LIMITED.id]: { secret: LIMITED.secret, principal: 'limited', policies: LIMITED_POLICIES },
      [OFF.id]: { secret: OFF.secret, principal: 'off', policies: LIMITED_POLICIES, status: 'Inactive' },
    }),
    nonces: new InMemoryNonceStoreForTests(),
    clock,
    settings: { region: REGION, accountId: ACCOUNT },
    onCall: (r) => records.push(r),
    audit: async (r) => {
      audited.push(r);
    },
  };
  for (const name of ['app/one', 'app/two', 'ops/db', 'tls/cert']) {
    await service.createSecret({ secretName: name, versionId: 'v1', secretData: `value of ${name}` });
  }
});

const call = (
  key: { id: string; secret: string },
  params: Record<string, string>,
  extra: { headers?: Record<string, string>; sourceIp?: string } = {},
): Promise<HttpResponse> => {
  const req: HttpRequest = {
    method: 'POST',
    path: '/',
    headers: extra.headers ?? {},
    query: signedV1Params(params, { accessKeyId: key.id, secret: key.secret, at: clock.now() }),
    body: Buffer.alloc(0),
    sourceIp: extra.sourceIp ?? '192.0.2.7',
  };
  return handleKmsRequest(req, deps);
};

const body = (res: HttpResponse) => JSON.parse(res.body) as Record<string, unknown>;
const codeOf = (res: HttpResponse) => body(res).Code;

describe('action rules', () => {
  it('name a RAM action and a resource kind for every action served', () => {
    for (const name of [...KMS_ACTION_NAMES, ...ADMIN_ACTION_NAMES]) {
      expect(ACTION_RULES[name], name).toBeDefined();
      const prefix = ADMIN_ACTION_NAMES.includes(name) ? 'rotor' : 'kms';
      expect(ACTION_RULES[name]?.permission).toBe(`${prefix}:${name}`);
    }
    expect(Object.keys(ACTION_RULES).sort()).toEqual([...KMS_ACTION_NAMES, ...ADMIN_ACTION_NAMES].sort());
  });

  it('authorize on a secret exactly the actions that act on one, so no action acts on a secret it was not authorized for', () => {
    for (const [name, action] of KMS_ACTIONS) expect(action.takesSecret, name).toBe(ACTION_RULES[name]?.resource === 'secret');
  });
});

describe('a key with policies', () => {
  it('is allowed what they allow and refused the rest with 403 Forbidden.NoPermission', async () => {
    expect((await call(LIMITED, { Action: 'GetSecretValue', SecretName: 'app/one' })).statusCode).toBe(200);
    const refused = await call(LIMITED, { Action: 'GetSecretValue', SecretName: 'ops/db' });
    expect(refused.statusCode).toBe(403);
    expect(body(refused)).toMatchObject({
      Code: 'Forbidden.NoPermission',
      HttpStatus: 403,
      Message: `This operation is forbidden by permission system: the caller may not perform kms:GetSecretValue on acs:kms:${REGION}:${ACCOUNT}:secret/ops/db.`,
    });
    expect(codeOf(await call(LIMITED, { Action: 'DeleteSecret', SecretName: 'app/one' }))).toBe('Forbidden.NoPermission');
    expect(codeOf(await call(LIMITED, { Action: 'CreateSecret', SecretName: 'app/new', VersionId: 'v1', SecretData: 'x' }))).toBe(
      'Forbidden.NoPermission',
    );
    expect(codeOf(await call(LIMITED, { Action: 'GetRandomPassword' }))).toBe('Forbidden.NoPermission');
  });

  it('is refused before the secret is looked up, so a refusal does not tell whether it exists', async () => {
    expect(codeOf(await call(LIMITED, { Action: 'GetSecretValue', SecretName: 'ops/none' }))).toBe('Forbidden.NoPermission');
    expect(codeOf(await call(LIMITED, { Action: 'GetSecretValue', SecretName: 'app/none' }))).toBe('Forbidden.ResourceNotFound');
  });

  it('is checked against the secret named by an ARN of ours', async () => {
    const arn = (name: string) => `acs:kms:${REGION}:${ACCOUNT}:secret/${name}`;
    expect(body(await call(LIMITED, { Action: 'GetSecretValue', SecretName: arn('app/one') }))).toMatchObject({ SecretName: 'app/one' });
    expect(codeOf(await call(LIMITED, { Action: 'GetSecretValue', SecretName: arn('ops/db') }))).toBe('Forbidden.NoPermission');
  });

  it('gets MissingParameter, not a refusal, for a secret action without SecretName', async () => {
    expect(codeOf(await call(LIMITED, { Action: 'GetSecretValue' }))).toBe('MissingParameter');
  });

  it('has conditions evaluated on the source address and on X-Forwarded-Proto', async () => {
    const tls = { Action: 'GetSecretValue', SecretName: 'tls/cert' };
    const https = { 'x-forwarded-proto': 'https' };
    expect((await call(LIMITED, tls, { headers: https })).statusCode).toBe(200);
    expect(codeOf(await call(LIMITED, tls))).toBe('Forbidden.NoPermission');
    expect(codeOf(await call(LIMITED, tls, { headers: { 'x-forwarded-proto': 'http' } }))).toBe('Forbidden.NoPermission');
    expect(codeOf(await call(LIMITED, tls, { headers: https, sourceIp: '198.51.100.1' }))).toBe('Forbidden.NoPermission');
  });

  it('lists only the secrets it may describe, with TotalCount and pages over those alone', async () => {
    const first = body(await call(LIMITED, { Action: 'ListSecrets', PageSize: '1' }));
    const second = body(await call(LIMITED, { Action: 'ListSecrets', PageSize: '1', PageNumber: '2' }));
    const names = (b: Record<string, unknown>) => (b.SecretList as { Secret: Array<{ SecretName: string }> }).Secret.map((s) => s.SecretName);
    expect([names(first), names(second)]).toEqual([['app/one'], ['app/two']]);
    expect([first.TotalCount, second.TotalCount]).toEqual([2, 2]);
    expect(body(await call(ROOT, { Action: 'ListSecrets' })).TotalCount).toBe(4);
  });
});

describe('a disabled key', () => {
  it('is refused with InvalidAccessKeyId.Inactive once its signature is verified', async () => {
    const res = await call(OFF, { Action: 'GetSecretValue', SecretName: 'app/one' });
    expect(res.statusCode).toBe(403);
    expect(body(res)).toMatchObject({ Code: 'InvalidAccessKeyId.Inactive', HttpStatus: 403 });
  });

  it('with a wrong signature learns nothing about its state', async () => {
    const res = await call({ id: OFF.id, secret: 'not-the-secret' }, { Action: 'GetSecretValue', SecretName: 'app/one' });
    expect(codeOf(res)).toBe('SignatureDoesNotMatch');
  });
});

describe('admin actions', () => {
  it('are unknown when access control is not wired', async () => {
    expect(codeOf(await call(ROOT, { Action: 'ListAccessKeys' }))).toBe('InvalidAction.NotFound');
  });
});

describe('the audit hook', () => {
  it('gets every call once with its time, verified key, outcome and code, and is awaited', async () => {
    await call(ROOT, { Action: 'GetSecretValue', SecretName: 'app/one' });
    clock.advance(1000);
    await call(LIMITED, { Action: 'GetSecretValue', SecretName: 'ops/db' });
    expect(audited).toEqual([
      {
        requestId: expect.any(String),
        time: Date.UTC(2026, 4, 5, 6, 7, 8),
        action: 'GetSecretValue',
        accessKeyId: ROOT.id,
        secretName: 'app/one',
        outcome: 'ok',
        code: undefined,
        sourceIp: '192.0.2.7',
      },
      expect.objectContaining({
        time: Date.UTC(2026, 4, 5, 6, 7, 9),
        accessKeyId: LIMITED.id,
        secretName: 'ops/db',
        outcome: 'error',
        code: 'Forbidden.NoPermission',
      }),
    ]);
    expect(records).toEqual(audited);
    expect(JSON.stringify(audited)).not.toContain('value of');
  });

  it('failing is reported and leaves the response as it was', async () => {
    const unexpected: unknown[] = [];
    deps = {
      ...deps,
      audit: async () => {
        throw new Error('audit log down');
      },
      onUnexpectedError: (e) => unexpected.push(e),
    };
    const res = await call(ROOT, { Action: 'GetSecretValue', SecretName: 'app/one' });
    expect(res.statusCode).toBe(200);
    expect(unexpected).toEqual([new Error('audit log down')]);
  });

  it('records no secret name for admin actions, whose SecretName is a filter', async () => {
    await call(ROOT, { Action: 'ListAuditRecords', SecretName: 'app/one' });
    expect(audited[0]).toMatchObject({ action: 'ListAuditRecords', secretName: undefined });
  });
});
