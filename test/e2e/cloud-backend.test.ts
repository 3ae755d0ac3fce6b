/**
 * The deployed shape without a cloud account: ROTOR_BACKEND=alibaba wired by the real container to
 * the Tablestore, MNS and KMS protocol test servers, the real handlers invoked with FC-shaped
 * events, and the rotation steps carried by MNS messages as the eventbridge trigger would carry them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as apiHandler } from '../../functions/api/index.js';
import { handler as purgeHandler } from '../../functions/purge/index.js';
import { handler as rotateHandler } from '../../functions/rotate/index.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { createContainer, provideContainer, type Container } from '../../shared/runtime/container.js';
import { forgetCredentials } from '../../shared/runtime/invocation-credentials.js';
import type { FcHandler } from '../../shared/runtime/local/invoker.js';
import { deliverQueuedSteps, EVENTS_TOPIC as TOPIC, startCloudTestbed, type CloudTestbed } from '../support/cloud-testbed.js';
import { asBuffer, fcContext, httpEvent, timerEvent } from '../support/fc-events.js';
import { signedV1Params } from '../support/request-signers.js';

const CLOUD_KEY = { accessKeyId: 'LTAI-cloud-test-key', accessKeySecret: 'cloud-test-secret-value-0123456789' };
const ROOT = { accessKeyId: 'LTAIrootkey0001', accessKeySecret: 'root-secret-for-the-kms-api-0001' };

let bed: CloudTestbed;
let container: Container;
let undo: () => void;

beforeAll(async () => {
  bed = await startCloudTestbed(CLOUD_KEY, ROOT, 'rotor-test');
  forgetCredentials();
  container = await createContainer(loadConfig({ ...bed.env, ROTOR_LOG_LEVEL: 'silent' }));
  undo = provideContainer(container);
}, 60_000);

afterAll(async () => {
  undo?.();
  await container?.close();
  forgetCredentials();
  await bed?.stop();
});

/** FC passes the function role's credentials in every invocation's context. */
const cloudContext = (fn: string) => ({ ...fcContext(fn), credentials: { ...CLOUD_KEY, securityToken: '' } });

/** Handlers are called as FC calls them: a Buffer event and the FC context. */
const invoke = (handler: unknown, event: unknown, fn: string): Promise<unknown> => (handler as FcHandler)(asBuffer(event), cloudContext(fn));

const callApi = (params: Record<string, string>) => callApiAs(ROOT, params);

const callApiAs = async (key: { accessKeyId: string; accessKeySecret: string }, params: Record<string, string>) => {
  const signed = signedV1Params(params, { accessKeyId: key.accessKeyId, secret: key.accessKeySecret });
  const result = (await invoke(apiHandler, httpEvent(signed), 'secret-rotor-api')) as {
    statusCode: number;
    body: string;
  };
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
};

/** Plays the eventbridge trigger: MNS messages handed to the rotate function, deleted on success. */
const deliverQueue = (): Promise<number> => deliverQueuedSteps(bed, (event) => invoke(rotateHandler, event, 'secret-rotor-rotate'));

describe('ROTOR_BACKEND=alibaba over the protocol test servers', () => {
  const plaintexts: string[] = ['first-value-of-cloud-secret'];

  it('creates, rotates through MNS messages, and reads back through the api function', async () => {
    const created = await callApi({
      Action: 'CreateSecret',
      SecretName: 'cloud-db',
      VersionId: 'v1',
      SecretData: plaintexts[0] as string,
      ExtendedConfig: '{"SecretSubType":"GeneratedPassword"}',
    });
    expect(created.status).toBe(200);
    expect((await callApi({ Action: 'RotateSecret', SecretName: 'cloud-db', VersionId: 'r1' })).status).toBe(200);
    expect(await deliverQueue()).toBe(5); // four steps and the finalize after the promote
    const current = await callApi({ Action: 'GetSecretValue', SecretName: 'cloud-db' });
    expect(current.body).toMatchObject({ VersionId: 'r1', VersionStages: { VersionStage: ['ACSCurrent'] } });
    plaintexts.push(current.body.SecretData as string);
    const previous = await callApi({ Action: 'GetSecretValue', SecretName: 'cloud-db', VersionStage: 'ACSPrevious' });
    expect(previous.body.SecretData).toBe(plaintexts[0]);
    expect(bed.kms.calls.map((c) => c.action)).toContain('GenerateDataKey');
  });

  it('published every lifecycle change and step on the topic, without secret values', async () => {
    const published = bed.mns.state.published(TOPIC);
    const bodies = published.map((m) => Buffer.from(m.body, 'base64').toString('utf8'));
    const types = bodies.map((b) => (JSON.parse(b) as { type: string }).type);
    expect(types).toContain('com.secretrotor.secret.created');
    expect(types.filter((t) => t === 'com.secretrotor.rotation.step.succeeded')).toHaveLength(4);
    expect(types).toContain('com.secretrotor.rotation.succeeded');
    for (const value of plaintexts) expect(bodies.join('\n')).not.toContain(value);
  });

  it('stores no plaintext in Tablestore', () => {
    const dump = JSON.stringify(
      ['rotor_secrets', 'rotor_versions'].flatMap((t) => bed.ots.rows(t)),
      (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    );
    expect(dump).toContain('cloud-db');
    for (const value of plaintexts) expect(dump).not.toContain(value);
  });

  it('schedules deletion, and the purge timer leaves a secret inside its window alone', async () => {
    expect((await callApi({ Action: 'DeleteSecret', SecretName: 'cloud-db', RecoveryWindowInDays: '7' })).status).toBe(200);
    const refused = await callApi({ Action: 'GetSecretValue', SecretName: 'cloud-db' });
    expect(refused.body.Code).toBe('Rejected.ResourceInDeleteWindow');
    await invoke(purgeHandler, timerEvent('purge-timer'), 'secret-rotor-purge');
    expect((await callApi({ Action: 'RestoreSecret', SecretName: 'cloud-db' })).status).toBe(200);
    expect((await callApi({ Action: 'GetSecretValue', SecretName: 'cloud-db' })).status).toBe(200);
  });
});

describe('access control with ROTOR_BACKEND=alibaba', () => {
  const value = 'cloud-app-secret-value-42';
  let key: { accessKeyId: string; accessKeySecret: string };

  it('serves a limited AccessKey kept in Tablestore, and refuses it what its policy does not allow', async () => {
    for (const name of ['cloud-app', 'cloud-ops']) {
      expect((await callApi({ Action: 'CreateSecret', SecretName: name, VersionId: 'v1', SecretData: value })).status).toBe(200);
    }
    const created = (await callApi({ Action: 'CreateAccessKey', Description: 'cloud app' })).body.AccessKey as Record<string, string>;
    key = { accessKeyId: created.AccessKeyId as string, accessKeySecret: created.AccessKeySecret as string };
    const policy = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: 'acs:kms:*:*:secret/cloud-app' }] };
    const put = await callApi({ Action: 'PutAccessKeyPolicy', UserAccessKeyId: key.accessKeyId, PolicyName: 'app', PolicyDocument: JSON.stringify(policy) });
    expect(put.status).toBe(200);

    expect((await callApiAs(key, { Action: 'GetSecretValue', SecretName: 'cloud-app' })).body.SecretData).toBe(value);
    expect((await callApiAs(key, { Action: 'GetSecretValue', SecretName: 'cloud-ops' })).body).toMatchObject({ Code: 'Forbidden.NoPermission' });
  });

  it('keeps the audit records in Tablestore and publishes them on the topic, without secret values', async () => {
    const audit = await callApi({ Action: 'ListAuditRecords', FilterAccessKeyId: key.accessKeyId });
    const records = (audit.body.AuditRecords as { AuditRecord: Array<Record<string, string>> }).AuditRecord;
    expect(records.map((r) => [r.SecretName, r.Outcome, r.ErrorCode])).toEqual([
      ['cloud-ops', 'Failure', 'Forbidden.NoPermission'],
      ['cloud-app', 'Success', ''],
    ]);

    const auditEvents = bed.mns.state.published(TOPIC).filter((m) => m.tag === 'audit.api-call');
    const bodies = auditEvents.map((m) => Buffer.from(m.body, 'base64').toString('utf8'));
    expect(bodies.some((b) => b.includes('"errorCode":"Forbidden.NoPermission"'))).toBe(true);
    const dump = JSON.stringify(
      ['rotor_access_keys', 'rotor_audit_records'].flatMap((t) => bed.ots.rows(t)),
      (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    );
    expect(dump).toContain(key.accessKeyId);
    for (const secret of [value, key.accessKeySecret]) {
      expect(dump).not.toContain(secret);
      expect(bodies.join('\n')).not.toContain(secret);
    }
  });
});
