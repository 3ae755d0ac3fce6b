/** The mns_topic trigger: declared in s.yaml, emulated by the local runtime over its events topic. */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalTopicPublisher } from '../../shared/adapters/local-events/local-topic.js';
import { MemoryEventPublisher } from '../../shared/adapters/memory-events/memory-event-publisher.js';
import { EVENT_TAGS } from '../../shared/adapters/mns/event-tags.js';
import { ALERTING_EVENT_TYPES } from '../../shared/alerting/rules.js';
import { EventTypes, makeEvent, type EventType } from '../../shared/domain/events.js';
import { PROJECT_ROOT } from '../../shared/runtime/local/runtime.js';
import { loadServerlessSpec, parseServerlessSpec, type TopicTriggerSpec } from '../../shared/runtime/local/s-yaml.js';
import { startTopicSubscription } from '../../shared/runtime/local/topic-subscriptions.js';
import { classifyTrigger } from '../../shared/runtime/trigger.js';
import { eventually } from '../support/e2e.js';
import { captureLogs } from '../support/runtime.js';

const secret = { name: 's1', type: 'Generic' as const };
const trigger = (filterTag: string | null): TopicTriggerSpec => ({
  type: 'mns-topic',
  name: 't',
  topicName: 'secret-rotor-events',
  filterTag,
  notifyContentFormat: 'JSON',
});

describe('s.yaml: the alerts function', () => {
  it('subscribes to the events topic once per alerting event tag, with JSON notifications', () => {
    const spec = loadServerlessSpec(join(PROJECT_ROOT, 's.yaml'), { ROTOR_REGION: 'cn-shanghai', ROTOR_ACCOUNT_ID: '42' });
    const fn = spec.functions.find((f) => f.resource === 'alerts');
    expect(fn?.functionName).toBe('secret-rotor-alerts');
    const triggers = fn?.triggers ?? [];
    expect(triggers.every((t) => t.type === 'mns-topic')).toBe(true);
    const topics = triggers as TopicTriggerSpec[];
    expect(new Set(topics.map((t) => t.topicName))).toEqual(new Set(['secret-rotor-events']));
    expect(topics.every((t) => t.notifyContentFormat === 'JSON')).toBe(true);
    expect(topics.map((t) => t.filterTag).sort()).toEqual(ALERTING_EVENT_TYPES.map((type) => EVENT_TAGS[type as EventType]).sort());
  });

  it('reads mns_topic triggers: topic from the ARN, filterTag, format (STREAM by default); refuses a bad ARN', () => {
    const doc = (arn: string, config: string) => `
edition: 3.0.0
name: t
resources:
  f:
    component: fc3
    props:
      functionName: f
      code: ./dist/f
      handler: index.handler
      triggers:
        - triggerName: n
          triggerType: mns_topic
          sourceArn: ${arn}
          triggerConfig: ${config}
`;
    const spec = parseServerlessSpec(doc('acs:mns:cn-hangzhou:1:/topics/events-x', '{ filterTag: a.b }'), '/x/s.yaml');
    expect(spec.functions[0]?.triggers).toEqual([{ type: 'mns-topic', name: 'n', topicName: 'events-x', filterTag: 'a.b', notifyContentFormat: 'STREAM' }]);
    expect(() => parseServerlessSpec(doc('acs:mns:cn-hangzhou:1:/queues/q', '{ notifyContentFormat: JSON }'), '/x/s.yaml')).toThrow(/sourceArn/);
  });
});

describe('local topic subscriptions', () => {
  const setUp = (filterTag: string | null, invoke: (event: Buffer) => Promise<unknown>, retryDelaysMs: number[] = [10]) => {
    const topic = new LocalTopicPublisher(new MemoryEventPublisher());
    const logs = captureLogs();
    const subscription = startTopicSubscription({ topic, functionName: 'fn', trigger: trigger(filterTag), invoke, logger: logs.logger, accountId: '123', now: () => 1_767_225_900_000, retryDelaysMs });
    return { topic, logs, subscription };
  };

  it('pushes each event as the JSON notification FC delivers, which the trigger decoding reads back whole', async () => {
    const pushed: Buffer[] = [];
    const { topic, subscription } = setUp(null, async (b) => pushed.push(b));
    const event = makeEvent(EventTypes.rotationFailed, secret, 1_000, { versionId: 'v2' });
    await topic.publish(event);
    await eventually(async () => (pushed.length === 1 ? true : undefined), 'the push');
    subscription.stop();
    const notification = JSON.parse(pushed[0]!.toString('utf8')) as Record<string, unknown>;
    expect(notification).toMatchObject({ TopicOwner: '123', Subscriber: '123', TopicName: 'secret-rotor-events', SubscriptionName: 'fn-t', PublishTime: 1_767_225_900_000 });
    expect(notification.MessageId).toMatch(/^[0-9A-F]{32}$/);
    expect(notification.MessageMD5).toBe(createHash('md5').update(String(notification.Message)).digest('hex').toUpperCase());
    expect(classifyTrigger(notification)).toEqual({ kind: 'topic', topicName: 'secret-rotor-events', events: [event] });
  });

  it('with a filterTag, pushes only the events carrying that tag', async () => {
    const types: string[] = [];
    const { topic, subscription } = setUp('rotation.failure', async (b) => {
      const n = JSON.parse(b.toString('utf8')) as unknown;
      const t = classifyTrigger(n);
      if (t.kind === 'topic') types.push(...t.events.map((e) => e.type));
    });
    for (const type of [EventTypes.rotationStarted, EventTypes.rotationFailed, EventTypes.auditApiCall, EventTypes.driftDetected, EventTypes.rotationFailed]) {
      await topic.publish(makeEvent(type, secret, 1_000));
    }
    await eventually(async () => (types.length === 2 ? true : undefined), 'the pushes');
    await new Promise((r) => setTimeout(r, 30));
    subscription.stop();
    expect(types).toEqual([EventTypes.rotationFailed, EventTypes.rotationFailed]);
  });

  it('retries a failed push after the configured pauses, then gives up with a warning', async () => {
    let calls = 0;
    const { topic, logs, subscription } = setUp(null, async () => {
      calls++;
      throw new Error('function failed');
    }, [5, 5]);
    await topic.publish(makeEvent(EventTypes.rotationFailed, secret, 1_000));
    await eventually(async () => (logs.lines.some((l) => l.msg === 'topic notification not delivered; giving up') ? true : undefined), 'giving up');
    subscription.stop();
    expect(calls).toBe(3);
  });

  it('stop() cancels pending retries and later events', async () => {
    let calls = 0;
    const { topic, subscription } = setUp(null, async () => {
      calls++;
      throw new Error('function failed');
    }, [200]);
    await topic.publish(makeEvent(EventTypes.rotationFailed, secret, 1_000));
    await eventually(async () => (calls === 1 ? true : undefined), 'the first push');
    subscription.stop();
    await topic.publish(makeEvent(EventTypes.rotationFailed, secret, 1_000));
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(1);
  });
});
