import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteJobQueue } from '../../shared/adapters/local-queue/sqlite-job-queue.js';
import type { RotationMessage } from '../../shared/ports/job-queue.js';
import { InvokerClosedError } from '../../shared/runtime/local/invoker.js';
import { createQueueDelivery, retryDelaySeconds, type QueuePollerOptions } from '../../shared/runtime/local/queue-poller.js';
import type { QueueTriggerSpec } from '../../shared/runtime/local/s-yaml.js';
import { decodeEventPayload } from '../../shared/runtime/middleware/decode-fc-event.js';
import { classifyTrigger } from '../../shared/runtime/trigger.js';
import { ManualClock, SECOND } from '../support/manual-clock.js';
import { captureLogs } from '../support/runtime.js';

const step = (secretName: string): RotationMessage => ({ secretName, versionId: 'v2', step: 'applyToTarget' });

const trigger = (over: Partial<QueueTriggerSpec> = {}): QueueTriggerSpec => ({
  type: 'mns-queue',
  name: 'rotation-steps',
  queueName: 'secret-rotor-rotation',
  mode: 'event-streaming',
  batchSize: 10,
  isBase64Decode: false,
  eventSchema: 'CloudEvents',
  ...over,
});

describe('local queue delivery', () => {
  let clock: ManualClock;
  let queue: SqliteJobQueue;
  let delivered: unknown[];
  let fail: unknown;

  const delivery = (over: Partial<QueuePollerOptions> = {}) =>
    createQueueDelivery({
      queue,
      functionName: 'secret-rotor-rotate',
      trigger: trigger(),
      invoke: async (event) => {
        delivered.push(JSON.parse(event.toString('utf8')));
        if (fail) throw fail;
        return undefined;
      },
      logger: captureLogs().logger,
      region: 'cn-hangzhou',
      accountId: '42',
      visibilitySeconds: 30,
      retryBaseSeconds: 2,
      retryMaxSeconds: 10,
      now: () => clock.now(),
      ...over,
    });

  beforeEach(() => {
    clock = new ManualClock();
    queue = SqliteJobQueue.open(':memory:', { clock, maxReceives: 3 });
    delivered = [];
    fail = undefined;
  });
  afterEach(() => queue.close());

  it('delivers a batch as an event-streaming array of MNS CloudEvents, base64 bodies, and deletes it', async () => {
    for (const name of ['a', 'b', 'c']) await queue.send(step(name));
    expect(await delivery({ trigger: trigger({ batchSize: 2 }) }).pollOnce()).toBe(2);

    expect(delivered).toHaveLength(1);
    const batch = delivered[0] as Record<string, unknown>[];
    expect(batch).toHaveLength(2);
    expect(batch[0]).toMatchObject({
      specversion: '1.0',
      type: 'mns:Queue:SendMessage',
      source: 'MNS-secret-rotor-rotate-rotation-steps',
      subject: 'acs:mns:cn-hangzhou:42:queues/secret-rotor-rotation',
      aliyunregionid: 'cn-hangzhou',
    });
    const body = (batch[0] as { data: { messageBody: string } }).data.messageBody;
    expect(JSON.parse(Buffer.from(body, 'base64').toString('utf8'))).toEqual(step('a'));
    expect(classifyTrigger(decodeEventPayload(Buffer.from(JSON.stringify(batch))))).toEqual({ kind: 'queue', messages: [step('a'), step('b')] });
    expect(await queue.depth()).toMatchObject({ visible: 1, inFlight: 0 });
  });

  it('hands over JSON bodies when EventBridge would base64-decode them', async () => {
    await queue.send(step('a'));
    await delivery({ trigger: trigger({ isBase64Decode: true }) }).pollOnce();
    const [event] = delivered[0] as { data: { messageBody: string } }[];
    expect(JSON.parse(event!.data.messageBody)).toEqual(step('a'));
  });

  it('delivers one CloudEvent per message in event-driven mode, and only data for RawData', async () => {
    await queue.send(step('a'));
    await queue.send(step('b'));
    expect(await delivery({ trigger: trigger({ mode: 'event-driven', batchSize: 1 }) }).pollOnce()).toBe(1);
    expect(Array.isArray(delivered[0])).toBe(false);
    expect(delivered[0]).toMatchObject({ specversion: '1.0', data: { messageId: expect.any(String) } });
    await delivery({ trigger: trigger({ mode: 'event-driven', batchSize: 1, eventSchema: 'RawData' }) }).pollOnce();
    expect(Object.keys(delivered[1] as object).sort()).toEqual(['messageBody', 'messageId', 'requestId']);
  });

  it('returns 0 and delivers nothing when the queue is empty', async () => {
    expect(await delivery().pollOnce()).toBe(0);
    expect(delivered).toEqual([]);
  });

  it('releases a failed batch with exponential backoff, and the queue dead-letters it after max receives', async () => {
    await queue.send(step('a'));
    fail = new Error('step failed');
    const d = delivery();

    expect(await d.pollOnce()).toBe(1);
    expect(await queue.depth()).toMatchObject({ visible: 0, delayed: 1 });
    clock.advance(2 * SECOND - 1);
    expect(await d.pollOnce()).toBe(0);
    clock.advance(1);
    expect(await d.pollOnce()).toBe(1); // second receive, released for 4 s
    clock.advance(4 * SECOND);
    expect(await d.pollOnce()).toBe(1); // third receive: the last one
    clock.advance(8 * SECOND);
    expect(await d.pollOnce()).toBe(0);
    expect(delivered).toHaveLength(3);
    expect((await queue.deadLetters()).map((m) => m.body)).toEqual([step('a')]);
  });

  it('puts messages back at once when the runtime is shutting down', async () => {
    await queue.send(step('a'));
    fail = new InvokerClosedError();
    await delivery().pollOnce();
    expect(await queue.depth()).toMatchObject({ visible: 1, delayed: 0 });
  });

  it('caps the backoff', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelaySeconds(n, 2, 20))).toEqual([2, 4, 8, 16, 20, 20]);
  });
});
