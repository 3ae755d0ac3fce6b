import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMnsClient, createRotatingMnsClient, type MnsClientLike } from '../../shared/adapters/mns/mns-client.js';
import { MnsJobQueue, type DeadLetter, type LeasedMessage, type MnsJobQueueOptions } from '../../shared/adapters/mns/mns-job-queue.js';
import type { CloudCredentials } from '../../shared/adapters/support/cloud-credentials.js';
import type { RotationMessage } from '../../shared/ports/job-queue.js';
import { rotationMessagesFromEvents } from '../../shared/runtime/trigger.js';
import { ManualClock, SECOND } from '../support/manual-clock.js';
import { createMnsSdkClient, type MnsSdkClient } from '../support/mns-server/mns-sdk.js';
import { startMnsServer, type MnsTestServer } from '../support/mns-server/index.js';
import { jobQueueContract } from './job-queue.contract.js';

const QUEUE = 'rotation-steps';
const DLQ = `${QUEUE}-dlq`;

/** An MNS test server on the clock, with the queue and its dead-letter queue created. */
const startWithQueues = async (clock: ManualClock, queues = [QUEUE, DLQ]) => {
  const server = await startMnsServer({ clock });
  const sdk = createMnsSdkClient(server.accountId, {
    endpoint: server.endpoint,
    accessKeyId: server.accessKeyId,
    accessKeySecret: server.accessKeySecret,
  });
  for (const name of queues) await sdk.createQueue(name);
  const client = createMnsClient({
    accountId: server.accountId,
    endpoint: server.endpoint,
    accessKeyId: server.accessKeyId,
    accessKeySecret: server.accessKeySecret,
  });
  return { server, sdk, client };
};

jobQueueContract('MNS over the MNS test server', async ({ clock, maxReceives }) => {
  const { server, client } = await startWithQueues(clock as ManualClock);
  return {
    queue: new MnsJobQueue({ client, queueName: QUEUE, maxReceives, clock }),
    minReleaseDelaySeconds: 1,
    cleanup: () => server.stop(),
  };
});

const step = (secretName: string, overrides: Partial<RotationMessage> = {}): RotationMessage => ({
  secretName,
  versionId: 'v2',
  step: 'applyToTarget',
  ...overrides,
});

describe('MnsJobQueue over the MNS test server', () => {
  let clock: ManualClock;
  let server: MnsTestServer;
  let sdk: MnsSdkClient;
  let client: MnsClientLike;

  const openQueue = (options: Partial<MnsJobQueueOptions> = {}): MnsJobQueue =>
    new MnsJobQueue({ client, queueName: QUEUE, maxReceives: 2, clock, ...options });

  /** Receives until the message has been delivered maxReceives times, leaving it visible. */
  const exhaust = async (queue: MnsJobQueue, times: number): Promise<void> => {
    for (let i = 0; i < times; i++) {
      expect(await queue.receive(10, 30)).toHaveLength(1);
      clock.advance(31 * SECOND);
    }
  };

  beforeEach(async () => {
    clock = new ManualClock();
    ({ server, sdk, client } = await startWithQueues(clock));
  });

  afterEach(async () => {
    await server.stop();
  });

  describe('message bodies', () => {
    it('sends base64 JSON, which survives XML-special characters and decodes in the rotate trigger', async () => {
      const message = step('app/<db> & "quoted"', { step: 'verify' });
      await openQueue().send(message);

      const [stored] = server.state.messages(QUEUE);
      expect(stored!.body).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(JSON.parse(Buffer.from(stored!.body, 'base64').toString('utf8'))).toEqual(message);
      // What the eventbridge trigger delivers with IsBase64Decode false: the body as it was sent.
      const event = { specversion: '1.0', data: { messageId: stored!.messageId, messageBody: stored!.body } };
      expect(rotationMessagesFromEvents([event])).toEqual([message]);
    });

    it('sends DelaySeconds, rounding a fraction up', async () => {
      const queue = openQueue();
      await queue.send(step('a'), { delaySeconds: 2.5 });
      clock.advance(2 * SECOND);
      expect(await queue.receive(1, 30)).toEqual([]);
      clock.advance(1 * SECOND);
      expect(await queue.receive(1, 30)).toHaveLength(1);
    });

    it('refuses numbers MNS cannot take', async () => {
      const queue = openQueue();
      await expect(queue.send(step('a'), { delaySeconds: -1 })).rejects.toThrow(RangeError);
      await expect(queue.send(step('a'), { delaySeconds: 604_801 })).rejects.toThrow(RangeError);
      await expect(queue.receive(1, Number.NaN)).rejects.toThrow(RangeError);
      await expect(queue.receive(1, 43_201)).rejects.toThrow(RangeError);
      await expect(queue.release('1-abc', Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
      expect(() => openQueue({ maxReceives: 0 })).toThrow(RangeError);
      expect(() => openQueue({ deadLetterQueueName: QUEUE })).toThrow(/must not be the queue itself/);
      expect(server.state.messages(QUEUE)).toEqual([]);
    });
  });

  describe('receive', () => {
    it('receives more than the 16 MNS hands out per call, in several calls', async () => {
      const queue = openQueue();
      for (let i = 0; i < 20; i++) await queue.send(step(`s${i}`));
      expect(await queue.receive(18, 30)).toHaveLength(18);
      expect(await queue.receive(100, 30)).toHaveLength(2);
    });

    it('sets visibility per message and leaves the queue attribute alone', async () => {
      const queue = openQueue();
      await queue.send(step('a'));
      const [leased] = await queue.receive(1, 600);
      expect(server.state.queues.get(QUEUE)!.attributes.visibilityTimeout).toBe(30);
      const [stored] = server.state.messages(QUEUE);
      expect(stored!.receiptHandle).toBe(leased!.receiptHandle);
      expect(stored!.visibleAt).toBe(clock.now() + 600 * SECOND);
      clock.advance(599 * SECOND);
      expect(await queue.receive(1, 30)).toEqual([]);
    });

    it('raises a visibility under one second to MNS minimum of one second', async () => {
      const queue = openQueue();
      await queue.send(step('a'));
      await queue.receive(1, 0);
      expect(await queue.receive(1, 30)).toEqual([]);
      clock.advance(1 * SECOND);
      expect(await queue.receive(1, 30)).toHaveLength(1);
    });

    it('makes a message released without delay visible after one second, MNS minimum', async () => {
      const queue = openQueue();
      await queue.send(step('a'));
      const [leased] = await queue.receive(1, 30);
      await queue.release(leased!.receiptHandle, 0);
      expect(await queue.receive(1, 30)).toEqual([]);
      clock.advance(1 * SECOND);
      expect(await queue.receive(1, 30)).toMatchObject([{ messageId: leased!.messageId, receiveCount: 2 }]);
    });

    it('answers false for handles that could rewrite the request, without sending them', async () => {
      const sent: string[] = [];
      const counting: MnsClientLike = {
        sendMessage: (queueName, params) => client.sendMessage(queueName, params),
        batchReceiveMessage: (queueName, count) => client.batchReceiveMessage(queueName, count),
        batchPeekMessage: (queueName, count) => client.batchPeekMessage(queueName, count),
        publishMessage: (topic, params) => client.publishMessage(topic, params),
        deleteMessage: (queueName, handle) => (sent.push(handle), client.deleteMessage(queueName, handle)),
        changeMessageVisibility: (queueName, handle, seconds) => (
          sent.push(handle), client.changeMessageVisibility(queueName, handle, seconds)
        ),
      };
      const queue = openQueue({ client: counting });
      await queue.send(step('a'));
      const [leased] = await queue.receive(1, 30);
      sent.length = 0;
      expect(await queue.delete(`${leased!.receiptHandle}&x=1`)).toBe(false);
      expect(await queue.delete('')).toBe(false);
      await queue.release(`${leased!.receiptHandle}?`, 5);
      expect(sent).toEqual([]);
      expect(await queue.delete(leased!.receiptHandle)).toBe(true);
    });

    it('passes other MNS errors on', async () => {
      const queue = openQueue({ queueName: 'missing' });
      await expect(queue.receive(1, 30)).rejects.toMatchObject({ name: 'MNSQueueNotExistError' });
      await expect(queue.send(step('a'))).rejects.toMatchObject({ name: 'MNSQueueNotExistError' });
    });
  });

  describe('dead letters', () => {
    it('copies the message to the dead-letter queue with its history, reports it, then deletes it', async () => {
      const reported: DeadLetter[] = [];
      const queue = openQueue({ onDeadLetter: (d) => void reported.push(d) });
      await queue.send(step('poison'));
      const [sent] = server.state.messages(QUEUE);
      await exhaust(queue, 2);

      expect(await queue.receive(10, 30)).toEqual([]);
      const expected: DeadLetter = {
        messageId: sent!.messageId,
        body: step('poison'),
        receiveCount: 2,
        enqueuedAt: sent!.enqueueTime,
        deadAt: clock.now(),
      };
      expect(reported).toEqual([expected]);
      expect(await queue.deadLetters()).toEqual([expected]);
      expect(server.state.messages(QUEUE)).toEqual([]);
      const [dead] = server.state.messages(DLQ);
      expect(JSON.parse(Buffer.from(dead!.body, 'base64').toString('utf8'))).toEqual({
        messageId: sent!.messageId,
        receiveCount: 2,
        enqueuedAt: sent!.enqueueTime,
        deadAt: clock.now(),
        body: sent!.body,
      });
    });

    it('keeps the original when reporting fails, and moves it again on a later receive, listed once', async () => {
      let failures = 1;
      const reported: string[] = [];
      const queue = openQueue({
        onDeadLetter: async (d) => {
          if (failures-- > 0) throw new Error('event topic unavailable');
          reported.push(d.messageId);
        },
      });
      await queue.send(step('poison'));
      await exhaust(queue, 2);

      await expect(queue.receive(10, 30)).rejects.toThrow('event topic unavailable');
      expect(server.state.messages(QUEUE)).toHaveLength(1);
      clock.advance(31 * SECOND);
      expect(await queue.receive(10, 30)).toEqual([]);

      expect(reported).toHaveLength(1);
      expect(server.state.messages(QUEUE)).toEqual([]);
      expect(server.state.messages(DLQ)).toHaveLength(2);
      expect((await queue.deadLetters()).map((d) => d.messageId)).toEqual(reported);
    });

    it('keeps the original when the dead-letter queue refuses it', async () => {
      const queue = openQueue();
      await queue.send(step('poison'));
      await exhaust(queue, 2);
      server.failNext('SendMessage', { httpStatus: 500, code: 'InternalError' });

      await expect(queue.receive(10, 30)).rejects.toMatchObject({ name: 'MNSInternalErrorError' });
      expect(server.state.messages(QUEUE)).toHaveLength(1);
      expect(await queue.deadLetters()).toEqual([]);
      clock.advance(31 * SECOND);
      await queue.receive(10, 30);
      expect((await queue.deadLetters()).map((d) => d.body.secretName)).toEqual(['poison']);
    });

    it('gives up at once on a body that names no rotation step, and does not list or report it', async () => {
      const reported: DeadLetter[] = [];
      const queue = openQueue({ onDeadLetter: (d) => void reported.push(d) });
      await sdk.sendMessage(QUEUE, { MessageBody: 'not-base64-json' });
      await sdk.sendMessage(QUEUE, { MessageBody: Buffer.from('{"secretName":"a"}').toString('base64') });
      await queue.send(step('healthy'));

      expect((await queue.receive(10, 30)).map((m) => m.body.secretName)).toEqual(['healthy']);
      expect(server.state.messages(DLQ)).toHaveLength(2);
      expect(await queue.deadLetters()).toEqual([]);
      expect(reported).toEqual([]);
    });

    it('uses the dead-letter queue it is given', async () => {
      await sdk.createQueue('poison-jar');
      const queue = openQueue({ deadLetterQueueName: 'poison-jar', maxReceives: 1 });
      await queue.send(step('poison'));
      await exhaust(queue, 1);
      await queue.receive(10, 30);
      expect(server.state.messages('poison-jar')).toHaveLength(1);
      expect(server.state.messages(DLQ)).toEqual([]);
      expect(await queue.deadLetters()).toHaveLength(1);
    });

    it('shows no dead letters from an empty dead-letter queue', async () => {
      expect(await openQueue().deadLetters()).toEqual([]);
    });
  });

  describe('credentials', () => {
    it('signs each call with the credentials of the moment', async () => {
      let credentials: CloudCredentials = { accessKeyId: server.accessKeyId, accessKeySecret: server.accessKeySecret };
      const rotating = createRotatingMnsClient({ endpoint: server.endpoint, accountId: server.accountId }, () => credentials);
      const queue = openQueue({ client: rotating });
      await queue.send(step('a'));

      credentials = { ...credentials, accessKeySecret: 'an-expired-secret' };
      await expect(queue.send(step('b'))).rejects.toMatchObject({ name: 'MNSSignatureDoesNotMatchError' });

      credentials = { ...credentials, accessKeySecret: server.accessKeySecret, securityToken: 'sts-token-2' };
      await queue.send(step('c'));
      expect(server.state.messages(QUEUE)).toHaveLength(2);
    });

    it('reads the account id from an MNS endpoint, and needs one somewhere', () => {
      const creds = { accessKeyId: 'id', accessKeySecret: 'secret' };
      expect(() => createMnsClient({ endpoint: 'https://1234567890.mns.cn-hangzhou.aliyuncs.com', ...creds })).not.toThrow();
      expect(() => createMnsClient({ endpoint: 'http://127.0.0.1:1', ...creds })).toThrow(/account id/);
      expect(() => createMnsClient({ accountId: '1', ...creds })).toThrow(/region or an endpoint/);
    });
  });
});

/*
 * Against real MNS. The contract above cannot run there: it moves a manual clock that real MNS
 * does not follow, and checks times against it. This suite checks the same behaviour in real
 * time, with short waits. It needs an empty queue of its own and `<queue>-dlq` next to it.
 */
const real = {
  endpoint: process.env.ROTOR_TEST_MNS_ENDPOINT,
  queue: process.env.ROTOR_TEST_MNS_QUEUE,
  accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
  accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
  securityToken: process.env.ALIBABA_CLOUD_SECURITY_TOKEN,
};
const hasRealMns = Boolean(real.endpoint && real.queue && real.accessKeyId && real.accessKeySecret);

describe.skipIf(!hasRealMns)(
  'MnsJobQueue against real MNS (skipped unless ROTOR_TEST_MNS_ENDPOINT, ROTOR_TEST_MNS_QUEUE and ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET are set)',
  () => {
    const open = (options: Partial<MnsJobQueueOptions> = {}): MnsJobQueue =>
      new MnsJobQueue({
        client: createMnsClient({
          endpoint: real.endpoint!,
          accountId: process.env.ROTOR_TEST_MNS_ACCOUNT_ID,
          accessKeyId: real.accessKeyId!,
          accessKeySecret: real.accessKeySecret!,
          securityToken: real.securityToken,
        }),
        queueName: real.queue!,
        ...options,
      });
    const marker = `rotor-test-${Date.now()}`;
    const mine = (messages: LeasedMessage[]): LeasedMessage[] => messages.filter((m) => m.body.versionId === marker);

    it('sends, receives, hides, releases and deletes', async () => {
      const queue = open();
      const message = step('app/<db>&', { versionId: marker });
      await queue.send(message);
      const [first] = mine(await queue.receive(16, 5));
      expect(first).toMatchObject({ body: message, receiveCount: 1 });
      expect(mine(await queue.receive(16, 5))).toEqual([]);

      await queue.release(first!.receiptHandle, 1);
      await sleep(2500);
      const [second] = mine(await queue.receive(16, 30));
      expect(second).toMatchObject({ messageId: first!.messageId, receiveCount: 2 });
      expect(await queue.delete(first!.receiptHandle)).toBe(false);
      expect(await queue.delete(second!.receiptHandle)).toBe(true);
    });

    it('holds a delayed message back', async () => {
      const queue = open();
      await queue.send(step('delayed', { versionId: marker }), { delaySeconds: 2 });
      expect(mine(await queue.receive(16, 30))).toEqual([]);
      await sleep(3000);
      const [delayed] = mine(await queue.receive(16, 30));
      expect(delayed).toBeDefined();
      expect(await queue.delete(delayed!.receiptHandle)).toBe(true);
    });

    it('moves a message received too often to the dead-letter queue and reports it', async () => {
      const reported: DeadLetter[] = [];
      const queue = open({ maxReceives: 1, onDeadLetter: (d) => void reported.push(d) });
      await queue.send(step('poison', { versionId: marker }));
      expect(mine(await queue.receive(16, 1))).toHaveLength(1);
      await sleep(2000);
      expect(mine(await queue.receive(16, 30))).toEqual([]);
      expect(reported.filter((d) => d.body.versionId === marker)).toHaveLength(1);
      expect((await queue.deadLetters()).filter((d) => d.body.versionId === marker)).toHaveLength(1);
    });
  },
);
