/**
 * The local runtime's mns_topic triggers: each event published to the local events topic is pushed
 * to the subscribed function as the JSON notification FC delivers (TopicName, Message, MessageId
 * ...), with the message body encoded as the MNS publisher sends it. As MNS does, a subscription
 * with a filterTag gets only the messages carrying that tag, and a failed push is retried.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { LocalTopicPublisher } from '../../adapters/local-events/local-topic.js';
import { eventTag } from '../../adapters/mns/event-tags.js';
import { encodeJsonBody } from '../../adapters/mns/message-body.js';
import type { RotorEvent } from '../../ports/event-publisher.js';
import { unexpectedErrorFields, type Logger } from '../logger.js';
import type { TopicTriggerSpec } from './s-yaml.js';

export interface TopicNotificationContext {
  topicName: string;
  subscriptionName: string;
  accountId: string;
  now: number;
}

/** What an mns_topic trigger with notifyContentFormat JSON hands the function. */
export const topicNotification = (event: RotorEvent, c: TopicNotificationContext): Record<string, unknown> => {
  const message = encodeJsonBody(event);
  return {
    TopicOwner: c.accountId,
    Message: message,
    Subscriber: c.accountId,
    PublishTime: c.now,
    SubscriptionName: c.subscriptionName,
    MessageMD5: createHash('md5').update(message).digest('hex').toUpperCase(),
    TopicName: c.topicName,
    MessageId: randomBytes(16).toString('hex').toUpperCase(),
  };
};

export interface TopicSubscriptionOptions {
  topic: LocalTopicPublisher;
  functionName: string;
  trigger: TopicTriggerSpec;
  invoke: (event: Buffer) => Promise<unknown>;
  logger: Logger;
  accountId: string;
  now: () => number;
  /** Pauses before each retry of a failed push; default 1 s, 2 s, 4 s (MNS retries for longer). */
  retryDelaysMs?: readonly number[];
}

export interface TopicSubscription {
  /** Stops pushing and cancels pending retries; pushes already running finish on their own. */
  stop(): void;
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 4_000];

export const startTopicSubscription = (options: TopicSubscriptionOptions): TopicSubscription => {
  const { trigger, functionName } = options;
  const log = options.logger.child({ fn: functionName, triggerName: trigger.name });
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const push = (event: RotorEvent, attempt: number): void => {
    if (stopped) return;
    const notification = topicNotification(event, {
      topicName: trigger.topicName,
      subscriptionName: `${functionName}-${trigger.name}`,
      accountId: options.accountId,
      now: options.now(),
    });
    options.invoke(Buffer.from(JSON.stringify(notification))).catch((err: unknown) => {
      const delay = delays[attempt];
      const fields = { ...unexpectedErrorFields(err), eventId: event.id, eventType: event.type, attempt: attempt + 1 };
      if (stopped || delay === undefined) {
        log.warn(fields, 'topic notification not delivered; giving up');
        return;
      }
      log.warn({ ...fields, retryInMs: delay }, 'topic notification failed; retrying');
      const timer = setTimeout(() => {
        timers.delete(timer);
        push(event, attempt + 1);
      }, delay);
      timers.add(timer);
    });
  };

  const unsubscribe = options.topic.subscribe((event) => {
    if (trigger.filterTag !== null && eventTag(event.type) !== trigger.filterTag) return;
    push(event, 0);
  });

  return {
    stop: () => {
      stopped = true;
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
};
