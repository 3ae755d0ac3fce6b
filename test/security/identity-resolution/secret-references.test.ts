/**
 * Boundary: turning a caller's SecretName (a name or an ARN) into the secret acted on.
 *
 * Attacker's goal: with a key allowed only on `secret/app-*`, read, overwrite or delete `ops-db` by
 * naming it in a way the authorization reads as an `app-*` secret and the store reads as `ops-db`
 * (an ARN nested in an ARN, another region's or account's ARN, case or percent-encoding variants),
 * over V1, V3, the official SDK and the console; or hide such a call from an audit search by name.
 *
 * Guarded by: the reference is resolved once, at the edge (domain/secret-id.ts); authorization,
 * the use case, the store and the audit record all get that one identity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKmsSdkClient, kmsSdk } from '../../support/kms-sdk-client.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { arnOf, startBoundaryRuntime, type BoundaryRuntime, type KmsAnswer, type Signing } from '../support/boundary-runtime.js';
import { openConsoleSession, type ConsoleSession } from '../support/console-session.js';
import type { Key, Pairs } from '../support/signed-requests.js';

const OPS_VALUE = 'ops-db-admin-password-value';
const APP_VALUE = 'app-1-password-value';
const README_POLICY = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: 'acs:kms:*:*:secret/app-*' }] };
const WITH_DENY = {
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
    { Effect: 'Deny', Action: 'kms:*', Resource: 'acs:kms:*:*:secret/ops-*' },
  ],
};

/** Every way of naming ops-db that a policy on app-* (or a Deny on ops-*) might misread. */
const DISGUISES = [
  arnOf('acs:kms:X:secret/app-zzz:secret/ops-db'),
  arnOf(`${arnOf('app-zzz')}:secret/ops-db`),
  arnOf(arnOf('ops-db')),
  arnOf('app-x/../ops-db'),
  `acs:kms:X:secret/app-zzz:secret/ops-db`,
  arnOf('ops-db', 'cn-shanghai'),
  arnOf('ops-db', 'CN-HANGZHOU'),
  arnOf('ops-db', undefined, '9999'),
  arnOf('ops-db').toUpperCase(),
  'ACS:KMS:cn-hangzhou:1234567890123456:secret/ops-db',
  `app-1:${arnOf('ops-db')}`,
  'app-1%2F..%2Fops-db',
  arnOf('app-%6fps-db'),
  encodeURIComponent(arnOf('ops-db')),
  ` ${arnOf('ops-db')}`,
  `${arnOf('ops-db')}\u0000`,
];

const ACTIONS: readonly [string, Pairs][] = [
  ['GetSecretValue', []],
  ['DescribeSecret', []],
  ['ListSecretVersionIds', []],
  ['PutSecretValue', [['VersionId', 'attacker'], ['SecretData', 'attacker-value']]],
  ['UpdateSecretVersionStage', [['VersionStage', 'ACSCurrent'], ['MoveToVersion', 'v1']]],
  ['UpdateSecret', [['Description', 'taken']]],
  ['UpdateSecretRotationPolicy', [['EnableAutomaticRotation', 'false']]],
  ['RotateSecret', [['VersionId', 'attacker-rotation']]],
  ['DeleteSecret', [['ForceDeleteWithoutRecovery', 'true']]],
  ['RestoreSecret', []],
];
const SIGNINGS: readonly Signing[] = ['v1-query', 'v1-form', 'v3-query', 'v3-form'];

const tally = new BoundaryTally('identity-resolution', import.meta.url);
let rt: BoundaryRuntime;
let readmeKey: Key;
let denyKey: Key;

const crossed = (answer: KmsAnswer): boolean => answer.status === 200 || JSON.stringify(answer.body).includes(OPS_VALUE);

beforeAll(async () => {
  rt = await startBoundaryRuntime('rotor-identity-');
  await rt.createSecret('ops-db', OPS_VALUE);
  await rt.createSecret('app-1', APP_VALUE);
  readmeKey = await rt.createKey('the README example policy');
  denyKey = await rt.createKey('allow all but ops-*');
  expect((await rt.putPolicy(readmeKey, README_POLICY)).status).toBe(200);
  expect((await rt.putPolicy(denyKey, WITH_DENY)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  tally.write();
  await rt?.stop();
});

describe('a secret named in disguise', () => {
  it('is refused for every action, signing and disguise, with nothing changed and nothing revealed', async () => {
    const before = rt.secretState();
    const refusals = new Set<string>();
    for (const key of [readmeKey, denyKey])
      for (const reference of DISGUISES)
        for (const [action, extra] of ACTIONS)
          for (const signing of SIGNINGS) {
            const answer = await rt.call(action, [['SecretName', reference], ...extra], key, signing);
            tally.tried();
            if (crossed(answer)) tally.crossed(`${action} ${signing} ${JSON.stringify(reference)}: ${answer.status}`);
            expect(answer.status, `${action} ${signing} ${JSON.stringify(reference)}`).not.toBe(200);
            expect(JSON.stringify(answer.body)).not.toContain(OPS_VALUE);
            refusals.add(String(answer.body.Code));
          }
    // Refused as what they are: not a name, not ours, or not allowed; never a server error.
    expect([...refusals].sort()).toEqual(expect.arrayContaining(['Forbidden.ResourceNotFound', 'InvalidParameter']));
    for (const code of refusals) expect(['InvalidParameter', 'Forbidden.ResourceNotFound', 'Forbidden.NoPermission']).toContain(code);
    expect(rt.secretState()).toEqual(before);
  }, 120_000);

  it('is refused through the official SDK too', async () => {
    const sdk = createKmsSdkClient(rt.runtime.port, readmeKey.id, readmeKey.secret);
    for (const reference of DISGUISES.slice(0, 6)) {
      tally.tried();
      const error = await sdk.getSecretValue(new kmsSdk.GetSecretValueRequest({ secretName: reference })).then(
        (r) => {
          tally.crossed(`SDK GetSecretValue ${JSON.stringify(reference)}`);
          return r;
        },
        (e: unknown) => e as { code?: string },
      );
      // The SDK names a KMS error `${Code}Error`.
      expect(['InvalidParameterError', 'Forbidden.ResourceNotFoundError', 'Forbidden.NoPermissionError']).toContain((error as { code?: string }).code);
    }
  });

  it('is refused by the console: details, reveal, rotate and delete', async () => {
    const before = rt.secretState();
    const session: ConsoleSession = await openConsoleSession(rt, readmeKey);
    for (const reference of DISGUISES) {
      const path = `/console/secrets/${encodeURIComponent(reference)}`;
      const answers = [
        await session.get(path),
        await session.post(`${path}/reveal`, {}),
        await session.post(`${path}/rotate`, {}),
        await session.post(`${path}/delete`, { method: 'now' }),
      ];
      tally.tried(answers.length);
      for (const answer of answers) {
        if (answer.status < 400 || answer.body.includes(OPS_VALUE)) tally.crossed(`console ${JSON.stringify(reference)}: ${answer.status}`);
        expect(answer.status, JSON.stringify(reference)).toBeGreaterThanOrEqual(400);
        expect(answer.body).not.toContain(OPS_VALUE);
      }
    }
    expect(rt.secretState()).toEqual(before);
  }, 60_000);
});

describe('a secret named by its own ARN', () => {
  it('resolves to the stored secret, is authorized on it, and is audited under its name', async () => {
    const requestIds: string[] = [];
    for (const signing of SIGNINGS) {
      const answer = await rt.call('GetSecretValue', [['SecretName', arnOf('app-1')]], readmeKey, signing);
      tally.tried();
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ SecretName: 'app-1', SecretData: APP_VALUE });
      requestIds.push(String(answer.body.RequestId));
    }
    const refused = await rt.call('GetSecretValue', [['SecretName', arnOf('ops-db')]], readmeKey);
    tally.tried();
    expect(refused.status).toBe(403);
    expect(String(refused.body.Message)).toContain(`on ${arnOf('ops-db')}.`);
    requestIds.push(String(refused.body.RequestId));

    const audited = await rt.auditedSecretNames(readmeKey);
    expect(requestIds.map((id) => audited.get(id))).toEqual(['app-1', 'app-1', 'app-1', 'app-1', 'ops-db']);
  });

  it('a search of the audit trail by name finds every call that named the secret, by name or by ARN', async () => {
    const byArn = await rt.call('DescribeSecret', [['SecretName', arnOf('ops-db')]], denyKey);
    tally.tried();
    expect(byArn.status).toBe(403);
    const found = await rt.setup('ListAuditRecords', [['SecretName', 'ops-db'], ['FilterAccessKeyId', denyKey.id], ['PageSize', '100']]);
    const ids = ((found.AuditRecords as { AuditRecord: { RequestId: string }[] }).AuditRecord ?? []).map((r) => r.RequestId);
    expect(ids).toContain(byArn.body.RequestId);
  });
});
