/**
 * The official SDK (@alicloud/kms20160120 1.2.0) talks, unchanged, to a real node http server that
 * wraps handleKmsRequest. The SecretService behind it is a test double (test/support); the real
 * service is covered by its own tests and end-to-end later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { systemClock, type Clock } from '../../shared/ports/clock.js';
import type { KmsApiDeps, KmsCallRecord } from '../../shared/http/kms-api.js';
import { InMemorySecretServiceForHttpTests } from '../support/in-memory-secret-service.js';
import {
  InMemoryNonceStoreForTests,
  rawRequest,
  startKmsTestServer,
  staticCredentials,
  type KmsTestServer,
} from '../support/kms-http-test-server.js';
import { callAction, createKmsSdkClient, kmsSdk, sdkErrorOf, type KmsClient } from '../support/kms-sdk-client.js';
import { queryString, signedV1Params, signV3Request } from '../support/request-signers.js';

const AK = 'LTAI-test-key';
const SECRET = 'test-access-key-secret';
const REGION = 'cn-hangzhou';
const ACCOUNT = '1234567890';
const KMS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET_VALUE = '{"user":"app","password":"p&ss<w>rd\\"1"}';

const xml = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'VersionStage' });

/*
 * The SDK stamps requests with the real time, so the server uses the system clock; the 15-minute
 * window makes that safe. The stale-timestamp test moves a second server's clock instead.
 */
const serve = async (clock: Clock, records: KmsCallRecord[] = []) => {
  const service = new InMemorySecretServiceForHttpTests(clock);
  const deps: KmsApiDeps = {
    service,
    credentials: staticCredentials({ [AK]: { secret: SECRET, principal: 'acs:ram::1234567890:user/tester' } }),
    nonces: new InMemoryNonceStoreForTests(),
    clock,
    settings: { region: REGION, accountId: ACCOUNT },
    onCall: (r) => records.push(r),
  };
  return { service, server: await startKmsTestServer(deps) };
};

let server: KmsTestServer;
let service: InMemorySecretServiceForHttpTests;
let sdk: KmsClient;
const records: KmsCallRecord[] = [];

beforeAll(async () => {
  ({ server, service } = await serve(systemClock, records));
  sdk = createKmsSdkClient(server.port, AK, SECRET);
});

afterAll(async () => {
  await server.close();
});

describe('a Generic secret through the SDK typed methods', () => {
  it('CreateSecret returns Arn, SecretName, VersionId and a RequestId', async () => {
    const res = await sdk.createSecret(
      new kmsSdk.CreateSecretRequest({
        secretName: 'app/db',
        versionId: 'v1',
        secretData: SECRET_VALUE,
        description: 'app database',
        tags: '[{"TagKey":"team","TagValue":"core"}]',
      }),
    );
    expect(res.requestId).toMatch(UUID);
    expect(res.arn).toBe(`acs:kms:${REGION}:${ACCOUNT}:secret/app/db`);
    expect(res.secretName).toBe('app/db');
    expect(res.versionId).toBe('v1');
  });

  it('GetSecretValue returns the value with its version, stages and times', async () => {
    const res = await sdk.getSecretValue(new kmsSdk.GetSecretValueRequest({ secretName: 'app/db' }));
    expect(res.secretData).toBe(SECRET_VALUE);
    expect(res.secretDataType).toBe('text');
    expect(res.versionId).toBe('v1');
    expect(res.createTime).toMatch(KMS_TIME);
    expect(res.versionStages.versionStage).toEqual(['ACSCurrent']);
  });

  it('PutSecretValue adds a version that takes ACSCurrent; the old one becomes ACSPrevious', async () => {
    const put = await sdk.putSecretValue(
      new kmsSdk.PutSecretValueRequest({ secretName: 'app/db', versionId: 'v2', secretData: 'second', versionStages: '["ACSCurrent"]' }),
    );
    expect(put.versionId).toBe('v2');
    expect(put.versionStages.versionStage).toEqual(['ACSCurrent']);
    const previous = await sdk.getSecretValue(
      new kmsSdk.GetSecretValueRequest({ secretName: 'app/db', versionStage: 'ACSPrevious' }),
    );
    expect(previous.versionId).toBe('v1');
    expect(previous.versionStages.versionStage).toEqual(['ACSPrevious']);
  });

  it('UpdateSecretVersionStage adds a custom label; ListSecretVersionIds shows every label', async () => {
    const res = await sdk.updateSecretVersionStage(
      new kmsSdk.UpdateSecretVersionStageRequest({ secretName: 'app/db', versionStage: 'MyLabel', moveToVersion: 'v1' }),
    );
    expect(res.secretName).toBe('app/db');
    const list = await sdk.listSecretVersionIds(
      new kmsSdk.ListSecretVersionIdsRequest({ secretName: 'app/db', includeDeprecated: 'true' }),
    );
    expect(list.secretName).toBe('app/db');
    expect(list.totalCount).toBe(2);
    expect(list.pageNumber).toBe(1);
    expect(list.versionIds.versionId.map((v) => [v.versionId, v.versionStages.versionStage])).toEqual([
      ['v1', ['ACSPrevious', 'MyLabel']],
      ['v2', ['ACSCurrent']],
    ]);
    expect(list.versionIds.versionId[0]?.createTime).toMatch(KMS_TIME);
  });

  it('UpdateSecret changes the description that DescribeSecret (FetchTags) then shows with the tags', async () => {
    expect((await sdk.updateSecret(new kmsSdk.UpdateSecretRequest({ secretName: 'app/db', description: 'new text' }))).secretName).toBe('app/db');
    const res = await sdk.describeSecret(new kmsSdk.DescribeSecretRequest({ secretName: 'app/db', fetchTags: 'true' }));
    expect(res.arn).toBe(`acs:kms:${REGION}:${ACCOUNT}:secret/app/db`);
    expect(res.description).toBe('new text');
    expect(res.createTime).toMatch(KMS_TIME);
    expect(res.updateTime).toMatch(KMS_TIME);
    expect(res.tags.tag.map((t) => [t.tagKey, t.tagValue])).toEqual([['team', 'core']]);
    expect(res.plannedDeleteTime).toBeUndefined();
  });

  it('ListSecrets pages and returns tags on request', async () => {
    const res = await sdk.listSecrets(new kmsSdk.ListSecretsRequest({ pageNumber: 1, pageSize: 10, fetchTags: 'true' }));
    expect(res.pageNumber).toBe(1);
    expect(res.pageSize).toBe(10);
    const entry = res.secretList.secret.find((s) => s.secretName === 'app/db');
    expect(entry?.createTime).toMatch(KMS_TIME);
    expect(entry?.tags.tag).toEqual([expect.objectContaining({ tagKey: 'team', tagValue: 'core' })]);
  });

  it('DeleteSecret plans the deletion, RestoreSecret cancels it, a forced delete removes the secret', async () => {
    const before = Date.now();
    const del = await sdk.deleteSecret(new kmsSdk.DeleteSecretRequest({ secretName: 'app/db', recoveryWindowInDays: '7' }));
    expect(del.secretName).toBe('app/db');
    expect(del.plannedDeleteTime).toMatch(KMS_TIME);
    const planned = Date.parse(del.plannedDeleteTime);
    expect(planned).toBeGreaterThanOrEqual(Math.floor((before + 7 * 86_400_000) / 1000) * 1000);

    const described = await sdk.describeSecret(new kmsSdk.DescribeSecretRequest({ secretName: 'app/db' }));
    expect(described.plannedDeleteTime).toBe(del.plannedDeleteTime);

    expect((await sdk.restoreSecret(new kmsSdk.RestoreSecretRequest({ secretName: 'app/db' }))).secretName).toBe('app/db');
    const forced = await sdk.deleteSecret(
      new kmsSdk.DeleteSecretRequest({ secretName: 'app/db', forceDeleteWithoutRecovery: 'true' }),
    );
    expect(forced.plannedDeleteTime).toBeUndefined();
    const gone = await sdkErrorOf(sdk.describeSecret(new kmsSdk.DescribeSecretRequest({ secretName: 'app/db' })));
    expect(gone.code).toBe('Forbidden.ResourceNotFoundError');
    expect(gone.data.HttpStatus).toBe(404);
  });

  it('GetRandomPassword returns a password of the asked length', async () => {
    const res = await sdk.getRandomPassword(
      new kmsSdk.GetRandomPasswordRequest({ passwordLength: '20', excludePunctuation: 'true' }),
    );
    expect(res.randomPassword).toMatch(/^[A-Za-z0-9]{20}$/);
  });
});

describe('a managed (Rds) secret through the SDK transport (actions 1.2.0 has no method for)', () => {
  const extendedConfig = '{"SecretSubType":"SingleUser","DBInstanceId":"rm-test","CustomData":{}}';

  it('CreateSecret with rotation answers with the rotation fields in KMS formats', async () => {
    const res = await callAction(sdk, 'CreateSecret', {
      SecretName: 'rds/main',
      VersionId: 'r0',
      SecretData: '{"Accounts":[{"AccountName":"app","AccountPassword":"pw"}]}',
      SecretType: 'Rds',
      ExtendedConfig: extendedConfig,
      EnableAutomaticRotation: 'true',
      RotationInterval: '7d',
    });
    expect(res).toMatchObject({
      Arn: `acs:kms:${REGION}:${ACCOUNT}:secret/rds/main`,
      SecretName: 'rds/main',
      SecretType: 'Rds',
      VersionId: 'r0',
      AutomaticRotation: 'Enabled',
      RotationInterval: '604800s',
      ExtendedConfig: extendedConfig,
    });
    expect(res.NextRotationDate).toMatch(KMS_TIME);
  });

  it('GetSecretValue returns ExtendedConfig only with FetchExtendedConfig=true', async () => {
    const plain = await callAction(sdk, 'GetSecretValue', { SecretName: 'rds/main' });
    expect(plain.ExtendedConfig).toBeUndefined();
    expect(plain).toMatchObject({ SecretType: 'Rds', AutomaticRotation: 'Enabled', RotationInterval: '604800s' });
    const full = await callAction(sdk, 'GetSecretValue', { SecretName: 'rds/main', FetchExtendedConfig: 'true' });
    expect(full.ExtendedConfig).toBe(extendedConfig);
  });

  it('UpdateSecretRotationPolicy disables rotation, as DescribeSecret then shows', async () => {
    const res = await callAction(sdk, 'UpdateSecretRotationPolicy', { SecretName: 'rds/main', EnableAutomaticRotation: 'false' });
    expect(res.SecretName).toBe('rds/main');
    const described = await callAction(sdk, 'DescribeSecret', { SecretName: 'rds/main' });
    expect(described).toMatchObject({ AutomaticRotation: 'Disabled', RotationInterval: '604800s' });
    expect(described.NextRotationDate).toBeUndefined();
  });

  it('RotateSecret (with our SecretData extension) starts a rotation that DescribeSecret reports', async () => {
    const res = await callAction(sdk, 'RotateSecret', { SecretName: 'rds/main', VersionId: 'r1', SecretData: 'custom-pw' });
    expect(res).toMatchObject({ Arn: `acs:kms:${REGION}:${ACCOUNT}:secret/rds/main`, SecretName: 'rds/main', VersionId: 'r1' });
    const described = await callAction(sdk, 'DescribeSecret', { SecretName: 'rds/main' });
    expect(described).toMatchObject({ RotationStatus: 'Rotating', RotationStep: 'createPending' });
    expect(described.LastRotationError).toBeUndefined();
  });

  it('DescribeSecret reports a failed rotation with its error code and message', async () => {
    service.setRotationState('rds/main', {
      job: null,
      lastRotation: {
        versionId: 'r1',
        status: 'Failed',
        finishedAt: Date.now(),
        error: { code: 'Target.AuthFailed', message: 'The database refused the login.' },
      },
    });
    const described = await callAction(sdk, 'DescribeSecret', { SecretName: 'rds/main' });
    expect(described).toMatchObject({
      RotationStatus: 'Failed',
      LastRotationError: { Code: 'Target.AuthFailed', Message: 'The database refused the login.' },
    });
    expect(described.RotationStep).toBeUndefined();
  });

  it('ListSecrets applies Filters', async () => {
    const res = await callAction(sdk, 'ListSecrets', { Filters: '[{"Key":"SecretType","Values":["Rds"]}]' });
    expect(res.TotalCount).toBe(1);
    expect((res.SecretList as { Secret: { SecretName: string }[] }).Secret.map((s) => s.SecretName)).toEqual(['rds/main']);
  });
});

describe('errors as the SDK sees them (err.code = `${Code}Error`, err.data = the body)', () => {
  it('a wrong AccessKey secret gives SignatureDoesNotMatch', async () => {
    const bad = createKmsSdkClient(server.port, AK, 'not-the-secret');
    const e = await sdkErrorOf(bad.getRandomPassword(new kmsSdk.GetRandomPasswordRequest({})));
    expect(e.code).toBe('SignatureDoesNotMatchError');
    expect(e.data).toMatchObject({ Code: 'SignatureDoesNotMatch', HttpStatus: 400 });
    expect(e.data.RequestId).toMatch(UUID);
    expect(e.message).not.toContain('not-the-secret');
    expect(e.message).not.toContain(SECRET);
  });

  it('an unknown AccessKey gives InvalidAccessKeyId.NotFound (404)', async () => {
    const stranger = createKmsSdkClient(server.port, 'LTAI-unknown', SECRET);
    const e = await sdkErrorOf(stranger.getRandomPassword(new kmsSdk.GetRandomPasswordRequest({})));
    expect(e.code).toBe('InvalidAccessKeyId.NotFoundError');
    expect(e.data).toMatchObject({ Code: 'InvalidAccessKeyId.NotFound', HttpStatus: 404 });
  });

  it('a server clock 20 minutes ahead of the request timestamp gives IllegalTimestamp', async () => {
    const skewed = await serve({ now: () => Date.now() + 20 * 60_000 });
    try {
      const client = createKmsSdkClient(skewed.server.port, AK, SECRET);
      const e = await sdkErrorOf(client.getRandomPassword(new kmsSdk.GetRandomPasswordRequest({})));
      expect(e.data).toMatchObject({ Code: 'IllegalTimestamp', HttpStatus: 400 });
    } finally {
      await skewed.server.close();
    }
  });

  it('invalid JSON in ExtendedConfig or Filters gives InvalidParameter naming it', async () => {
    const created = await sdkErrorOf(
      callAction(sdk, 'CreateSecret', {
        SecretName: 'rds/bad',
        VersionId: 'v1',
        SecretData: 'x',
        SecretType: 'Rds',
        ExtendedConfig: '{"SecretSubType":',
      }),
    );
    expect(created.data).toMatchObject({ Code: 'InvalidParameter', HttpStatus: 400 });
    expect(created.data.Message).toContain('"ExtendedConfig"');
    const listed = await sdkErrorOf(callAction(sdk, 'ListSecrets', { Filters: '[{"Key":' }));
    expect(listed.data).toMatchObject({ Code: 'InvalidParameter' });
    expect(listed.data.Message).toContain('"Filters"');
  });

  it('a missing SecretName gives MissingParameter naming it', async () => {
    const e = await sdkErrorOf(sdk.getSecretValue(new kmsSdk.GetSecretValueRequest({})));
    expect(e.data).toMatchObject({
      Code: 'MissingParameter',
      HttpStatus: 400,
      Message: 'The parameter "SecretName" is needed but not provided.',
    });
  });

  it('an unknown Action gives InvalidAction.NotFound', async () => {
    const e = await sdkErrorOf(callAction(sdk, 'CreateKey', {}));
    expect(e.data).toMatchObject({ Code: 'InvalidAction.NotFound' });
  });
});

describe('raw HTTP', () => {
  const signed = (params: Record<string, string>, nonce?: string) =>
    signedV1Params(params, { accessKeyId: AK, secret: SECRET, nonce, method: 'POST' });

  it('a replayed request (same nonce, same signature) is refused with SignatureNonceUsed', async () => {
    const path = `/?${queryString(signed({ Action: 'GetRandomPassword' }, 'replay-nonce-1'))}`;
    const first = await rawRequest(server.port, { path });
    expect(first.status).toBe(200);
    const second = await rawRequest(server.port, { path });
    expect(second.status).toBe(400);
    expect(JSON.parse(second.body)).toMatchObject({ Code: 'SignatureNonceUsed', HttpStatus: 400 });
  });

  it('Format=XML gives an XML success body rooted at <GetSecretValueResponse>', async () => {
    await callAction(sdk, 'CreateSecret', { SecretName: 'xml/one', VersionId: 'x1', SecretData: 'a<b>&"c"' });
    const res = await rawRequest(server.port, {
      path: `/?${queryString(signed({ Action: 'GetSecretValue', SecretName: 'xml/one', Format: 'XML' }))}`,
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    const doc = xml.parse(res.body).GetSecretValueResponse;
    expect(doc).toMatchObject({
      SecretName: 'xml/one',
      VersionId: 'x1',
      SecretData: 'a<b>&"c"',
      VersionStages: { VersionStage: ['ACSCurrent'] },
    });
    expect(doc.RequestId).toBe(res.headers['x-acs-request-id']);
  });

  it('Format=xml gives an XML error body rooted at <Error>', async () => {
    const res = await rawRequest(server.port, {
      path: `/?${queryString(signed({ Action: 'GetSecretValue', SecretName: 'xml/missing', Format: 'xml' }))}`,
    });
    expect(res.status).toBe(404);
    const error = xml.parse(res.body).Error;
    expect(error).toMatchObject({ HttpStatus: '404', Code: 'Forbidden.ResourceNotFound' });
    expect(error.RequestId).toBe(res.headers['x-acs-request-id']);
  });

  it('a GET request works like a POST', async () => {
    const res = await rawRequest(server.port, {
      method: 'GET',
      path: `/?${queryString(signedV1Params({ Action: 'GetRandomPassword' }, { accessKeyId: AK, secret: SECRET, method: 'GET' }))}`,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).RandomPassword).toHaveLength(32);
  });

  it('a PUT request gives 403 UnsupportedHTTPMethod', async () => {
    const res = await rawRequest(server.port, { method: 'PUT', path: `/?${queryString(signed({ Action: 'GetRandomPassword' }))}` });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ Code: 'UnsupportedHTTPMethod' });
  });

  it('a V3 (ACS3-HMAC-SHA256) request naming the action in x-acs-action works, form body included', async () => {
    const host = `127.0.0.1:${server.port}`;
    const body = new URLSearchParams({ SecretName: 'v3/one', VersionId: 'a', SecretData: 'v3 value & more' }).toString();
    const create = signV3Request(
      { method: 'POST', host, query: {}, body, contentType: 'application/x-www-form-urlencoded' },
      { accessKeyId: AK, secret: SECRET, action: 'CreateSecret' },
    );
    const created = await rawRequest(server.port, { path: '/', headers: create.headers, body });
    expect(created.status).toBe(200);

    const query = { SecretName: 'v3/one' };
    const get = signV3Request({ method: 'POST', host, query, body: '' }, { accessKeyId: AK, secret: SECRET, action: 'GetSecretValue' });
    const res = await rawRequest(server.port, { path: `/?${queryString(query)}`, headers: get.headers });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ SecretName: 'v3/one', SecretData: 'v3 value & more' });
  });
});

describe('audit records', () => {
  it('are written for successes and failures, with the key and secret name but no secret value', () => {
    const ok = records.find((r) => r.action === 'CreateSecret' && r.secretName === 'app/db');
    expect(ok).toMatchObject({ outcome: 'ok', accessKeyId: AK, sourceIp: '127.0.0.1' });
    expect(ok?.requestId).toMatch(UUID);
    const failed = records.find((r) => r.code === 'SignatureDoesNotMatch');
    expect(failed).toMatchObject({ outcome: 'error', action: 'GetRandomPassword', accessKeyId: AK });
    expect(JSON.stringify(records)).not.toContain('p&ss<w>rd');
  });
});
