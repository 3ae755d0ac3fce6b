/** handleKmsRequest called directly (no socket): routing, parameter parsing and error mapping. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { handleKmsRequest, type KmsApiDeps, type KmsCallRecord } from '../../shared/http/kms-api.js';
import type { HttpRequest, HttpResponse } from '../../shared/http/types.js';
import { ManualClock } from '../support/manual-clock.js';
import { InMemorySecretServiceForHttpTests } from '../support/in-memory-secret-service.js';
import { InMemoryNonceStoreForTests, staticCredentials } from '../support/kms-http-test-server.js';
import { signedV1Params } from '../support/request-signers.js';

const AK = 'AK-api';
const SECRET = 'api-secret';

let clock: ManualClock;
let service: InMemorySecretServiceForHttpTests;
let records: KmsCallRecord[];
let deps: KmsApiDeps;

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 4, 5, 6, 7, 8, 900));
  service = new InMemorySecretServiceForHttpTests(clock);
  records = [];
  deps = {
    service,
    credentials: staticCredentials({ [AK]: { secret: SECRET, principal: 'tester' } }),
    nonces: new InMemoryNonceStoreForTests(),
    clock,
    settings: { region: 'cn-shanghai', accountId: '42' },
    onCall: (r) => records.push(r),
  };
  await service.createSecret({ secretName: 'app/one', versionId: 'v1', secretData: 'value-one' });
});

const request = (params: Record<string, string>, method = 'POST'): HttpRequest => ({
  method,
  path: '/',
  headers: {},
  query: signedV1Params(params, { accessKeyId: AK, secret: SECRET, at: clock.now(), method }),
  body: Buffer.alloc(0),
  sourceIp: '192.0.2.7',
});

const call = (params: Record<string, string>, extra: Partial<KmsApiDeps> = {}) =>
  handleKmsRequest(request(params), { ...deps, ...extra });

const body = (res: HttpResponse) => JSON.parse(res.body) as Record<string, unknown>;

const expectError = (res: HttpResponse, status: number, code: string, messagePart?: string) => {
  expect(res.statusCode).toBe(status);
  const b = body(res);
  expect(b).toMatchObject({ HttpStatus: status, Code: code });
  expect(b.RequestId).toBe(res.headers['x-acs-request-id']);
  if (messagePart) expect(b.Message).toContain(messagePart);
};

describe('routing', () => {
  it('answers a known action with 200 and times without milliseconds', async () => {
    const res = await call({ Action: 'GetSecretValue', SecretName: 'app/one' });
    expect(res.statusCode).toBe(200);
    expect(body(res)).toMatchObject({ SecretData: 'value-one', CreateTime: '2026-05-05T06:07:08Z' });
  });

  it('answers an unknown action with InvalidAction.NotFound and a missing one with MissingParameter', async () => {
    expectError(await call({ Action: 'Encrypt' }), 404, 'InvalidAction.NotFound');
    const params = signedV1Params({}, { accessKeyId: AK, secret: SECRET, at: clock.now() });
    const res = await handleKmsRequest({ ...request({}), query: params }, deps);
    expectError(res, 400, 'MissingParameter', '"Action"');
  });

  it('treats an action outside allowedActions as unknown', async () => {
    const allowed = new Set(['GetSecretValue']);
    expectError(await call({ Action: 'DeleteSecret', SecretName: 'app/one' }, { allowedActions: allowed }), 404, 'InvalidAction.NotFound');
    expect((await call({ Action: 'GetSecretValue', SecretName: 'app/one' }, { allowedActions: allowed })).statusCode).toBe(200);
  });

  it('requires Version 2016-01-20', async () => {
    expectError(await call({ Action: 'GetSecretValue', SecretName: 'app/one', Version: '2019-01-01' }), 400, 'InvalidVersion');
  });

  it('answers other HTTP methods with 403 UnsupportedHTTPMethod', async () => {
    const res = await handleKmsRequest(request({ Action: 'GetSecretValue', SecretName: 'app/one' }, 'DELETE'), deps);
    expectError(res, 403, 'UnsupportedHTTPMethod');
  });

  it('accepts the ARN of one of our secrets as SecretName and refuses another account', async () => {
    const ours = await call({ Action: 'GetSecretValue', SecretName: 'acs:kms:cn-shanghai:42:secret/app/one' });
    expect(body(ours)).toMatchObject({ SecretName: 'app/one' });
    expectError(await call({ Action: 'GetSecretValue', SecretName: 'acs:kms:cn-shanghai:43:secret/app/one' }), 404, 'Forbidden.ResourceNotFound');
  });
});

describe('parameter errors', () => {
  it('names the parameter of a malformed boolean or integer', async () => {
    expectError(
      await call({ Action: 'UpdateSecretRotationPolicy', SecretName: 'app/one', EnableAutomaticRotation: 'yes' }),
      400,
      'InvalidParameter',
      '"EnableAutomaticRotation"',
    );
    expectError(await call({ Action: 'ListSecrets', PageSize: 'ten' }), 400, 'InvalidParameter', '"PageSize"');
    expectError(await call({ Action: 'ListSecrets', PageSize: '101' }), 400, 'InvalidParameter', '"PageSize"');
  });

  it('reports an absent or empty required parameter as MissingParameter', async () => {
    expectError(await call({ Action: 'UpdateSecretRotationPolicy', SecretName: 'app/one' }), 400, 'MissingParameter', '"EnableAutomaticRotation"');
    expectError(await call({ Action: 'GetSecretValue', SecretName: '' }), 400, 'MissingParameter', '"SecretName"');
    expectError(await call({ Action: 'CreateSecret', SecretName: 'x', SecretData: 'y' }), 400, 'MissingParameter', '"VersionId"');
  });

  it('names JSON parameters that do not parse, without echoing their text', async () => {
    const cases: [string, Record<string, string>][] = [
      ['Tags', { Action: 'CreateSecret', SecretName: 'x', VersionId: 'v', SecretData: 'd', Tags: '[{"TagKey":"secret-ish' }],
      ['ExtendedConfig', { Action: 'CreateSecret', SecretName: 'x', VersionId: 'v', SecretData: 'd', ExtendedConfig: 'secret-ish' }],
      ['VersionStages', { Action: 'PutSecretValue', SecretName: 'app/one', VersionId: 'v2', SecretData: 'd', VersionStages: 'secret-ish' }],
      ['Filters', { Action: 'ListSecrets', Filters: '{secret-ish' }],
    ];
    for (const [name, params] of cases) {
      const res = await call(params);
      expectError(res, 400, 'InvalidParameter', `"${name}" is invalid: is not valid JSON.`);
      expect(res.body).not.toContain('secret-ish');
    }
  });

  it('names the path inside a JSON parameter whose shape is wrong', async () => {
    const base = { Action: 'CreateSecret', SecretName: 'x', VersionId: 'v', SecretData: 'd' };
    expectError(await call({ ...base, Tags: '[{"TagKey":1,"TagValue":"v"}]' }), 400, 'InvalidParameter', '"Tags[0].TagKey"');
    expectError(await call({ ...base, ExtendedConfig: '["a"]' }), 400, 'InvalidParameter', '"ExtendedConfig" is invalid: must be a JSON object');
    expectError(await call({ Action: 'ListSecrets', Filters: '[{"Key":"SecretName","Values":"a"}]' }), 400, 'InvalidParameter', '"Filters[0].Values"');
  });

  it('accepts VersionStages both as a JSON array and in the old {"VersionStage":[...]} form', async () => {
    const a = await call({ Action: 'PutSecretValue', SecretName: 'app/one', VersionId: 'v2', SecretData: 'd2', VersionStages: '["Custom"]' });
    expect(body(a)).toMatchObject({ VersionStages: { VersionStage: ['Custom'] } });
    const b = await call({ Action: 'PutSecretValue', SecretName: 'app/one', VersionId: 'v3', SecretData: 'd3', VersionStages: '{"VersionStage":["ACSCurrent"]}' });
    expect(body(b)).toMatchObject({ VersionStages: { VersionStage: ['ACSCurrent'] } });
  });

  it('accepts booleans in any case and SecretType in any casing', async () => {
    const res = await call({ Action: 'CreateSecret', SecretName: 'r', VersionId: 'v', SecretData: 'd', SecretType: 'rds', EnableAutomaticRotation: 'TRUE', RotationInterval: '6h' });
    expect(body(res)).toMatchObject({ SecretType: 'Rds', AutomaticRotation: 'Enabled', RotationInterval: '21600s' });
  });

  it('refuses ExtendedConfig.CustomData on UpdateSecret instead of ignoring it', async () => {
    expectError(await call({ Action: 'UpdateSecret', SecretName: 'app/one', 'ExtendedConfig.CustomData': '{}' }), 400, 'Rejected.Unavailable');
  });
});

describe('failures that are not KmsErrors', () => {
  it('become 500 InternalFailure with a generic message, reported to onUnexpectedError', async () => {
    const onUnexpectedError = vi.fn();
    const leaky = new InMemorySecretServiceForHttpTests(clock);
    leaky.getSecretValue = async () => {
      throw new Error('decrypt failed for value hunter2');
    };
    const res = await call({ Action: 'GetSecretValue', SecretName: 'app/one' }, { service: leaky, onUnexpectedError });
    expectError(res, 500, 'InternalFailure');
    expect(res.body).not.toContain('hunter2');
    expect(onUnexpectedError).toHaveBeenCalledWith(expect.any(Error), res.headers['x-acs-request-id']);
  });

  it('become 503 ServiceUnavailable when a backing service did not answer (marked unavailable by its adapter), and 500 otherwise', async () => {
    const onUnexpectedError = vi.fn();
    const failingWith = (error: Error) => {
      const failing = new InMemorySecretServiceForHttpTests(clock);
      failing.getSecretValue = async () => {
        throw error;
      };
      return failing;
    };
    const outage = Object.assign(new Error('Tablestore GetRow failed: NetworkingError'), { unavailable: true });
    const res = await call({ Action: 'GetSecretValue', SecretName: 'app/one' }, { service: failingWith(outage), onUnexpectedError });
    expectError(res, 503, 'ServiceUnavailable');
    expect(onUnexpectedError).toHaveBeenCalledWith(outage, res.headers['x-acs-request-id']);
    const answered = Object.assign(new Error('Tablestore GetRow failed: OTSParameterInvalid'), { unavailable: false });
    expectError(await call({ Action: 'GetSecretValue', SecretName: 'app/one' }, { service: failingWith(answered) }), 500, 'InternalFailure');
  });

  it('an audit hook that throws does not change the response', async () => {
    const res = await call({ Action: 'GetSecretValue', SecretName: 'app/one' }, { onCall: () => { throw new Error('sink down'); } });
    expect(res.statusCode).toBe(200);
  });
});

describe('XML responses', () => {
  const parser = new XMLParser({ parseTagValue: false });

  it('renders a value XML 1.0 cannot carry as a well-formed XML error', async () => {
    await service.createSecret({ secretName: 'bin', versionId: 'v1', secretData: 'a\u0002b' });
    const res = await call({ Action: 'GetSecretValue', SecretName: 'bin', Format: 'XML' });
    expect(res.statusCode).toBe(400);
    expect(parser.parse(res.body).Error).toMatchObject({ Code: 'InvalidParameter' });
    expect(res.body).not.toContain('\u0002');
  });
});

describe('audit records', () => {
  it('record action, verified key, secret name, outcome and code', async () => {
    await call({ Action: 'GetSecretValue', SecretName: 'app/one' });
    await call({ Action: 'GetSecretValue', SecretName: 'nope' });
    expect(records).toEqual([
      expect.objectContaining({ action: 'GetSecretValue', accessKeyId: AK, secretName: 'app/one', outcome: 'ok', sourceIp: '192.0.2.7' }),
      expect.objectContaining({ action: 'GetSecretValue', secretName: 'nope', outcome: 'error', code: 'Forbidden.ResourceNotFound' }),
    ]);
    expect(records[0]?.code).toBeUndefined();
  });
});
