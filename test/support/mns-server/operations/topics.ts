import { DEFAULT_PRIORITY, DEFAULT_TOPIC_ATTRIBUTES, parseTopicAttributes, sameAttributes } from '../attributes.js';
import { noContent, type MnsResponse, type OperationContext } from '../context.js';
import {
  invalidArgument,
  subscriptionAlreadyExist,
  subscriptionNotExist,
  topicAlreadyExist,
  topicNotExist,
} from '../errors.js';
import { enqueue, messageBodyMd5 } from '../queue-engine.js';
import type { NotifyContentFormat, PublishedMessage, SubscriptionRecord, TopicRecord } from '../state.js';
import { renderDocument, renderElement, renderFields, textOf } from '../xml.js';
import { listPage, requireName } from './queues.js';

// MNS keeps topic messages for one day; the value is fixed, not configurable.
const TOPIC_RETENTION_SECONDS = 86_400;
const NOTIFY_FORMATS: readonly NotifyContentFormat[] = ['SIMPLIFIED', 'XML', 'JSON'];

function requireTopic(context: OperationContext): TopicRecord {
  const topic = context.path.topic === undefined ? undefined : context.state.topics.get(context.path.topic);
  if (!topic) throw topicNotExist();
  return topic;
}

export function createTopic(context: OperationContext): MnsResponse {
  const name = requireName(context.path.topic, 'topic');
  const attributes = { ...DEFAULT_TOPIC_ATTRIBUTES, ...parseTopicAttributes(context.request?.fields ?? {}) };
  const existing = context.state.topics.get(name);
  if (existing) {
    if (!sameAttributes(existing.attributes, attributes)) throw topicAlreadyExist();
    return noContent();
  }
  const now = context.now();
  context.state.topics.set(name, {
    name,
    createTime: now,
    lastModifyTime: now,
    attributes,
    published: [],
    subscriptions: new Map(),
  });
  return { status: 201, headers: { location: topicUrl(context, name) } };
}

export function deleteTopic(context: OperationContext): MnsResponse {
  if (context.path.topic !== undefined) context.state.topics.delete(context.path.topic);
  return noContent();
}

export function setTopicAttributes(context: OperationContext): MnsResponse {
  const topic = requireTopic(context);
  topic.attributes = { ...topic.attributes, ...parseTopicAttributes(context.request?.fields ?? {}) };
  topic.lastModifyTime = context.now();
  return noContent();
}

export function getTopicAttributes(context: OperationContext): MnsResponse {
  const topic = requireTopic(context);
  const fields = renderFields({
    TopicName: topic.name,
    CreateTime: Math.floor(topic.createTime / 1000),
    LastModifyTime: Math.floor(topic.lastModifyTime / 1000),
    MaximumMessageSize: topic.attributes.maximumMessageSize,
    MessageRetentionPeriod: TOPIC_RETENTION_SECONDS,
    MessageCount: topic.published.length,
    LoggingEnabled: topic.attributes.loggingEnabled ? 'True' : 'False',
  });
  return { status: 200, body: renderDocument('Topic', fields) };
}

export function listTopic(context: OperationContext): MnsResponse {
  const page = listPage([...context.state.topics.keys()], context);
  const items = page.names.map((name) => renderElement('Topic', renderFields({ TopicURL: topicUrl(context, name) })));
  return { status: 200, body: renderDocument('Topics', items.join('') + renderFields({ NextMarker: page.nextMarker })) };
}

/** Records the message and pushes it into every subscribed queue whose FilterTag matches its MessageTag. */
export function publishMessage(context: OperationContext): MnsResponse {
  const topic = requireTopic(context);
  const fields = context.request?.fields ?? {};
  const body = textOf(fields.MessageBody);
  if (body === undefined || body === '') throw invalidArgument('The MessageBody element is required and must not be empty.');
  const size = Buffer.byteLength(body, 'utf8');
  if (size > topic.attributes.maximumMessageSize) {
    throw invalidArgument(`The message size ${size} exceeds MaximumMessageSize ${topic.attributes.maximumMessageSize}.`);
  }
  const tag = textOf(fields.MessageTag);
  const published: PublishedMessage = {
    messageId: context.state.newMessageId(),
    body,
    bodyMd5: messageBodyMd5(body),
    tag: tag === '' ? undefined : tag,
    publishTime: context.now(),
  };
  topic.published.push(published);
  for (const subscription of topic.subscriptions.values()) deliver(context, topic, subscription, published);
  const reply = renderFields({ MessageId: published.messageId, MessageBodyMD5: published.bodyMd5 });
  return { status: 201, body: renderDocument('Message', reply) };
}

export function subscribe(context: OperationContext): MnsResponse {
  const topic = requireTopic(context);
  const name = requireName(context.path.subscription, 'subscription');
  const fields = context.request?.fields ?? {};
  const endpoint = textOf(fields.Endpoint) ?? '';
  const queueName = /^acs:mns:[^:]+:[^:]+:queues\/(.+)$/.exec(endpoint)?.[1];
  if (queueName === undefined) {
    throw invalidArgument('Only queue endpoints (acs:mns:<region>:<account>:queues/<name>) are implemented by this test server.');
  }
  const format = (textOf(fields.NotifyContentFormat) ?? 'XML').toUpperCase() as NotifyContentFormat;
  if (!NOTIFY_FORMATS.includes(format)) throw invalidArgument('NotifyContentFormat must be SIMPLIFIED, XML or JSON.');
  const filterTag = textOf(fields.FilterTag);
  const subscription: SubscriptionRecord = {
    name,
    endpoint,
    queueName,
    filterTag: filterTag === '' ? undefined : filterTag,
    notifyContentFormat: format,
    notifyStrategy: textOf(fields.NotifyStrategy) ?? 'BACKOFF_RETRY',
    createTime: context.now(),
  };
  const existing = topic.subscriptions.get(name);
  if (existing) {
    const same =
      existing.endpoint === subscription.endpoint &&
      existing.filterTag === subscription.filterTag &&
      existing.notifyContentFormat === subscription.notifyContentFormat;
    if (!same) throw subscriptionAlreadyExist();
    return noContent();
  }
  topic.subscriptions.set(name, subscription);
  return { status: 201, headers: { location: `${topicUrl(context, topic.name)}/subscriptions/${name}` } };
}

export function unsubscribe(context: OperationContext): MnsResponse {
  const topic = requireTopic(context);
  if (context.path.subscription === undefined || !topic.subscriptions.delete(context.path.subscription)) {
    throw subscriptionNotExist();
  }
  return noContent();
}

export function listSubscriptionByTopic(context: OperationContext): MnsResponse {
  const topic = requireTopic(context);
  const page = listPage([...topic.subscriptions.keys()], context);
  const items = page.names.map((name) =>
    renderElement('Subscription', renderFields({ SubscriptionURL: `${topicUrl(context, topic.name)}/subscriptions/${name}` })),
  );
  return {
    status: 200,
    body: renderDocument('Subscriptions', items.join('') + renderFields({ NextMarker: page.nextMarker })),
  };
}

/**
 * Pushes one published message into a subscribed queue. A missing queue drops the message; real MNS
 * would retry by NotifyStrategy, which this test server does not model.
 */
function deliver(
  context: OperationContext,
  topic: TopicRecord,
  subscription: SubscriptionRecord,
  message: PublishedMessage,
): void {
  if (subscription.filterTag !== undefined && subscription.filterTag !== message.tag) return;
  const queue = context.state.queues.get(subscription.queueName);
  if (!queue) return;
  const body = notificationBody(context, topic, subscription, message);
  enqueue(context.state, queue, { body, priority: DEFAULT_PRIORITY }, context.now());
  context.longPolls.notify(queue.name);
}

function notificationBody(
  context: OperationContext,
  topic: TopicRecord,
  subscription: SubscriptionRecord,
  message: PublishedMessage,
): string {
  if (subscription.notifyContentFormat === 'SIMPLIFIED') return message.body;
  const notification = {
    TopicOwner: context.state.accountId,
    TopicName: topic.name,
    Subscriber: context.state.accountId,
    SubscriptionName: subscription.name,
    MessageId: message.messageId,
    MessageMD5: message.bodyMd5,
    MessageTag: message.tag,
    Message: message.body,
    PublishTime: message.publishTime,
  };
  if (subscription.notifyContentFormat === 'JSON') return JSON.stringify(notification);
  return renderDocument('Notification', renderFields(notification));
}

function topicUrl(context: OperationContext, name: string): string {
  return `${context.endpoint}/topics/${name}`;
}
