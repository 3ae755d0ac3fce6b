import { BATCH_RANGE, DEFAULT_PRIORITY, PRIORITY_RANGE, QUEUE_LIMITS, integerInRange } from '../attributes.js';
import { noContent, type MnsResponse, type OperationContext } from '../context.js';
import { MnsError, invalidArgument, messageNotExist } from '../errors.js';
import {
  changeVisibility,
  deleteByReceiptHandle,
  enqueue,
  peek,
  receive,
  type NewMessage,
} from '../queue-engine.js';
import type { StoredMessage } from '../state.js';
import { renderDocument, renderElement, renderFields, textOf } from '../xml.js';
import { requireQueue } from './queues.js';

export function sendMessage(context: OperationContext): MnsResponse {
  const queue = requireQueue(context);
  const stored = enqueue(context.state, queue, newMessage(context.request?.fields ?? {}), context.now());
  context.longPolls.notify(queue.name);
  return { status: 201, body: renderDocument('Message', sentFields(stored)) };
}

/** All valid entries are sent; if any entry fails the answer is 500 with a per-entry error, as MNS does. */
export function batchSendMessage(context: OperationContext): MnsResponse {
  const queue = requireQueue(context);
  const entries = batchEntries(context.request?.fields.Message, 'Message');
  const now = context.now();
  let failed = false;
  const results = entries.map((entry) => {
    try {
      return sentFields(enqueue(context.state, queue, newMessage(entry), now));
    } catch (error) {
      if (!(error instanceof MnsError)) throw error;
      failed = true;
      return renderFields({ ErrorCode: error.code, ErrorMessage: error.message });
    }
  });
  context.longPolls.notify(queue.name);
  const body = renderDocument('Messages', results.map((fields) => renderElement('Message', fields)).join(''));
  return { status: failed ? 500 : 201, body };
}

export async function receiveMessage(context: OperationContext): Promise<MnsResponse> {
  const [message] = await receiveWithWait(context, 1);
  if (!message) throw messageNotExist();
  return { status: 200, body: renderDocument('Message', receivedFields(message)) };
}

export async function batchReceiveMessage(context: OperationContext): Promise<MnsResponse> {
  const count = integerInRange('numOfMessages', context.query.get('numOfMessages'), BATCH_RANGE) ?? BATCH_RANGE.high;
  const messages = await receiveWithWait(context, count);
  if (messages.length === 0) throw messageNotExist();
  const items = messages.map((message) => renderElement('Message', receivedFields(message)));
  return { status: 200, body: renderDocument('Messages', items.join('')) };
}

export function peekMessage(context: OperationContext): MnsResponse {
  const [message] = peek(requireQueue(context), 1, context.now());
  if (!message) throw messageNotExist();
  return { status: 200, body: renderDocument('Message', peekedFields(message)) };
}

export function batchPeekMessage(context: OperationContext): MnsResponse {
  const count = integerInRange('numOfMessages', context.query.get('numOfMessages'), BATCH_RANGE) ?? BATCH_RANGE.high;
  const messages = peek(requireQueue(context), count, context.now());
  if (messages.length === 0) throw messageNotExist();
  const items = messages.map((message) => renderElement('Message', peekedFields(message)));
  return { status: 200, body: renderDocument('Messages', items.join('')) };
}

export function deleteMessage(context: OperationContext): MnsResponse {
  const queue = requireQueue(context);
  deleteByReceiptHandle(queue, context.query.get('ReceiptHandle') ?? '', context.now());
  return noContent();
}

/** 204 when every handle was deleted; otherwise 404 with an `<Errors>` list naming the failed handles. */
export function batchDeleteMessage(context: OperationContext): MnsResponse {
  const queue = requireQueue(context);
  const handles = batchEntries(context.request?.fields.ReceiptHandle, 'ReceiptHandle').map((entry) => textOf(entry) ?? '');
  const now = context.now();
  const errors: string[] = [];
  for (const handle of handles) {
    try {
      deleteByReceiptHandle(queue, handle, now);
    } catch (error) {
      if (!(error instanceof MnsError)) throw error;
      errors.push(renderElement('Error', renderFields({ ErrorCode: error.code, ErrorMessage: error.message, ReceiptHandle: handle })));
    }
  }
  if (errors.length === 0) return noContent();
  return { status: 404, body: renderDocument('Errors', errors.join('')) };
}

export function changeMessageVisibility(context: OperationContext): MnsResponse {
  const queue = requireQueue(context);
  const visibilityTimeout = integerInRange(
    'VisibilityTimeout',
    context.query.get('visibilityTimeout'),
    QUEUE_LIMITS.VisibilityTimeout,
  );
  if (visibilityTimeout === undefined) throw invalidArgument('The visibilityTimeout parameter is required.');
  const changed = changeVisibility(
    context.state,
    queue,
    context.query.get('receiptHandle') ?? '',
    visibilityTimeout,
    context.now(),
  );
  const fields = renderFields({ ReceiptHandle: changed.receiptHandle, NextVisibleTime: changed.visibleAt });
  return { status: 200, body: renderDocument('ChangeVisibility', fields) };
}

function newMessage(fields: unknown): NewMessage {
  const entry = isRecord(fields) ? fields : {};
  const body = textOf(entry.MessageBody);
  if (body === undefined || body === '') throw invalidArgument('The MessageBody element is required and must not be empty.');
  return {
    body,
    delaySeconds: integerInRange('DelaySeconds', textOf(entry.DelaySeconds), QUEUE_LIMITS.DelaySeconds),
    priority: integerInRange('Priority', textOf(entry.Priority), PRIORITY_RANGE) ?? DEFAULT_PRIORITY,
  };
}

function batchEntries(value: unknown, element: string): unknown[] {
  const entries = Array.isArray(value) ? value : [];
  if (entries.length < BATCH_RANGE.low || entries.length > BATCH_RANGE.high) {
    throw invalidArgument(`A batch must hold between ${BATCH_RANGE.low} and ${BATCH_RANGE.high} ${element} elements.`);
  }
  return entries;
}

async function receiveWithWait(context: OperationContext, count: number): Promise<StoredMessage[]> {
  const queue = requireQueue(context);
  const waitSeconds =
    integerInRange('waitseconds', context.query.get('waitseconds'), QUEUE_LIMITS.PollingWaitSeconds) ??
    queue.attributes.pollingWaitSeconds;
  const attempt = (): StoredMessage[] | undefined => {
    const current = context.state.queues.get(queue.name);
    if (!current) return undefined;
    const messages = receive(context.state, current, count, context.now());
    return messages.length > 0 ? messages : undefined;
  };
  const waitMs = Math.min(waitSeconds * 1000, context.maxPollWaitMs);
  return (await context.longPolls.wait(queue.name, attempt, waitMs, context.signal)) ?? [];
}

function sentFields(message: StoredMessage): string {
  return renderFields({ MessageId: message.messageId, MessageBodyMD5: message.bodyMd5 });
}

function receivedFields(message: StoredMessage): string {
  return renderFields({
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MessageBodyMD5: message.bodyMd5,
    MessageBody: message.body,
    EnqueueTime: message.enqueueTime,
    NextVisibleTime: message.visibleAt,
    FirstDequeueTime: message.firstDequeueTime,
    DequeueCount: message.dequeueCount,
    Priority: message.priority,
  });
}

function peekedFields(message: StoredMessage): string {
  return renderFields({
    MessageId: message.messageId,
    MessageBodyMD5: message.bodyMd5,
    MessageBody: message.body,
    EnqueueTime: message.enqueueTime,
    FirstDequeueTime: message.firstDequeueTime,
    DequeueCount: message.dequeueCount,
    Priority: message.priority,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
