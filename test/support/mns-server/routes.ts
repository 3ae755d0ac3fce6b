import type { PathParams, QueryParams } from './context.js';
import { invalidRequestUrl } from './errors.js';
import type { XmlRequest } from './xml.js';

export const MNS_OPERATIONS = [
  'CreateQueue',
  'DeleteQueue',
  'ListQueue',
  'GetQueueAttributes',
  'SetQueueAttributes',
  'SendMessage',
  'BatchSendMessage',
  'ReceiveMessage',
  'BatchReceiveMessage',
  'PeekMessage',
  'BatchPeekMessage',
  'DeleteMessage',
  'BatchDeleteMessage',
  'ChangeMessageVisibility',
  'CreateTopic',
  'DeleteTopic',
  'ListTopic',
  'GetTopicAttributes',
  'SetTopicAttributes',
  'PublishMessage',
  'Subscribe',
  'Unsubscribe',
  'ListSubscriptionByTopic',
] as const;

export type MnsOperation = (typeof MNS_OPERATIONS)[number];

export function isMnsOperation(name: string): name is MnsOperation {
  return (MNS_OPERATIONS as readonly string[]).includes(name);
}

export interface Route {
  operation: MnsOperation;
  path: PathParams;
}

/** Maps an MNS REST request (method, path, query, body root) to the API operation it invokes. */
export function resolveRoute(method: string, pathname: string, query: QueryParams, request?: XmlRequest): Route {
  const segments = pathname.split('/').filter((segment) => segment !== '').map(decodeSegment);
  const [collection, name, child, childName, ...rest] = segments;
  if (rest.length > 0) throw invalidRequestUrl();

  const operation =
    collection === 'queues'
      ? queueOperation(method, name, child, childName, query, request)
      : collection === 'topics'
        ? topicOperation(method, name, child, childName, query)
        : undefined;
  if (!operation) throw invalidRequestUrl();

  const path: PathParams =
    collection === 'queues' ? { queue: name } : { topic: name, subscription: child === 'subscriptions' ? childName : undefined };
  return { operation, path };
}

function queueOperation(
  method: string,
  name: string | undefined,
  child: string | undefined,
  childName: string | undefined,
  query: QueryParams,
  request: XmlRequest | undefined,
): MnsOperation | undefined {
  if (childName !== undefined) return undefined;
  if (name === undefined) return method === 'GET' ? 'ListQueue' : undefined;
  if (child === undefined) {
    if (method === 'PUT') return query.get('metaoverride') === 'true' ? 'SetQueueAttributes' : 'CreateQueue';
    if (method === 'GET') return 'GetQueueAttributes';
    if (method === 'DELETE') return 'DeleteQueue';
    return undefined;
  }
  if (child !== 'messages') return undefined;
  switch (method) {
    case 'POST':
      return request?.root === 'Messages' ? 'BatchSendMessage' : 'SendMessage';
    case 'GET':
      if (query.get('peekonly') === 'true') return query.has('numOfMessages') ? 'BatchPeekMessage' : 'PeekMessage';
      return query.has('numOfMessages') ? 'BatchReceiveMessage' : 'ReceiveMessage';
    case 'DELETE':
      return query.has('ReceiptHandle') ? 'DeleteMessage' : 'BatchDeleteMessage';
    case 'PUT':
      return 'ChangeMessageVisibility';
    default:
      return undefined;
  }
}

function topicOperation(
  method: string,
  name: string | undefined,
  child: string | undefined,
  childName: string | undefined,
  query: QueryParams,
): MnsOperation | undefined {
  if (name === undefined) return method === 'GET' ? 'ListTopic' : undefined;
  if (child === undefined) {
    if (method === 'PUT') return query.get('metaoverride') === 'true' ? 'SetTopicAttributes' : 'CreateTopic';
    if (method === 'GET') return 'GetTopicAttributes';
    if (method === 'DELETE') return 'DeleteTopic';
    return undefined;
  }
  if (child === 'messages' && childName === undefined) return method === 'POST' ? 'PublishMessage' : undefined;
  if (child !== 'subscriptions') return undefined;
  if (childName === undefined) return method === 'GET' ? 'ListSubscriptionByTopic' : undefined;
  if (method === 'PUT') return 'Subscribe';
  if (method === 'DELETE') return 'Unsubscribe';
  return undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidRequestUrl();
  }
}
