/**
 * Access control end to end: the official SDK (@alicloud/kms20160120 1.2.0, V1 signatures) against
 * the real local runtime in-process. The root key creates AccessKeys and policies through the admin
 * actions; the limited keys then sign their own requests. XML responses are fetched with raw signed
 * requests (the SDK parses JSON only) and read with fast-xml-parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { rawRequest } from '../support/kms-http-test-server.js';
import { callAction, createKmsSdkClient, kmsSdk, sdkErrorOf, type KmsClient } from '../support/kms-sdk-client.js';
import { queryString, signedV1Params } from '../support/request-signers.js';
import { tempDir, testConfig, type TempDir } from '../support/runtime.js';
import { signedInvoke } from '../support/signed-invoke.js';

const REGION = 'cn-hangzhou';
const ACCOUNT = '1234567890';
const VALUES: Record<string, string> = {
  'app-db': '{"user":"app","password":"app-db-VALUE-7f3e<&>"}',
  'app-cache': 'app-cache-VALUE-0a1b',
  'ops-db': 'ops-db-VALUE-9c8d',
};
const APP_ONLY = JSON.stringify({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: `acs:kms:*:*:secret/app-*` }],
});

let dir: TempDir;
let runtime: LocalRuntime;
let port: number;
let root: KmsClient;

const xml = new XMLParser({
  parseTagValue: false,
  isArray: (name) => ['VersionStage', 'Secret', 'AccessKey', 'Policy', 'AuditRecord'].includes(name),
});

interface CreatedKey {
  id: string;
  secret: string;
  client: KmsClient;
}

const admin = (action: string, params: Record<string, string> = {}) => callAction(root, action, params);

const createKey = async (description: string): Promise<CreatedKey> => {
  const res = (await admin('CreateAccessKey', { Description: description })) as {
    AccessKey: { AccessKeyId: string; AccessKeySecret: string; Status: string; CreateDate: string; Description: string };
  };
  expect(res.AccessKey).toMatchObject({ Status: 'Active', Description: description });
  expect(res.AccessKey.CreateDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  const { AccessKeyId: id, AccessKeySecret: secret } = res.AccessKey;
  return { id, secret, client: createKmsSdkClient(port, id, secret) };
};

const putPolicy = (key: CreatedKey, name: string, document: string) =>
  admin('PutAccessKeyPolicy', { UserAccessKeyId: key.id, PolicyName: name, PolicyDocument: document });

const getValue = (client: KmsClient, secretName: string) =>
  client.getSecretValue(new kmsSdk.GetSecretValueRequest({ secretName }));

const errorOf = async (call: Promise<unknown>) => (await sdkErrorOf(call)).data;

/** A V1-signed request sent as-is, for responses the SDK cannot parse (XML). */
const signedCall = (key: { id: string; secret: string }, params: Record<string, string>) =>
  rawRequest(port, { path: `/?${queryString(signedV1Params(params, { accessKeyId: key.id, secret: key.secret }))}` });

beforeAll(async () => {
  dir = tempDir('rotor-access-');
  runtime = await startLocalRuntime({
    config: testConfig(dir.path, { ROTOR_REGION: REGION, ROTOR_ACCOUNT_ID: ACCOUNT }),
    timers: false,
    queue: false,
  });
  port = Number(new URL(runtime.url).port);
  const { accessKeyId, accessKeySecret } = runtime.container.rootCredentials;
  root = createKmsSdkClient(port, accessKeyId, accessKeySecret);
  for (const [secretName, secretData] of Object.entries(VALUES)) {
    await root.createSecret(new kmsSdk.CreateSecretRequest({ secretName, versionId: 'v1', secretData }));
  }
});

afterAll(async () => {
  await runtime?.stop();
  dir?.remove();
});

describe('a key limited to secret/app-*', () => {
  let app: CreatedKey;

  beforeAll(async () => {
    app = await createKey('orders service');
    await putPolicy(app, 'read-app', APP_ONLY);
  });

  it('reads app-db and is refused ops-db with Forbidden.NoPermission', async () => {
    const res = await getValue(app.client, 'app-db');
    expect(res.secretData).toBe(VALUES['app-db']);

    expect(await errorOf(getValue(app.client, 'ops-db'))).toMatchObject({
      Code: 'Forbidden.NoPermission',
      HttpStatus: 403,
      Message: expect.stringContaining(`kms:GetSecretValue on acs:kms:${REGION}:${ACCOUNT}:secret/ops-db`),
    });
  });

  it('is refused every other action, admin actions included', async () => {
    expect(await errorOf(app.client.describeSecret(new kmsSdk.DescribeSecretRequest({ secretName: 'app-db' })))).toMatchObject({
      Code: 'Forbidden.NoPermission',
    });
    expect(await errorOf(callAction(app.client, 'CreateAccessKey', {}))).toMatchObject({ Code: 'Forbidden.NoPermission' });
    expect(await errorOf(callAction(app.client, 'ListAuditRecords', {}))).toMatchObject({ Code: 'Forbidden.NoPermission' });
  });

  it('loses a secret to a Deny statement that overrides the Allow', async () => {
    const denyCache = JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Deny', Action: 'kms:*', Resource: 'acs:kms:*:*:secret/app-cache' }],
    });
    expect((await getValue(app.client, 'app-cache')).secretData).toBe(VALUES['app-cache']);
    await putPolicy(app, 'no-cache', denyCache);

    expect(await errorOf(getValue(app.client, 'app-cache'))).toMatchObject({ Code: 'Forbidden.NoPermission', HttpStatus: 403 });
    expect((await getValue(app.client, 'app-db')).secretData).toBe(VALUES['app-db']);
  });

  it('lists only the secrets it may describe, when allowed to list', async () => {
    expect(await errorOf(app.client.listSecrets(new kmsSdk.ListSecretsRequest({})))).toMatchObject({
      Code: 'Forbidden.NoPermission',
      Message: expect.stringContaining(`kms:ListSecrets on acs:kms:${REGION}:${ACCOUNT}:secret.`),
    });
    await putPolicy(
      app,
      'list-app',
      JSON.stringify({
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: 'kms:ListSecrets', Resource: `acs:kms:${REGION}:${ACCOUNT}:secret` },
          { Effect: 'Allow', Action: 'kms:DescribeSecret', Resource: 'acs:kms:*:*:secret/app-*' },
        ],
      }),
    );

    const listed = (await callAction(app.client, 'ListSecrets', { PageSize: '10' })) as {
      TotalCount: number;
      SecretList: { Secret: Array<{ SecretName: string }> };
    };
    // app-cache matches secret/app-* but the "no-cache" Deny (kms:*) hides it; ops-db is not app-*.
    expect(listed.SecretList.Secret.map((s) => s.SecretName)).toEqual(['app-db']);
    expect(listed.TotalCount).toBe(1);
    const rootList = (await callAction(root, 'ListSecrets', {})) as { TotalCount: number };
    expect(rootList.TotalCount).toBe(3);
  });

  it('shows up in ListAccessKeys with its policies, and its policy reads back as written', async () => {
    const res = (await admin('ListAccessKeys')) as { AccessKeys: { AccessKey: Array<Record<string, unknown>> } };
    const listed = res.AccessKeys.AccessKey.find((k) => k.AccessKeyId === app.id);
    expect(listed).toEqual({
      AccessKeyId: app.id,
      Status: 'Active',
      CreateDate: expect.stringMatching(/Z$/),
      Description: 'orders service',
      Policies: { Policy: [{ PolicyName: 'list-app' }, { PolicyName: 'no-cache' }, { PolicyName: 'read-app' }] },
    });
    expect(JSON.stringify(res)).not.toContain(app.secret);

    expect(await admin('GetAccessKeyPolicy', { UserAccessKeyId: app.id, PolicyName: 'read-app' })).toMatchObject({
      PolicyName: 'read-app',
      PolicyDocument: APP_ONLY,
    });
  });
});

describe('admin errors', () => {
  it('names the bad field of a policy document', async () => {
    const key = await createKey('bad policy');
    const document = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Permit', Action: 'kms:*', Resource: '*' }] });
    expect(await errorOf(putPolicy(key, 'bad', document))).toMatchObject({
      Code: 'InvalidParameter',
      HttpStatus: 400,
      Message: expect.stringContaining('"PolicyDocument.Statement[0].Effect"'),
    });
  });

  it('answers EntityNotExist.AccessKey for a key it does not have, the root key included', async () => {
    const missing = { UserAccessKeyId: 'LTAInotakey', Status: 'Inactive' };
    expect(await errorOf(admin('UpdateAccessKey', missing))).toMatchObject({ Code: 'EntityNotExist.AccessKey', HttpStatus: 404 });
    const rootId = runtime.container.rootCredentials.accessKeyId;
    expect(await errorOf(admin('DeleteAccessKey', { UserAccessKeyId: rootId }))).toMatchObject({ Code: 'EntityNotExist.AccessKey' });
  });
});

describe('disabling and deleting a key', () => {
  let key: CreatedKey;

  beforeAll(async () => {
    key = await createKey('short-lived');
    await putPolicy(key, 'read-app', APP_ONLY);
    expect((await getValue(key.client, 'app-db')).secretData).toBe(VALUES['app-db']);
  });

  it('refuses a disabled key, and serves it again once enabled', async () => {
    await admin('UpdateAccessKey', { UserAccessKeyId: key.id, Status: 'Inactive' });
    expect(await errorOf(getValue(key.client, 'app-db'))).toMatchObject({ Code: 'InvalidAccessKeyId.Inactive', HttpStatus: 403 });

    await admin('UpdateAccessKey', { UserAccessKeyId: key.id, Status: 'Active' });
    expect((await getValue(key.client, 'app-db')).secretData).toBe(VALUES['app-db']);
  });

  it('does not know a deleted key', async () => {
    await admin('DeleteAccessKey', { UserAccessKeyId: key.id });
    expect(await errorOf(getValue(key.client, 'app-db'))).toMatchObject({ Code: 'InvalidAccessKeyId.NotFound', HttpStatus: 404 });
    expect(await errorOf(admin('DeleteAccessKey', { UserAccessKeyId: key.id }))).toMatchObject({ Code: 'EntityNotExist.AccessKey' });
  });

  it('left an audit trail of those calls with outcomes and codes, and no secret values', async () => {
    const res = (await admin('ListAuditRecords', { FilterAccessKeyId: key.id, PageSize: '100' })) as {
      TotalCount: number;
      PageNumber: number;
      PageSize: number;
      AuditRecords: { AuditRecord: Array<Record<string, string>> };
    };
    const records = res.AuditRecords.AuditRecord;
    expect(res).toMatchObject({ PageNumber: 1, PageSize: 100, TotalCount: records.length });
    const summary = records.map((r) => [r.Action, r.SecretName, r.Outcome, r.ErrorCode]);
    // Newest first: not found, enabled read, disabled read, first read.
    expect(summary).toEqual([
      ['GetSecretValue', 'app-db', 'Failure', 'InvalidAccessKeyId.NotFound'],
      ['GetSecretValue', 'app-db', 'Success', ''],
      ['GetSecretValue', 'app-db', 'Failure', 'InvalidAccessKeyId.Inactive'],
      ['GetSecretValue', 'app-db', 'Success', ''],
    ]);
    for (const record of records) {
      expect(record).toMatchObject({ AccessKeyId: key.id, SourceIp: '127.0.0.1' });
      expect(record.RequestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(record.Time as string)).not.toBeNaN();
    }

    const rootCalls = (await admin('ListAuditRecords', { FilterAction: 'UpdateAccessKey', PageSize: '100' })) as {
      AuditRecords: { AuditRecord: Array<Record<string, string>> };
    };
    expect(rootCalls.AuditRecords.AuditRecord.map((r) => [r.AccessKeyId, r.Outcome, r.ErrorCode])).toEqual([
      [runtime.container.rootCredentials.accessKeyId, 'Success', ''],
      [runtime.container.rootCredentials.accessKeyId, 'Success', ''],
      [runtime.container.rootCredentials.accessKeyId, 'Failure', 'EntityNotExist.AccessKey'],
    ]);

    const everything = JSON.stringify(await admin('ListAuditRecords', { PageSize: '100' }));
    for (const value of [...Object.values(VALUES), key.secret, runtime.container.rootCredentials.accessKeySecret]) {
      expect(everything).not.toContain(value);
    }
  });
});

describe('Format=XML', () => {
  let rootKey: { id: string; secret: string };
  let limited: CreatedKey;

  beforeAll(async () => {
    rootKey = { id: runtime.container.rootCredentials.accessKeyId, secret: runtime.container.rootCredentials.accessKeySecret };
    limited = await createKey('xml reader');
    await putPolicy(limited, 'read-app', APP_ONLY);
  });

  it('GetSecretValue answers <GetSecretValueResponse> with the documented fields', async () => {
    const res = await signedCall(limited, { Action: 'GetSecretValue', SecretName: 'app-db', Format: 'XML' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    const doc = xml.parse(res.body).GetSecretValueResponse;
    expect(doc).toMatchObject({
      RequestId: res.headers['x-acs-request-id'],
      SecretName: 'app-db',
      SecretType: 'Generic',
      VersionId: 'v1',
      SecretData: VALUES['app-db'],
      SecretDataType: 'text',
      VersionStages: { VersionStage: ['ACSCurrent'] },
    });
    expect(doc.CreateTime).toMatch(/Z$/);
  });

  it('ListSecrets answers <ListSecretsResponse> with SecretList/Secret entries', async () => {
    const res = await signedCall(rootKey, { Action: 'ListSecrets', Format: 'XML', PageSize: '2' });
    const doc = xml.parse(res.body).ListSecretsResponse;
    expect(doc).toMatchObject({ PageNumber: '1', PageSize: '2', TotalCount: '3' });
    expect(doc.SecretList.Secret).toEqual([
      expect.objectContaining({ SecretName: 'app-cache', SecretType: 'Generic', CreateTime: expect.stringMatching(/Z$/) }),
      expect.objectContaining({ SecretName: 'app-db', UpdateTime: expect.stringMatching(/Z$/) }),
    ]);
  });

  it('an error answers <Error> with RequestId, HttpStatus, Code and Message', async () => {
    const res = await signedCall(limited, { Action: 'GetSecretValue', SecretName: 'ops-db', Format: 'xml' });
    expect(res.status).toBe(403);
    const error = xml.parse(res.body).Error;
    expect(error).toEqual({
      RequestId: res.headers['x-acs-request-id'],
      HttpStatus: '403',
      Code: 'Forbidden.NoPermission',
      Message: expect.stringContaining('kms:GetSecretValue'),
    });
  });

  it('admin actions answer XML too, arrays wrapped the KMS way', async () => {
    const res = await signedCall(rootKey, { Action: 'ListAccessKeys', Format: 'XML' });
    const keys = xml.parse(res.body).ListAccessKeysResponse.AccessKeys.AccessKey as Array<Record<string, unknown>>;
    expect(keys.find((k) => k.AccessKeyId === limited.id)).toMatchObject({
      Status: 'Active',
      Description: 'xml reader',
      Policies: { Policy: [{ PolicyName: 'read-app' }] },
    });
  });
});

describe('at rest', () => {
  const filesIn = (path: string): string[] =>
    readdirSync(path, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? filesIn(join(path, entry.name)) : [join(path, entry.name)],
    );

  /** Raw bytes of every file (SQLite pages, WAL, events), searched as UTF-8 and as base64. */
  const leaksOf = (needle: string): string[] => {
    const raw = Buffer.from(needle, 'utf8');
    const base64 = Buffer.from(raw.subarray(0, raw.length - (raw.length % 3)).toString('base64'), 'utf8');
    return filesIn(dir.path).filter((file) => {
      const bytes = readFileSync(file);
      return bytes.includes(raw) || bytes.includes(base64);
    });
  };

  it('keeps AccessKey secrets out of every file in plaintext, while the key ids are there', async () => {
    const key = await createKey('at rest');
    await putPolicy(key, 'read-app', APP_ONLY);
    expect((await getValue(key.client, 'app-db')).secretData).toBe(VALUES['app-db']);
    const files = filesIn(dir.path).map((f) => f.slice(dir.path.length + 1));
    expect(files).toEqual(expect.arrayContaining(['secrets.db']));

    // The scan does find what is stored in the clear: the id, in the SQLite file or its WAL.
    expect(leaksOf(key.id).some((f) => /secrets\.db(-wal)?$/.test(f))).toBe(true);
    expect(leaksOf(key.secret)).toEqual([]);
  });

  it('publishes audit events without secret values', () => {
    const events = readFileSync(join(dir.path, 'events.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> });
    const audit = events.filter((e) => e.type === 'com.secretrotor.audit.api-call');
    expect(audit.length).toBeGreaterThan(10);
    expect(audit.find((e) => e.data.errorCode === 'Forbidden.NoPermission')?.data).toMatchObject({
      action: 'GetSecretValue',
      secretName: 'ops-db',
      outcome: 'Failure',
      sourceIp: '127.0.0.1',
    });
    for (const value of Object.values(VALUES)) expect(leaksOf(value).filter((f) => f.endsWith('events.ndjson'))).toEqual([]);
  });
});

describe('audit of hostile and indirect calls', () => {
  let reader: CreatedKey;
  beforeAll(async () => {
    reader = await createKey('audit reader');
    await putPolicy(reader, 'read-app', APP_ONLY);
  });

  const auditFor = async (params: Record<string, string>) =>
    (
      (await admin('ListAuditRecords', { PageSize: '100', ...params })) as {
        AuditRecords: { AuditRecord: { Action: string; SecretName?: string; Outcome: string; ErrorCode?: string }[] };
      }
    ).AuditRecords.AuditRecord;

  it('a read by ARN is recorded under the secret name', async () => {
    const arn = `acs:kms:${REGION}:${ACCOUNT}:secret/app-db`;
    const res = await signedCall(reader, { Action: 'GetSecretValue', SecretName: arn });
    expect(res.status).toBe(200);
    const records = await auditFor({ SecretName: 'app-db', FilterAction: 'GetSecretValue', FilterAccessKeyId: reader.id });
    expect(records.map((r) => r.Outcome)).toEqual(['Success']);
  });

  it('a denied call asking for XML with a name XML cannot carry is still audited, and answered', async () => {
    const before = (await auditFor({ FilterAccessKeyId: reader.id })).length;
    const res = await signedCall(reader, { Action: 'GetSecretValue', SecretName: 'ops\u0001db', Format: 'XML' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const after = await auditFor({ FilterAccessKeyId: reader.id });
    expect(after.length).toBe(before + 1);
    // The stored record carries no character that breaks the XML view of the audit.
    const asXml = await signedCall(
      { id: runtime.container.rootCredentials.accessKeyId, secret: runtime.container.rootCredentials.accessKeySecret },
      { Action: 'ListAuditRecords', FilterAccessKeyId: reader.id, PageSize: '100', Format: 'XML' },
    );
    expect(asXml.status).toBe(200);
  });
});

describe('the FC invoke path', () => {
  it('is served to loopback clients (the tests are one) signing with the root key', async () => {
    const event = JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'purge', payload: '' });
    const res = await signedInvoke(runtime.url, runtime.container.rootCredentials, 'secret-rotor-purge', event);
    expect(res.status).toBe(200);
  });
});
