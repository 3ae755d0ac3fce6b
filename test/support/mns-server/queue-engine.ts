import { createHash } from 'node:crypto';
import { invalidArgument, messageNotExist, receiptHandleError } from './errors.js';
import type { MnsState, QueueRecord, StoredMessage } from './state.js';

/** MNS reports the body digest as upper-case hex MD5 of the body text. */
export function messageBodyMd5(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex').toUpperCase();
}

export interface NewMessage {
  body: string;
  delaySeconds?: number;
  priority: number;
}

export function enqueue(state: MnsState, queue: QueueRecord, message: NewMessage, now: number): StoredMessage {
  const size = Buffer.byteLength(message.body, 'utf8');
  if (size > queue.attributes.maximumMessageSize) {
    throw invalidArgument(`The message size ${size} exceeds MaximumMessageSize ${queue.attributes.maximumMessageSize}.`);
  }
  const delaySeconds = message.delaySeconds ?? queue.attributes.delaySeconds;
  const stored: StoredMessage = {
    messageId: state.newMessageId(),
    body: message.body,
    bodyMd5: messageBodyMd5(message.body),
    priority: message.priority,
    enqueueTime: now,
    visibleAt: now + delaySeconds * 1000,
    firstDequeueTime: undefined,
    dequeueCount: 0,
    receiptHandle: undefined,
    sequence: state.nextSequence(),
  };
  queue.messages.push(stored);
  return stored;
}

/**
 * Hands out up to `count` visible messages: each becomes invisible for VisibilityTimeout, gets a new
 * receipt handle and one more dequeue. Lower priority numbers go first (1 is the highest), then send order.
 */
export function receive(state: MnsState, queue: QueueRecord, count: number, now: number): StoredMessage[] {
  dropExpired(queue, now);
  const taken = visibleMessages(queue, now).slice(0, count);
  for (const message of taken) {
    message.dequeueCount += 1;
    message.firstDequeueTime ??= now;
    message.receiptHandle = newReceiptHandle(state, message);
    message.visibleAt = now + queue.attributes.visibilityTimeout * 1000;
  }
  return taken.map((message) => ({ ...message }));
}

export function peek(queue: QueueRecord, count: number, now: number): StoredMessage[] {
  dropExpired(queue, now);
  return visibleMessages(queue, now)
    .slice(0, count)
    .map((message) => ({ ...message }));
}

export function deleteByReceiptHandle(queue: QueueRecord, handle: string, now: number): void {
  const message = inFlightMessage(queue, handle, now);
  queue.messages.splice(queue.messages.indexOf(message), 1);
}

export function changeVisibility(
  state: MnsState,
  queue: QueueRecord,
  handle: string,
  visibilityTimeoutSeconds: number,
  now: number,
): StoredMessage {
  const message = inFlightMessage(queue, handle, now);
  message.receiptHandle = newReceiptHandle(state, message);
  message.visibleAt = now + visibilityTimeoutSeconds * 1000;
  return { ...message };
}

export interface QueueCounts {
  active: number;
  inactive: number;
  delayed: number;
}

export function countMessages(queue: QueueRecord, now: number): QueueCounts {
  dropExpired(queue, now);
  const counts: QueueCounts = { active: 0, inactive: 0, delayed: 0 };
  for (const message of queue.messages) {
    if (message.visibleAt <= now) counts.active += 1;
    else if (message.dequeueCount > 0) counts.inactive += 1;
    else counts.delayed += 1;
  }
  return counts;
}

/**
 * A handle is valid only while its message is still invisible from the receive that issued it. After
 * the visibility timeout the message is active again and MNS answers MessageNotExist for the old
 * handle; a string that is not a handle at all is ReceiptHandleError.
 */
function inFlightMessage(queue: QueueRecord, handle: string, now: number): StoredMessage {
  if (!isWellFormedReceiptHandle(handle)) throw receiptHandleError();
  const message = queue.messages.find((candidate) => candidate.receiptHandle === handle);
  if (!message || message.visibleAt <= now) throw messageNotExist();
  return message;
}

function visibleMessages(queue: QueueRecord, now: number): StoredMessage[] {
  return queue.messages
    .filter((message) => message.visibleAt <= now)
    .sort((a, b) => a.priority - b.priority || a.sequence - b.sequence);
}

function dropExpired(queue: QueueRecord, now: number): void {
  const retentionMs = queue.attributes.messageRetentionPeriod * 1000;
  queue.messages = queue.messages.filter((message) => now - message.enqueueTime < retentionMs);
}

// Handles are URL-safe because the SDK puts them into query strings without encoding them.
function newReceiptHandle(state: MnsState, message: StoredMessage): string {
  const token = `${message.sequence}:${state.nextSequence()}`;
  return `1-${Buffer.from(token, 'utf8').toString('base64url')}`;
}

function isWellFormedReceiptHandle(handle: string): boolean {
  const match = /^1-([A-Za-z0-9_-]+)$/.exec(handle);
  if (!match?.[1]) return false;
  return /^\d+:\d+$/.test(Buffer.from(match[1], 'base64url').toString('utf8'));
}
