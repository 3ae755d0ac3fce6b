/**
 * End to end: the local runtime started as `npm start` starts it, in a child process, driven only
 * through the official KMS SDK (@alicloud/kms20160120) and FC's invoke path, as a user would.
 * Time-dependent rules (due rotations, recovery windows, purge) are unit-tested with an injected
 * clock in test/app; here the timers are only checked to be wired: their ticks find nothing due.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAction, createKmsSdkClient, kmsSdk, sdkErrorOf, type KmsClient } from '../support/kms-sdk-client.js';
import { eventually, filesUnder, findLeaks, readEvents, type CloudEvent, type Haystack } from '../support/e2e.js';
import {
  killAllRuntimeProcesses,
  PROJECT_ROOT,
  readRootCredentials,
  startRuntimeProcess,
  type RootKey,
  type RuntimeProcess,
} from '../support/runtime-process.js';
import { tempDir, type TempDir } from '../support/runtime.js';
import { signedInvoke } from '../support/signed-invoke.js';

const REGION = 'cn-hangzhou';
const ACCOUNT = '1234567890123456';
const KMS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const DAY_MS = 86_400_000;
const GENERATED = JSON.stringify({ SecretSubType: 'GeneratedPassword' });
/** Quick rotations for the lifecycle run; the crash run overrides it. */
const FAST_POLL = { ROTOR_QUEUE_POLL_MS: '25' };
const RUNTIME_ENV = { ROTOR_REGION: REGION, ROTOR_ACCOUNT_ID: ACCOUNT, ROTOR_LOG_LEVEL: 'debug' };

/** Distinct, random, long enough that a match in a scanned file cannot be chance. */
const secretValue = (label: string): string => `${label}-${randomBytes(18).toString('base64url')}`;

type Fields = Record<string, unknown>;

const str = (fields: Fields, key: string): string => {
  const value = fields[key];
  if (typeof value !== 'string') throw new Error(`expected ${key} to be a string, got ${JSON.stringify(value)}`);
  return value;
};

interface VersionEntry {
  VersionId: string;
  CreateTime: string;
  VersionStages: { VersionStage: string[] };
}

const versionsOf = async (sdk: KmsClient, name: string): Promise<Record<string, string[]>> => {
  const res = await callAction(sdk, 'ListSecretVersionIds', { SecretName: name, IncludeDeprecated: 'true', PageSize: '100' });
  const list = (res.VersionIds as { VersionId: VersionEntry[] }).VersionId;
  return Object.fromEntries(list.map((v) => [v.VersionId, [...v.VersionStages.VersionStage].sort()]));
};

const listAll = async (sdk: KmsClient, extra: Record<string, string> = {}): Promise<Fields[]> => {
  const res = await callAction(sdk, 'ListSecrets', { PageSize: '100', ...extra });
  return (res.SecretList as { Secret: Fields[] }).Secret;
};

const valueOf = async (sdk: KmsClient, name: string, query: Record<string, string> = {}): Promise<Fields> =>
  callAction(sdk, 'GetSecretValue', { SecretName: name, ...query });

/** The lifecycle and rotation events: the audit trail's api-call events (one per request) left out. */
const lifecycleEvents = (dataDir: string): CloudEvent[] =>
  readEvents(dataDir).filter((e) => e.type !== 'com.secretrotor.audit.api-call');

/** What "changes nothing" compares: every secret's description, policy, deletion state and versions. */
const stateSnapshot = async (sdk: KmsClient, dataDir: string) => {
  const secrets = await listAll(sdk);
  const details = await Promise.all(
    secrets.map(async (s) => {
      const name = str(s, 'SecretName');
      const { RequestId: _ignored, ...described } = await callAction(sdk, 'DescribeSecret', { SecretName: name });
      return { described, versions: await versionsOf(sdk, name) };
    }),
  );
  return { secrets, details, events: lifecycleEvents(dataDir).length };
};

/** Invoked with the root key's signature, as FC's invoke API (and `npm run invoke`) does it. */
const invoke = async (
  runtime: RuntimeProcess,
  root: RootKey,
  functionName: string,
  sample: string,
): Promise<{ status: number; body: unknown; errorType: string | null }> => {
  const res = await signedInvoke(runtime.url, root, functionName, readFileSync(join(PROJECT_ROOT, 'events', sample)));
  return { status: res.status, body: await res.json(), errorType: res.headers.get('x-fc-error-type') };
};

const typesFor = (events: CloudEvent[], subject: string): string[] =>
  events.filter((e) => e.subject === subject).map((e) => e.type.replace('com.secretrotor.', ''));

const ROTATION_EVENTS = [
  'rotation.started',
  ...['createPending', 'applyToTarget', 'verify', 'promote'].flatMap(() => ['rotation.step.started', 'rotation.step.succeeded']),
  'rotation.succeeded',
];

/** Waits until the rotation to `versionId` is over: DescribeSecret says Normal and its last event is written. */
const rotationFinished = async (sdk: KmsClient, dataDir: string, name: string, versionId: string, seen: Set<string> = new Set()) =>
  eventually(async () => {
    const described = await callAction(sdk, 'DescribeSecret', { SecretName: name });
    if (typeof described.RotationStep === 'string') seen.add(described.RotationStep);
    if (described.RotationStatus !== 'Normal') return undefined;
    const done = lifecycleEvents(dataDir).some((e) => e.type.endsWith('rotation.succeeded') && e.data.versionId === versionId);
    return done ? described : undefined;
  }, `the rotation of ${name} to ${versionId}`);

const haystacks = (dataDir: string, runs: readonly RuntimeProcess[]): Haystack[] => [
  ...filesUnder(dataDir).map((file) => ({ name: file.slice(dataDir.length + 1), bytes: readFileSync(file) })),
  ...runs.flatMap((run, i) => [
    { name: `run ${i} stdout`, bytes: run.stdout() },
    { name: `run ${i} stderr`, bytes: run.stderr() },
  ]),
];

/** Ctrl-C: the runtime drains, closes its stores (SQLite folds its write-ahead logs back) and exits 0. */
const expectCleanInterrupt = async (runtime: RuntimeProcess, dataDir: string): Promise<void> => {
  expect(await runtime.stop('SIGINT')).toEqual({ code: 0, signal: null });
  expect(runtime.stderr().toString('utf8')).toContain('SIGINT: stopping');
  await expect(fetch(runtime.url)).rejects.toThrow();
  expect(existsSync(join(dataDir, 'secrets.db-wal'))).toBe(false);
  expect(existsSync(join(dataDir, 'queue.db-wal'))).toBe(false);
};

afterAll(async () => {
  await killAllRuntimeProcesses();
});

describe('the secret lifecycle through the official KMS SDK against the runtime started as `npm start`', () => {
  const GEN = 'e2e/app/db-password';
  const PLAIN = 'e2e/app/api-token';
  const AUTO = 'e2e/batch/cache-password';
  const values = {
    genInitial: secretValue('gen-initial'),
    plainV1: secretValue('plain-v1'),
    plainV2: secretValue('plain-v2'),
    autoInitial: secretValue('auto-initial'),
    oversized: randomBytes(30_721).toString('base64').slice(0, 30_721),
  };
  /** Every secret value created or read, for the leak scan at the end. */
  const secretsSeen = new Set<string>(Object.values(values));
  const runs: RuntimeProcess[] = [];
  let dir: TempDir;
  let runtime: RuntimeProcess;
  let root: RootKey;
  let sdk: KmsClient;
  let rotatedValue = '';

  beforeAll(async () => {
    dir = tempDir('rotor-e2e-');
    runtime = await startRuntimeProcess({ dataDir: dir.path, env: { ...RUNTIME_ENV, ...FAST_POLL } });
    runs.push(runtime);
    root = readRootCredentials(dir.path);
    sdk = createKmsSdkClient(runtime.port, root.accessKeyId, root.accessKeySecret);
  });

  afterAll(async () => {
    await killAllRuntimeProcesses();
    dir?.remove();
  });

  it('prints where it listens and where the generated root credentials are', () => {
    const banner = runtime.stderr().toString('utf8');
    expect(runtime.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(banner).toContain(`root AccessKey ${root.accessKeyId} generated into ${join(dir.path, 'root-credentials.json')}`);
    expect(banner).toContain(`data dir:  ${dir.path}`);
  });

  it('CreateSecret: a generated-password secret, a plain one, and one with automatic rotation every 6h', async () => {
    const gen = await callAction(sdk, 'CreateSecret', {
      SecretName: GEN,
      VersionId: 'v1',
      SecretData: values.genInitial,
      ExtendedConfig: GENERATED,
      Description: 'database password',
    });
    expect(gen).toMatchObject({ SecretName: GEN, VersionId: 'v1', SecretType: 'Generic', Arn: `acs:kms:${REGION}:${ACCOUNT}:secret/${GEN}` });

    const plain = await sdk.createSecret(
      new kmsSdk.CreateSecretRequest({
        secretName: PLAIN,
        versionId: 'v1',
        secretData: values.plainV1,
        description: 'third-party API token',
        tags: JSON.stringify([{ TagKey: 'team', TagValue: 'payments' }]),
      }),
    );
    expect(plain.arn).toBe(`acs:kms:${REGION}:${ACCOUNT}:secret/${PLAIN}`);
    expect(plain.versionId).toBe('v1');

    const before = Date.now();
    const auto = await callAction(sdk, 'CreateSecret', {
      SecretName: AUTO,
      VersionId: 'v1',
      SecretData: values.autoInitial,
      ExtendedConfig: JSON.stringify({ SecretSubType: 'GeneratedPassword', PasswordLength: 20 }),
      EnableAutomaticRotation: 'true',
      RotationInterval: '6h',
    });
    expect(auto.SecretName).toBe(AUTO);
    const described = await callAction(sdk, 'DescribeSecret', { SecretName: AUTO });
    expect(described).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: '21600s', RotationStatus: 'Normal' });
    const next = Date.parse(str(described, 'NextRotationDate'));
    expect(next).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 6 * 3_600_000);
    expect(next).toBeLessThanOrEqual(Date.now() + 6 * 3_600_000);
  });

  it('GetSecretValue by stage, by VersionId, and with FetchExtendedConfig (ignored for Generic, as in KMS)', async () => {
    const current = await sdk.getSecretValue(new kmsSdk.GetSecretValueRequest({ secretName: GEN }));
    expect(current.secretData).toBe(values.genInitial);
    expect(current.versionId).toBe('v1');
    expect(current.secretDataType).toBe('text');
    expect(current.createTime).toMatch(KMS_TIME);
    expect(current.versionStages.versionStage).toEqual(['ACSCurrent']);

    const byStage = await sdk.getSecretValue(new kmsSdk.GetSecretValueRequest({ secretName: GEN, versionStage: 'ACSCurrent' }));
    expect(byStage.secretData).toBe(values.genInitial);
    const byVersion = await sdk.getSecretValue(new kmsSdk.GetSecretValueRequest({ secretName: PLAIN, versionId: 'v1' }));
    expect(byVersion.secretData).toBe(values.plainV1);

    const withConfig = await valueOf(sdk, GEN, { VersionId: 'v1', FetchExtendedConfig: 'true' });
    expect(withConfig).toMatchObject({ SecretData: values.genInitial, SecretType: 'Generic', VersionStages: { VersionStage: ['ACSCurrent'] } });
    expect(withConfig.ExtendedConfig).toBeUndefined();
    const described = await callAction(sdk, 'DescribeSecret', { SecretName: GEN });
    expect(JSON.parse(str(described, 'ExtendedConfig'))).toEqual({ SecretSubType: 'GeneratedPassword' });
  });

  it('PutSecretValue moves ACSCurrent to the new version and the old one to ACSPrevious; UpdateSecretVersionStage adds a label', async () => {
    const put = await sdk.putSecretValue(new kmsSdk.PutSecretValueRequest({ secretName: PLAIN, versionId: 'v2', secretData: values.plainV2 }));
    expect(put.versionId).toBe('v2');
    expect(put.versionStages.versionStage).toEqual(['ACSCurrent']);
    expect((await valueOf(sdk, PLAIN)).SecretData).toBe(values.plainV2);
    const previous = await valueOf(sdk, PLAIN, { VersionStage: 'ACSPrevious' });
    expect(previous).toMatchObject({ VersionId: 'v1', SecretData: values.plainV1 });

    const staged = await sdk.updateSecretVersionStage(
      new kmsSdk.UpdateSecretVersionStageRequest({ secretName: PLAIN, versionStage: 'Canary', moveToVersion: 'v1' }),
    );
    expect(staged.secretName).toBe(PLAIN);
    expect((await valueOf(sdk, PLAIN, { VersionStage: 'Canary' })).SecretData).toBe(values.plainV1);
    expect(await versionsOf(sdk, PLAIN)).toEqual({ v1: ['ACSPrevious', 'Canary'], v2: ['ACSCurrent'] });
  });

  it('DescribeSecret, ListSecrets (paging and Filters) and ListSecretVersionIds answer as KMS does', async () => {
    const described = await sdk.describeSecret(new kmsSdk.DescribeSecretRequest({ secretName: PLAIN, fetchTags: 'true' }));
    expect(described.arn).toBe(`acs:kms:${REGION}:${ACCOUNT}:secret/${PLAIN}`);
    expect(described.description).toBe('third-party API token');
    expect(described.createTime).toMatch(KMS_TIME);
    expect(described.updateTime).toMatch(KMS_TIME);
    expect(described.tags.tag.map((t) => [t.tagKey, t.tagValue])).toEqual([['team', 'payments']]);
    expect(described.plannedDeleteTime).toBeUndefined();

    const page1 = await sdk.listSecrets(new kmsSdk.ListSecretsRequest({ pageNumber: 1, pageSize: 2 }));
    const page2 = await sdk.listSecrets(new kmsSdk.ListSecretsRequest({ pageNumber: 2, pageSize: 2 }));
    expect([page1.totalCount, page1.pageNumber, page1.pageSize, page1.secretList.secret.length]).toEqual([3, 1, 2, 2]);
    expect([page2.totalCount, page2.pageNumber, page2.secretList.secret.length]).toEqual([3, 2, 1]);
    const paged = [...page1.secretList.secret, ...page2.secretList.secret].map((s) => s.secretName);
    expect(paged.sort()).toEqual([AUTO, GEN, PLAIN].sort());

    const byName = await listAll(sdk, { Filters: JSON.stringify([{ Key: 'SecretName', Values: ['api-token'] }]) });
    expect(byName.map((s) => s.SecretName)).toEqual([PLAIN]);
    const byTag = await listAll(sdk, { Filters: JSON.stringify([{ Key: 'TagKey', Values: ['team'] }]), FetchTags: 'true' });
    expect(byTag.map((s) => s.SecretName)).toEqual([PLAIN]);
    expect(byTag[0]?.Tags).toEqual({ Tag: [{ TagKey: 'team', TagValue: 'payments' }] });
    const ored = await listAll(sdk, { Filters: JSON.stringify([{ Key: 'SecretName', Values: ['db-password', 'cache-password'] }]) });
    expect(ored.map((s) => s.SecretName).sort()).toEqual([AUTO, GEN].sort());
    const anded = await listAll(sdk, {
      Filters: JSON.stringify([
        { Key: 'SecretName', Values: ['e2e/app/'] },
        { Key: 'Description', Values: ['database'] },
      ]),
    });
    expect(anded.map((s) => s.SecretName)).toEqual([GEN]);

    const versions = await sdk.listSecretVersionIds(new kmsSdk.ListSecretVersionIdsRequest({ secretName: PLAIN }));
    expect([versions.secretName, versions.totalCount, versions.pageNumber]).toEqual([PLAIN, 2, 1]);
    expect(versions.versionIds.versionId[0]?.createTime).toMatch(KMS_TIME);
  });

  it('UpdateSecretRotationPolicy enables rotation; the rotate timer, invoked with its sample event, finds nothing due', async () => {
    const before = Date.now();
    const res = await callAction(sdk, 'UpdateSecretRotationPolicy', { SecretName: GEN, EnableAutomaticRotation: 'true', RotationInterval: '7d' });
    expect(res.SecretName).toBe(GEN);
    const described = await callAction(sdk, 'DescribeSecret', { SecretName: GEN });
    expect(described).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: '604800s' });
    expect(Date.parse(str(described, 'NextRotationDate'))).toBeGreaterThan(before + 7 * DAY_MS - 60_000);

    const eventsBefore = lifecycleEvents(dir.path).length;
    const tick = await invoke(runtime, root, 'secret-rotor-rotate', 'rotate-timer.json');
    expect(tick).toMatchObject({ status: 200, body: { rowsRead: 0, acted: 0, skipped: 0, deferred: 0 }, errorType: null });
    expect(lifecycleEvents(dir.path).length).toBe(eventsBefore);
    expect(await versionsOf(sdk, AUTO)).toEqual({ v1: ['ACSCurrent'] });
    expect((await callAction(sdk, 'DescribeSecret', { SecretName: AUTO })).RotationStatus).toBe('Normal');
  });

  it('RotateSecret runs the four steps through the queue: a new ACSCurrent, the old one ACSPrevious', async () => {
    const started = await callAction(sdk, 'RotateSecret', { SecretName: GEN, VersionId: 'rot-1' });
    expect(started).toMatchObject({ SecretName: GEN, VersionId: 'rot-1', Arn: `acs:kms:${REGION}:${ACCOUNT}:secret/${GEN}` });

    const finished = await rotationFinished(sdk, dir.path, GEN, 'rot-1');
    expect(finished.LastRotationDate).toMatch(KMS_TIME);
    expect(finished.LastRotationError).toBeUndefined();

    const current = await valueOf(sdk, GEN);
    rotatedValue = str(current, 'SecretData');
    secretsSeen.add(rotatedValue);
    expect(current.VersionId).toBe('rot-1');
    expect(rotatedValue).not.toBe(values.genInitial);
    expect(rotatedValue).toHaveLength(32);
    expect(await valueOf(sdk, GEN, { VersionStage: 'ACSPrevious' })).toMatchObject({ VersionId: 'v1', SecretData: values.genInitial });
    expect(await versionsOf(sdk, GEN)).toEqual({ v1: ['ACSPrevious'], 'rot-1': ['ACSCurrent'] });

    // The same VersionId again is the idempotent success: nothing new starts.
    expect((await callAction(sdk, 'RotateSecret', { SecretName: GEN, VersionId: 'rot-1' })).VersionId).toBe('rot-1');
    expect((await callAction(sdk, 'DescribeSecret', { SecretName: GEN })).RotationStatus).toBe('Normal');
    expect(await versionsOf(sdk, GEN)).toEqual({ v1: ['ACSPrevious'], 'rot-1': ['ACSCurrent'] });
  });

  describe('bad input through the SDK gets the KMS error and changes nothing', () => {
    const cases: [what: string, code: string, status: number, action: string, query: Record<string, string>][] = [
      ['a name over 192 characters', 'InvalidParameter', 400, 'CreateSecret', { SecretName: `e2e/${'n'.repeat(189)}`, VersionId: 'v1', SecretData: 'x' }],
      ['a name with bad characters', 'InvalidParameter', 400, 'CreateSecret', { SecretName: 'e2e/bad name!', VersionId: 'v1', SecretData: 'x' }],
      ['SecretData over 30,720 bytes (CreateSecret)', 'InvalidParameter', 400, 'CreateSecret', { SecretName: 'e2e/too-big', VersionId: 'v1', SecretData: values.oversized }],
      ['SecretData over 30,720 bytes (PutSecretValue)', 'InvalidParameter', 400, 'PutSecretValue', { SecretName: PLAIN, VersionId: 'v3', SecretData: values.oversized }],
      ['RotationInterval 1h (UpdateSecretRotationPolicy)', 'InvalidParameter', 400, 'UpdateSecretRotationPolicy', { SecretName: GEN, EnableAutomaticRotation: 'true', RotationInterval: '1h' }],
      ['RotationInterval 1h (CreateSecret)', 'InvalidParameter', 400, 'CreateSecret', { SecretName: 'e2e/hourly', VersionId: 'v1', SecretData: 'x', ExtendedConfig: GENERATED, EnableAutomaticRotation: 'true', RotationInterval: '1h' }],
      ['RecoveryWindowInDays 6', 'InvalidParameter', 400, 'DeleteSecret', { SecretName: PLAIN, RecoveryWindowInDays: '6' }],
      ['RecoveryWindowInDays 31', 'InvalidParameter', 400, 'DeleteSecret', { SecretName: PLAIN, RecoveryWindowInDays: '31' }],
      ['ExtendedConfig that is not JSON', 'InvalidParameter', 400, 'CreateSecret', { SecretName: 'e2e/bad-config', VersionId: 'v1', SecretData: 'x', ExtendedConfig: '{"SecretSubType":' }],
      ['a missing SecretName (GetSecretValue)', 'MissingParameter', 400, 'GetSecretValue', {}],
      ['a missing SecretName (CreateSecret)', 'MissingParameter', 400, 'CreateSecret', { VersionId: 'v1', SecretData: 'x' }],
      ['an unknown Action', 'InvalidAction.NotFound', 404, 'RotateAllSecrets', { SecretName: GEN }],
    ];

    it.each(cases)('%s: %s (%i)', async (_what, code, status, action, query) => {
      const before = await stateSnapshot(sdk, dir.path);
      const error = await sdkErrorOf(callAction(sdk, action, query));
      expect(error.data).toMatchObject({ Code: code, HttpStatus: status });
      expect(error.code).toBe(`${code}Error`);
      expect(await stateSnapshot(sdk, dir.path)).toEqual(before);
    });

    it('the typed SDK method without SecretName gets MissingParameter too', async () => {
      const error = await sdkErrorOf(sdk.getSecretValue(new kmsSdk.GetSecretValueRequest({})));
      expect(error.data).toMatchObject({ Code: 'MissingParameter', HttpStatus: 400 });
    });

    it('SecretData of exactly 30,720 bytes is accepted (the limit is inclusive)', async () => {
      const atLimit = values.oversized.slice(0, 30_720);
      secretsSeen.add(atLimit);
      await sdk.putSecretValue(new kmsSdk.PutSecretValueRequest({ secretName: PLAIN, versionId: 'v3', secretData: atLimit, versionStages: '["AtLimit"]' }));
      expect((await valueOf(sdk, PLAIN, { VersionStage: 'AtLimit' })).SecretData).toBe(atLimit);
      expect((await valueOf(sdk, PLAIN)).VersionId).toBe('v2');
    });
  });

  it('DeleteSecret with a 7-day window: reads and rotations refused, PlannedDeleteTime listed, the purge timer removes nothing yet', async () => {
    const before = Date.now();
    const deleted = await sdk.deleteSecret(new kmsSdk.DeleteSecretRequest({ secretName: GEN, recoveryWindowInDays: '7' }));
    expect(deleted.secretName).toBe(GEN);
    expect(deleted.plannedDeleteTime).toMatch(KMS_TIME);
    const planned = Date.parse(deleted.plannedDeleteTime);
    expect(planned).toBeGreaterThanOrEqual(Math.floor((before + 7 * DAY_MS) / 1000) * 1000);
    expect(planned).toBeLessThanOrEqual(Date.now() + 7 * DAY_MS);

    const read = await sdkErrorOf(valueOf(sdk, GEN));
    expect(read.data).toMatchObject({ Code: 'Rejected.ResourceInDeleteWindow', HttpStatus: 409 });
    const rotate = await sdkErrorOf(callAction(sdk, 'RotateSecret', { SecretName: GEN, VersionId: 'rot-2' }));
    expect(rotate.data).toMatchObject({ Code: 'Rejected.ResourceInDeleteWindow', HttpStatus: 409 });
    const recreate = await sdkErrorOf(callAction(sdk, 'CreateSecret', { SecretName: GEN, VersionId: 'v9', SecretData: 'x' }));
    expect(recreate.data).toMatchObject({ Code: 'Rejected.ResourceInDeleteWindow', HttpStatus: 409 });

    const listed = await listAll(sdk);
    expect(listed.find((s) => s.SecretName === GEN)?.PlannedDeleteTime).toBe(deleted.plannedDeleteTime);
    expect(listed.find((s) => s.SecretName === PLAIN)?.PlannedDeleteTime).toBeUndefined();
    expect((await callAction(sdk, 'DescribeSecret', { SecretName: GEN })).PlannedDeleteTime).toBe(deleted.plannedDeleteTime);

    const purge = await invoke(runtime, root, 'secret-rotor-purge', 'purge-timer.json');
    expect(purge).toEqual({ status: 200, body: { rowsRead: 0, acted: 0, skipped: 0 }, errorType: null });
    expect(await versionsOf(sdk, GEN)).toEqual({ v1: ['ACSPrevious'], 'rot-1': ['ACSCurrent'] });
  });

  it('RestoreSecret makes it readable again', async () => {
    const restored = await sdk.restoreSecret(new kmsSdk.RestoreSecretRequest({ secretName: GEN }));
    expect(restored.secretName).toBe(GEN);
    expect(await valueOf(sdk, GEN)).toMatchObject({ VersionId: 'rot-1', SecretData: rotatedValue });
    expect((await listAll(sdk)).find((s) => s.SecretName === GEN)?.PlannedDeleteTime).toBeUndefined();
  });

  it('DeleteSecret with ForceDeleteWithoutRecovery removes it at once', async () => {
    const deleted = await sdk.deleteSecret(new kmsSdk.DeleteSecretRequest({ secretName: GEN, forceDeleteWithoutRecovery: 'true' }));
    expect(deleted.secretName).toBe(GEN);
    for (const call of [
      callAction(sdk, 'DescribeSecret', { SecretName: GEN }),
      valueOf(sdk, GEN),
      callAction(sdk, 'RestoreSecret', { SecretName: GEN }),
    ]) {
      expect((await sdkErrorOf(call)).data).toMatchObject({ Code: 'Forbidden.ResourceNotFound', HttpStatus: 404 });
    }
    expect((await listAll(sdk)).map((s) => s.SecretName).sort()).toEqual([AUTO, PLAIN].sort());
  });

  it('events.ndjson holds one CloudEvent per lifecycle change and per rotation step', () => {
    const events = lifecycleEvents(dir.path);
    for (const event of events) {
      expect(event).toMatchObject({ specversion: '1.0', source: 'secret-rotor', datacontenttype: 'application/json' });
      expect(event.data.secretName).toBe(event.subject);
      expect(Number.isNaN(Date.parse(event.time))).toBe(false);
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    expect(typesFor(events, GEN)).toEqual([
      'secret.created',
      'secret.rotation-policy.updated',
      ...ROTATION_EVENTS,
      'secret.deletion.scheduled',
      // The refused GetSecretValue during the recovery window is telling: alerting picks it up.
      'secret.read-pending-deletion',
      'secret.restored',
      'secret.deleted',
    ]);
    expect(typesFor(events, PLAIN)).toEqual(['secret.created', 'secret.value.put', 'secret.stage.updated', 'secret.value.put']);
    expect(typesFor(events, AUTO)).toEqual(['secret.created']);
    expect(events).toHaveLength(5 + ROTATION_EVENTS.length + 4 + 1 + 1);

    const steps = events.filter((e) => e.type.endsWith('step.succeeded'));
    expect(steps.map((e) => e.data.step)).toEqual(['createPending', 'applyToTarget', 'verify', 'promote']);
    for (const step of steps) expect(step.data).toMatchObject({ versionId: 'rot-1', attempt: 1, durationMs: expect.any(Number) });
  });

  it('Ctrl-C stops it cleanly with exit code 0', async () => {
    await expectCleanInterrupt(runtime, dir.path);
  });

  it('no secret value (nor the root AccessKey secret) is in events.ndjson, the logs or the SQLite files', () => {
    expect(rotatedValue).not.toBe('');
    const scanned = haystacks(dir.path, runs);
    expect(scanned.map((h) => h.name)).toEqual(expect.arrayContaining(['events.ndjson', 'secrets.db', 'queue.db', 'run 0 stdout']));
    expect(findLeaks(scanned, [...secretsSeen])).toEqual([]);
    const notTheKeyFile = scanned.filter((h) => h.name !== 'root-credentials.json');
    expect(findLeaks(notTheKeyFile, [root.accessKeySecret])).toEqual([]);
  });
});

describe('a rotation killed with SIGKILL mid-way', () => {
  const NAME = 'e2e/crash/db-password';
  const initial = secretValue('crash-initial');
  const secretsSeen = new Set<string>([initial]);
  const runs: RuntimeProcess[] = [];
  let dir: TempDir;

  beforeAll(() => {
    dir = tempDir('rotor-e2e-crash-');
  });

  afterAll(async () => {
    await killAllRuntimeProcesses();
    dir?.remove();
  });

  /** The step messages waiting in the runtime's own queue file, read without taking part in it. */
  const queuedSteps = (): { step: string; leased: boolean }[] => {
    const db = new Database(join(dir.path, 'queue.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT body, receipt_handle FROM queue_messages ORDER BY seq').all() as { body: string; receipt_handle: string | null }[];
      return rows.map((r) => ({ step: (JSON.parse(r.body) as { step: string }).step, leased: r.receipt_handle !== null }));
    } finally {
      db.close();
    }
  };

  it('resumes after a restart on the same data dir and creates exactly one new version', async () => {
    // A queue poll far longer than the test: the rotation is claimed and its first step queued,
    // and nothing consumes it before the kill.
    const first = await startRuntimeProcess({ dataDir: dir.path, env: { ...RUNTIME_ENV, ROTOR_QUEUE_POLL_MS: '600000' } });
    runs.push(first);
    const root = readRootCredentials(dir.path);
    let sdk = createKmsSdkClient(first.port, root.accessKeyId, root.accessKeySecret);
    await callAction(sdk, 'CreateSecret', { SecretName: NAME, VersionId: 'v1', SecretData: initial, ExtendedConfig: GENERATED });
    expect(await callAction(sdk, 'RotateSecret', { SecretName: NAME, VersionId: 'rot-crash' })).toMatchObject({ VersionId: 'rot-crash' });

    // Mid-rotation, for real: the job is claimed, its step message is on the queue, a second rotation is refused.
    expect(await callAction(sdk, 'DescribeSecret', { SecretName: NAME })).toMatchObject({ RotationStatus: 'Rotating', RotationStep: 'createPending' });
    expect(queuedSteps()).toEqual([{ step: 'createPending', leased: false }]);
    expect(typesFor(lifecycleEvents(dir.path), NAME)).toEqual(['secret.created', 'rotation.started']);
    const second = await sdkErrorOf(callAction(sdk, 'RotateSecret', { SecretName: NAME, VersionId: 'rot-other' }));
    expect(second.data).toMatchObject({ Code: 'Rejected.RotationInProgress', HttpStatus: 409 });

    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // Killed, the runtime closed nothing: its write-ahead log is still there.
    expect(existsSync(join(dir.path, 'secrets.db-wal'))).toBe(true);

    const restarted = await startRuntimeProcess({ dataDir: dir.path, env: { ...RUNTIME_ENV, ...FAST_POLL } });
    runs.push(restarted);
    expect(restarted.stderr().toString('utf8')).toContain(`root AccessKey ${root.accessKeyId} read from`);
    sdk = createKmsSdkClient(restarted.port, root.accessKeyId, root.accessKeySecret);

    const finished = await rotationFinished(sdk, dir.path, NAME, 'rot-crash');
    expect(finished).toMatchObject({ RotationStatus: 'Normal' });
    expect(finished.LastRotationDate).toMatch(KMS_TIME);
    expect(await versionsOf(sdk, NAME)).toEqual({ v1: ['ACSPrevious'], 'rot-crash': ['ACSCurrent'] });
    const current = await valueOf(sdk, NAME);
    secretsSeen.add(str(current, 'SecretData'));
    expect(current.VersionId).toBe('rot-crash');
    expect(current.SecretData).not.toBe(initial);
    expect(await valueOf(sdk, NAME, { VersionStage: 'ACSPrevious' })).toMatchObject({ VersionId: 'v1', SecretData: initial });
    expect(typesFor(lifecycleEvents(dir.path), NAME)).toEqual(['secret.created', ...ROTATION_EVENTS]);
    await eventually(async () => (queuedSteps().length === 0 ? true : undefined), 'the last step message to be acknowledged');

    await expectCleanInterrupt(restarted, dir.path);
  });

  it('left no secret value in events.ndjson, the logs or the SQLite files', () => {
    expect(secretsSeen.size).toBe(2);
    expect(findLeaks(haystacks(dir.path, runs), [...secretsSeen])).toEqual([]);
  });
});
