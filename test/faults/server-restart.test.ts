/**
 * The Tablestore and MNS test servers stopped and restarted (same port, same data) in the middle
 * of a rotation on the Alibaba Cloud backend, at every step boundary, with Tablestore down, MNS
 * down, or both. A step delivered during the outage either waits in the Tablestore SDK's own
 * retries until the server is back, or fails and is redelivered (the trigger keeps the message);
 * an API read made during the outage is answered (its value, or 503 ServiceUnavailable). Either way
 * the rotation ends with one rotation, one new version, and ACSCurrent readable.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as apiHandler } from '../../functions/api/index.js';
import { handler as rotateHandler } from '../../functions/rotate/index.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { createContainer, provideContainer, type Container } from '../../shared/runtime/container.js';
import { forgetCredentials } from '../../shared/runtime/invocation-credentials.js';
import type { FcHandler } from '../../shared/runtime/local/invoker.js';
import { EVENTS_TOPIC, ROTATION_QUEUE, startCloudTestbed, type CloudTestbed } from '../support/cloud-testbed.js';
import { asBuffer, fcContext, httpEvent } from '../support/fc-events.js';
import { startMnsServer } from '../support/mns-server/index.js';
import { signedV1Params } from '../support/request-signers.js';
import { startTablestoreServer } from '../support/tablestore-server/index.js';
import { createFaultReport } from './fault-artifacts.js';

const CLOUD_KEY = { accessKeyId: 'LTAI-fault-cloud-key', accessKeySecret: 'fault-cloud-secret-value-0123456789' };
const ROOT = { accessKeyId: 'LTAIfaultroot001', accessKeySecret: 'root-secret-for-the-fault-tests-01' };
const INSTANCE = 'rotor-faults';
/** Four steps and the finalize after the promote. */
const MESSAGES_PER_ROTATION = 5;
const report = createFaultReport('server-restart');
let bed: CloudTestbed;
let container: Container;
let undo: () => void;

beforeAll(async () => {
  bed = await startCloudTestbed(CLOUD_KEY, ROOT, INSTANCE);
  // A message leased before an outage comes back within a second, not MNS's default 30.
  await bed.mnsSdk.setQueueAttributes(ROTATION_QUEUE, { VisibilityTimeout: 1 });
  forgetCredentials();
  container = await createContainer(loadConfig({ ...bed.env, ROTOR_LOG_LEVEL: 'silent' }));
  undo = provideContainer(container);
}, 60_000);

afterAll(async () => {
  report.write();
  undo?.();
  await container?.close();
  forgetCredentials();
  // Not bed.stop(): that closes the servers it started, and these are their restarts.
  await Promise.all([bed?.ots.stop(), bed?.mns.stop(), bed?.kms.stop()]);
});

const cloudContext = (fn: string) => ({ ...fcContext(fn), credentials: { ...CLOUD_KEY, securityToken: '' } });
const invoke = (handler: unknown, event: unknown, fn: string): Promise<unknown> => (handler as FcHandler)(asBuffer(event), cloudContext(fn));

const callApi = async (params: Record<string, string>) => {
  const signed = signedV1Params(params, { accessKeyId: ROOT.accessKeyId, secret: ROOT.accessKeySecret });
  const result = (await invoke(apiHandler, httpEvent(signed), 'secret-rotor-api')) as { statusCode: number; body: string };
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
};

interface QueuedMessage {
  MessageId: string;
  MessageBody: string;
  ReceiptHandle: string;
}

const receiveOne = async (): Promise<QueuedMessage | null> =>
  bed.mnsSdk.receiveMessage(ROTATION_QUEUE, 0).then(
    (r) => r.body as unknown as QueuedMessage,
    () => null,
  );

/** The eventbridge trigger's event for one message (event-streaming: an array). */
const deliver = (message: QueuedMessage) =>
  invoke(
    rotateHandler,
    [
      {
        id: randomUUID(),
        source: 'MNS-secret-rotor-rotate-rotation-steps',
        specversion: '1.0',
        type: 'mns:Queue:SendMessage',
        datacontenttype: 'application/json; charset=utf-8',
        subject: `acs:mns:cn-hangzhou:${bed.mns.accountId}:queues/${ROTATION_QUEUE}`,
        time: new Date().toISOString(),
        data: { requestId: randomUUID(), messageId: message.MessageId, messageBody: message.MessageBody },
      },
    ],
    'secret-rotor-rotate',
  );

/**
 * Delivers one message and deletes it, as the trigger does on success. A handle gone stale while
 * the delivery waited out an outage cannot delete: the message is then delivered again, which a
 * guarded step shrugs off.
 */
const deliverAndAck = async (message: QueuedMessage): Promise<void> => {
  await deliver(message);
  await bed.mnsSdk.deleteMessage(ROTATION_QUEUE, message.ReceiptHandle).catch(() => undefined);
};

/** Long enough that a delivery started during the outage is inside its client's retries. */
const OUTAGE_MS = 1_000;

type Outage = 'tablestore' | 'mns' | 'both';

const stopServers = async (outage: Outage): Promise<void> => {
  if (outage !== 'mns') await bed.ots.stop();
  if (outage !== 'tablestore') await bed.mns.stop();
};

/** Same port, same data: as if the service came back. */
const restartServers = async (outage: Outage): Promise<void> => {
  if (outage !== 'mns') {
    const { port, state } = bed.ots;
    bed.ots = await startTablestoreServer({ ...CLOUD_KEY, instanceName: INSTANCE, port, state });
  }
  if (outage !== 'tablestore') {
    const { port, state } = bed.mns;
    bed.mns = await startMnsServer({ ...CLOUD_KEY, port, state });
  }
};

const eventsFor = (name: string, type: string): number =>
  bed.mns.state
    .published(EVENTS_TOPIC)
    .map((m) => JSON.parse(Buffer.from(m.body, 'base64').toString('utf8')) as { type: string; subject: string })
    .filter((e) => e.subject === name && e.type === `com.secretrotor.${type}`).length;

/** Delivers until the rotation of `name` is over and the queue is empty (messages come back after their visibility). */
const driveToTheEnd = async (name: string): Promise<number> => {
  let delivered = 0;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const message = await receiveOne();
    if (message) {
      await deliverAndAck(message);
      delivered++;
      continue;
    }
    const described = await callApi({ Action: 'DescribeSecret', SecretName: name });
    const queued = bed.mns.state.messages(ROTATION_QUEUE).length;
    if (described.body.RotationStatus !== 'Rotating' && queued === 0 && eventsFor(name, 'rotation.succeeded') > 0) return delivered;
    await sleep(100);
  }
  throw new Error(`the rotation of ${name} did not finish`);
};

describe.each<{ outage: Outage }>([{ outage: 'both' }, { outage: 'tablestore' }, { outage: 'mns' }])(
  '$outage stopped and restarted mid-rotation',
  ({ outage }) => {
    it.each(Array.from({ length: MESSAGES_PER_ROTATION }, (_, i) => ({ boundary: i + 1 })))(
      'before message $boundary of the rotation: the rotation completes once the servers are back',
      async ({ boundary }) => {
        const name = `restart-${outage}-${boundary}`;
        const created = await callApi({ Action: 'CreateSecret', SecretName: name, VersionId: 'v1', SecretData: `first-${name}`, ExtendedConfig: '{"SecretSubType":"GeneratedPassword"}' });
        expect(created.status).toBe(200);
        expect((await callApi({ Action: 'RotateSecret', SecretName: name, VersionId: 'r1' })).status).toBe(200);
        for (let i = 1; i < boundary; i++) await deliverAndAck((await receiveOne()) as QueuedMessage);

        const leased = await receiveOne();
        expect(leased).not.toBeNull();
        await stopServers(outage);
        const started = Date.now();
        let duringOutage: Promise<[string, { status: number; body: unknown }]>;
        try {
          const delivery = deliver(leased as QueuedMessage).then(
            () => 'completed after the restart',
            () => 'failed, redelivered',
          );
          const read = callApi({ Action: 'GetSecretValue', SecretName: name });
          duringOutage = Promise.all([delivery, read]);
          await sleep(OUTAGE_MS);
        } finally {
          await restartServers(outage);
        }
        const [delivery, read] = await duringOutage;
        const outageMs = Date.now() - started;
        // The read made while the servers were down gets an answer: its value once they are back,
        // or 503 ServiceUnavailable, which says to retry. Never a hang, a crash or an InternalFailure.
        if (read.status !== 200) {
          expect({ status: read.status, body: read.body }).toMatchObject({ status: 503, body: { Code: 'ServiceUnavailable', RequestId: expect.any(String) } });
        }
        if (delivery.startsWith('completed')) await bed.mnsSdk.deleteMessage(ROTATION_QUEUE, (leased as QueuedMessage).ReceiptHandle).catch(() => undefined);

        const deliveredAfter = await driveToTheEnd(name);
        const current = await callApi({ Action: 'GetSecretValue', SecretName: name });
        expect(current.body).toMatchObject({ VersionId: 'r1', VersionStages: { VersionStage: ['ACSCurrent'] } });
        const previous = await callApi({ Action: 'GetSecretValue', SecretName: name, VersionStage: 'ACSPrevious' });
        expect(previous.body.SecretData).toBe(`first-${name}`);
        const versions = (await callApi({ Action: 'ListSecretVersionIds', SecretName: name, IncludeDeprecated: 'true' })).body as {
          VersionIds: { VersionId: Array<{ VersionId: string }> };
        };
        expect(versions.VersionIds.VersionId.map((v) => v.VersionId).sort()).toEqual(['r1', 'v1']);
        expect(eventsFor(name, 'rotation.succeeded')).toBe(1);
        expect(eventsFor(name, 'rotation.failed')).toBe(0);
        report.record(`${outage}-before-message-${boundary}`, {
          stopped: outage === 'both' ? ['tablestore', 'mns'] : [outage],
          deliveryDuringOutage: delivery,
          readDuringOutageStatus: read.status,
          secondsUntilAnswered: Math.round(outageMs / 100) / 10,
          messagesDeliveredAfterRestart: deliveredAfter,
          rotationsCompleted: eventsFor(name, 'rotation.succeeded'),
          versionsCreated: 1,
        });
      },
      30_000,
    );
  },
);
