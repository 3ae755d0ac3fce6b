/** Wires the mns_topic triggers of s.yaml to the local events topic (the cloud's MNS topic). */
import type { Container } from '../container.js';
import type { Logger } from '../logger.js';
import type { Invoker } from './invoker.js';
import type { ServerlessSpec, TopicTriggerSpec } from './s-yaml.js';
import { startTopicSubscription, type TopicSubscription } from './topic-subscriptions.js';

/** ROTOR_EVENTS_TOPIC's default, as in s.yaml. */
export const DEFAULT_EVENTS_TOPIC = 'secret-rotor-events';

export interface TopicTriggerSettings {
  /** The topic the local events stand in for; triggers on other topics are not served. */
  eventsTopic: string;
  retryDelaysMs?: readonly number[];
}

const topicTargets = (spec: ServerlessSpec): { functionName: string; trigger: TopicTriggerSpec }[] =>
  spec.functions.flatMap((fn) =>
    fn.triggers.filter((t): t is TopicTriggerSpec => t.type === 'mns-topic').map((trigger) => ({ functionName: fn.functionName, trigger })),
  );

export const startTopicSubscriptions = (
  spec: ServerlessSpec,
  container: Container,
  invoker: Invoker,
  log: Logger,
  settings: TopicTriggerSettings,
): TopicSubscription[] => {
  const topic = container.localTopic;
  return topicTargets(spec).flatMap(({ functionName, trigger }) => {
    const where = { fn: functionName, triggerName: trigger.name, topicName: trigger.topicName };
    if (!topic || trigger.topicName !== settings.eventsTopic) {
      log.warn(where, 'topic trigger not served locally: not the events topic');
      return [];
    }
    if (trigger.notifyContentFormat !== 'JSON') {
      log.warn(where, 'topic trigger not served locally: only notifyContentFormat JSON is emulated');
      return [];
    }
    const fn = invoker.find(functionName);
    if (!fn) return [];
    return [
      startTopicSubscription({
        topic,
        functionName,
        trigger,
        invoke: (event) => invoker.invoke(fn, event),
        logger: log,
        accountId: container.config.accountId,
        now: () => container.clock.now(),
        ...(settings.retryDelaysMs ? { retryDelaysMs: settings.retryDelaysMs } : {}),
      }),
    ];
  });
};
