import type { MnsResponse, OperationContext } from '../context.js';
import type { MnsOperation } from '../routes.js';
import {
  batchDeleteMessage,
  batchPeekMessage,
  batchReceiveMessage,
  batchSendMessage,
  changeMessageVisibility,
  deleteMessage,
  peekMessage,
  receiveMessage,
  sendMessage,
} from './messages.js';
import { createQueue, deleteQueue, getQueueAttributes, listQueue, setQueueAttributes } from './queues.js';
import {
  createTopic,
  deleteTopic,
  getTopicAttributes,
  listSubscriptionByTopic,
  listTopic,
  publishMessage,
  setTopicAttributes,
  subscribe,
  unsubscribe,
} from './topics.js';

export type OperationHandler = (context: OperationContext) => MnsResponse | Promise<MnsResponse>;

export const OPERATIONS: Record<MnsOperation, OperationHandler> = {
  CreateQueue: createQueue,
  DeleteQueue: deleteQueue,
  ListQueue: listQueue,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  SendMessage: sendMessage,
  BatchSendMessage: batchSendMessage,
  ReceiveMessage: receiveMessage,
  BatchReceiveMessage: batchReceiveMessage,
  PeekMessage: peekMessage,
  BatchPeekMessage: batchPeekMessage,
  DeleteMessage: deleteMessage,
  BatchDeleteMessage: batchDeleteMessage,
  ChangeMessageVisibility: changeMessageVisibility,
  CreateTopic: createTopic,
  DeleteTopic: deleteTopic,
  ListTopic: listTopic,
  GetTopicAttributes: getTopicAttributes,
  SetTopicAttributes: setTopicAttributes,
  PublishMessage: publishMessage,
  Subscribe: subscribe,
  Unsubscribe: unsubscribe,
  ListSubscriptionByTopic: listSubscriptionByTopic,
};
