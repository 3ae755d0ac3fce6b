/**
 * The deployed shape without a cloud account: ROTOR_BACKEND=alibaba wired by the real container to
 * the Tablestore, MNS and KMS protocol test servers, the real handlers invoked with FC-shaped
 * events, and the rotation steps carried by MNS messages as the eventbridge trigger would carry them.
 */
import { randomUUID } from 'node:crypto';
import type { FcHandler } from '../../shared/runtime/local/invoker.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as apiHandler } from '../../functions/api/index.js';
import { handler as purgeHandler } from '../../functions/purge/index.js';
import { handler as rotateHandler } from '../../functions/rotate/index.js';
import { createTablestoreClient } from '../../shared/adapters/tablestore/client.js';
import { provisionTablestore } from '../../shared/adapters/tablestore/provision.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { createContainer, provideContainer, type Container } from '../../shared/runtime/container.js';
import { forgetCredentials } from '../../shared/runtime/invocation-credentials.js';
import { startKmsKeyServer, type KmsKeyTestServer } from '../support/kms-key-server/index.js';
import { createMnsSdkClient, type MnsSdkClient } from '../support/mns-server/mns-sdk.js';
import { startMnsServer, type MnsTestServer } from '../support/mns-server/index.js';
import { asBuffer, fcContext, httpEvent, timerEvent } from '../support/fc-events.js';
import { signedV1Params } from '../support/request-signers.js';
import { startTablestoreServer, type TablestoreTestServer } from '../support/tablestore-server/index.js';

const CLOUD_KEY = { accessKeyId: 'LTAI-cloud-test-key', accessKeySecret: 'cloud-test-secret-value-0123456789' };
const ROOT = { accessKeyId: 'LTAIrootkey0001', accessKeySecret: 'root-secret-for-the-kms-api-0001' };
const QUEUE = 'secret-rotor-rotation';
const TOPIC = 'secret-rotor-events';

let ots: TablestoreTestServer;
let mns: MnsTestServer;
let kms: KmsKeyTestServer;
let mnsSdk: MnsSdkClient;
let container: Container;
let undo: () => void;

beforeAll(async () => {
  ots = await startTablestoreServer({ ...CLOUD_KEY, instanceName: 'rotor-test' });
  mns = await startMnsServer(CLOUD_KEY);
  kms = await startKmsKeyServer(CLOUD_KEY);
  await provisionTablestore({ client: createTablestoreClient({ endpoint: ots.endpoint, instanceName: ots.instanceName, ...CLOUD_KEY }) });
  mnsSdk = createMnsSdkClient(mns.accountId, { endpoint: mns.endpoint, ...CLOUD_KEY });
  for (const q of [QUEUE, `${QUEUE}-dlq`]) await mnsSdk.createQueue(q);
  await mnsSdk.createTopic(TOPIC);
  forgetCredentials();
  const config = loadConfig({
    ROTOR_BACKEND: 'alibaba',
    ROTOR_ACCOUNT_ID: mns.accountId,
    ROTOR_REGION: 'cn-hangzhou',
    ROTOR_LOG_LEVEL: 'silent',
    ROTOR_ACCESS_KEY_ID: ROOT.accessKeyId,
    ROTOR_ACCESS_KEY_SECRET: ROOT.accessKeySecret,
    ROTOR_OTS_ENDPOINT: ots.endpoint,
    ROTOR_OTS_INSTANCE: ots.instanceName,
    ROTOR_MNS_ENDPOINT: mns.endpoint,
    ROTOR_KMS_ENDPOINT: `http://${kms.endpoint}`,
    ROTOR_KMS_KEY_ID: kms.keyId,
    ROTOR_QUEUE_NAME: QUEUE,
    ROTOR_EVENTS_TOPIC: TOPIC,
  });
  container = await createContainer(config);
  undo = provideContainer(container);
}, 60_000);

afterAll(async () => {
  undo?.();
  await container?.close();
  forgetCredentials();
  await Promise.all([ots?.stop(), mns?.stop(), kms?.stop()]);
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

/** Plays the eventbridge trigger: MNS messages, batched, handed to the rotate function, deleted on success. */
const deliverQueue = async (): Promise<number> => {
  let delivered = 0;
  for (;;) {
    let message: { MessageId: string; MessageBody: string; ReceiptHandle: string };
    try {
      message = (await mnsSdk.receiveMessage(QUEUE, 0)).body as typeof message;
    } catch {
      return delivered;
    }
    const cloudEvent = {
      id: randomUUID(),
      source: 'MNS-secret-rotor-rotate-rotation-queue',
      specversion: '1.0',
      type: 'mns:Queue:SendMessage',
      datacontenttype: 'application/json; charset=utf-8',
      subject: `acs:mns:cn-hangzhou:${mns.accountId}:queues/${QUEUE}`,
      time: new Date().toISOString(),
      data: { requestId: randomUUID(), messageId: message.MessageId, messageBody: message.MessageBody },
    };
    await invoke(rotateHandler, [cloudEvent], 'secret-rotor-rotate');
    await mnsSdk.deleteMessage(QUEUE, message.ReceiptHandle);
    delivered++;
  }
};

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
    expect(kms.calls.map((c) => c.action)).toContain('GenerateDataKey');
  });

  it('published every lifecycle change and step on the topic, without secret values', async () => {
    const published = mns.state.published(TOPIC);
    const bodies = published.map((m) => Buffer.from(m.body, 'base64').toString('utf8'));
    const types = bodies.map((b) => (JSON.parse(b) as { type: string }).type);
    expect(types).toContain('com.secretrotor.secret.created');
    expect(types.filter((t) => t === 'com.secretrotor.rotation.step.succeeded')).toHaveLength(4);
    expect(types).toContain('com.secretrotor.rotation.succeeded');
    for (const value of plaintexts) expect(bodies.join('\n')).not.toContain(value);
  });

  it('stores no plaintext in Tablestore', () => {
    const dump = JSON.stringify(
      ['rotor_secrets', 'rotor_versions'].flatMap((t) => ots.rows(t)),
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

    const auditEvents = mns.state.published(TOPIC).filter((m) => m.tag === 'audit.api-call');
    const bodies = auditEvents.map((m) => Buffer.from(m.body, 'base64').toString('utf8'));
    expect(bodies.some((b) => b.includes('"errorCode":"Forbidden.NoPermission"'))).toBe(true);
    const dump = JSON.stringify(
      ['rotor_access_keys', 'rotor_audit_records'].flatMap((t) => ots.rows(t)),
      (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    );
    expect(dump).toContain(key.accessKeyId);
    for (const secret of [value, key.accessKeySecret]) {
      expect(dump).not.toContain(secret);
      expect(bodies.join('\n')).not.toContain(secret);
    }
  });
});
