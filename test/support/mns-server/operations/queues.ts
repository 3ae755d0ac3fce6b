import {
  DEFAULT_QUEUE_ATTRIBUTES,
  integerInRange,
  parseQueueAttributes,
  sameAttributes,
} from '../attributes.js';
import { noContent, type MnsResponse, type OperationContext } from '../context.js';
import { invalidArgument, queueAlreadyExist, queueNotExist } from '../errors.js';
import { countMessages } from '../queue-engine.js';
import type { QueueRecord } from '../state.js';
import { renderDocument, renderElement, renderFields } from '../xml.js';

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,255}$/;

export function requireQueue(context: OperationContext): QueueRecord {
  const queue = context.path.queue === undefined ? undefined : context.state.queues.get(context.path.queue);
  if (!queue) throw queueNotExist();
  return queue;
}

export function requireName(name: string | undefined, what: string): string {
  if (name === undefined || !NAME_PATTERN.test(name)) {
    throw invalidArgument(`The ${what} name must start with a letter and hold only letters, digits and hyphens (at most 256).`);
  }
  return name;
}

/** 201 for a new queue; 204 when it exists with the same attributes; 409 QueueAlreadyExist otherwise. */
export function createQueue(context: OperationContext): MnsResponse {
  const name = requireName(context.path.queue, 'queue');
  const attributes = { ...DEFAULT_QUEUE_ATTRIBUTES, ...parseQueueAttributes(context.request?.fields ?? {}) };
  const existing = context.state.queues.get(name);
  if (existing) {
    if (!sameAttributes(existing.attributes, attributes)) throw queueAlreadyExist();
    return noContent();
  }
  const now = context.now();
  context.state.queues.set(name, { name, createTime: now, lastModifyTime: now, attributes, messages: [] });
  return { status: 201, headers: { location: queueUrl(context, name) } };
}

export function deleteQueue(context: OperationContext): MnsResponse {
  if (context.path.queue !== undefined) context.state.queues.delete(context.path.queue);
  return noContent();
}

export function setQueueAttributes(context: OperationContext): MnsResponse {
  const queue = requireQueue(context);
  queue.attributes = { ...queue.attributes, ...parseQueueAttributes(context.request?.fields ?? {}) };
  queue.lastModifyTime = context.now();
  return noContent();
}

export function getQueueAttributes(context: OperationContext): MnsResponse {
  const queue = requireQueue(context);
  const counts = countMessages(queue, context.now());
  const { attributes } = queue;
  const fields = renderFields({
    QueueName: queue.name,
    CreateTime: Math.floor(queue.createTime / 1000),
    LastModifyTime: Math.floor(queue.lastModifyTime / 1000),
    VisibilityTimeout: attributes.visibilityTimeout,
    MaximumMessageSize: attributes.maximumMessageSize,
    MessageRetentionPeriod: attributes.messageRetentionPeriod,
    DelaySeconds: attributes.delaySeconds,
    PollingWaitSeconds: attributes.pollingWaitSeconds,
    ActiveMessages: counts.active,
    InactiveMessages: counts.inactive,
    DelayMessages: counts.delayed,
    LoggingEnabled: attributes.loggingEnabled ? 'True' : 'False',
  });
  return { status: 200, body: renderDocument('Queue', fields) };
}

export function listQueue(context: OperationContext): MnsResponse {
  const page = listPage([...context.state.queues.keys()], context);
  const items = page.names.map((name) => renderElement('Queue', renderFields({ QueueURL: queueUrl(context, name) })));
  return { status: 200, body: renderDocument('Queues', items.join('') + renderFields({ NextMarker: page.nextMarker })) };
}

export interface ListPage {
  names: string[];
  nextMarker: string | undefined;
}

/** Paging by the `x-mns-marker`, `x-mns-ret-number` and `x-mns-prefix` headers; the marker is the next name. */
export function listPage(allNames: string[], context: OperationContext): ListPage {
  const header = (name: string): string | undefined => {
    const value = context.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const prefix = header('x-mns-prefix') ?? '';
  const marker = header('x-mns-marker') ?? '';
  const limit = integerInRange('x-mns-ret-number', header('x-mns-ret-number'), { low: 1, high: 1000 }) ?? 1000;
  const matching = allNames
    .filter((name) => name.startsWith(prefix) && name >= marker)
    .sort();
  return { names: matching.slice(0, limit), nextMarker: matching[limit] };
}

function queueUrl(context: OperationContext, name: string): string {
  return `${context.endpoint}/queues/${name}`;
}
