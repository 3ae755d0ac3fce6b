import { invalidArgument, outOfRange } from './errors.js';
import type { QueueAttributes, TopicAttributes } from './state.js';
import { textOf } from './xml.js';

interface Range {
  low: number;
  high: number;
}

// Ranges and defaults from the MNS CreateQueue / SendMessage / ReceiveMessage references.
export const QUEUE_LIMITS = {
  VisibilityTimeout: { low: 1, high: 43_200 },
  MaximumMessageSize: { low: 1_024, high: 65_536 },
  MessageRetentionPeriod: { low: 60, high: 604_800 },
  DelaySeconds: { low: 0, high: 604_800 },
  PollingWaitSeconds: { low: 0, high: 30 },
} satisfies Record<string, Range>;

export const PRIORITY_RANGE: Range = { low: 1, high: 16 };
export const DEFAULT_PRIORITY = 8;
export const BATCH_RANGE: Range = { low: 1, high: 16 };
export const TOPIC_MESSAGE_SIZE: Range = { low: 1_024, high: 65_536 };

export const DEFAULT_QUEUE_ATTRIBUTES: QueueAttributes = {
  visibilityTimeout: 30,
  maximumMessageSize: 65_536,
  messageRetentionPeriod: 345_600,
  delaySeconds: 0,
  pollingWaitSeconds: 0,
  loggingEnabled: false,
};

export const DEFAULT_TOPIC_ATTRIBUTES: TopicAttributes = { maximumMessageSize: 65_536, loggingEnabled: false };

/** An integer within its range, or undefined when the text is absent. */
export function integerInRange(element: string, text: string | undefined, range: Range): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw invalidArgument(`The value of ${element} must be an integer.`);
  const value = Number(text.trim());
  if (value < range.low || value > range.high) throw outOfRange(element, range.low, range.high);
  return value;
}

function booleanText(element: string, text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  const normalized = text.trim().toLowerCase();
  if (normalized !== 'true' && normalized !== 'false') throw invalidArgument(`The value of ${element} must be True or False.`);
  return normalized === 'true';
}

/** The attributes present in a `<Queue>` document; absent ones stay undefined. */
export function parseQueueAttributes(fields: Record<string, unknown>): Partial<QueueAttributes> {
  const limits = QUEUE_LIMITS;
  const parsed: Partial<QueueAttributes> = {
    visibilityTimeout: integerInRange('VisibilityTimeout', textOf(fields.VisibilityTimeout), limits.VisibilityTimeout),
    maximumMessageSize: integerInRange('MaximumMessageSize', textOf(fields.MaximumMessageSize), limits.MaximumMessageSize),
    messageRetentionPeriod: integerInRange(
      'MessageRetentionPeriod',
      textOf(fields.MessageRetentionPeriod),
      limits.MessageRetentionPeriod,
    ),
    delaySeconds: integerInRange('DelaySeconds', textOf(fields.DelaySeconds), limits.DelaySeconds),
    pollingWaitSeconds: integerInRange('PollingWaitSeconds', textOf(fields.PollingWaitSeconds), limits.PollingWaitSeconds),
    loggingEnabled: booleanText('LoggingEnabled', textOf(fields.LoggingEnabled)),
  };
  return withoutUndefined(parsed);
}

export function parseTopicAttributes(fields: Record<string, unknown>): Partial<TopicAttributes> {
  return withoutUndefined({
    maximumMessageSize: integerInRange('MaximumMessageSize', textOf(fields.MaximumMessageSize), TOPIC_MESSAGE_SIZE),
    loggingEnabled: booleanText('LoggingEnabled', textOf(fields.LoggingEnabled)),
  });
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function sameAttributes<T extends object>(a: T, b: T): boolean {
  return Object.keys(a).every((key) => a[key as keyof T] === b[key as keyof T]);
}
