/**
 * The rotation step queue on MNS. In the cloud the rotate function's eventbridge trigger consumes
 * the queue; the consumer side here serves whoever polls MNS directly (a local runtime pointed at
 * MNS, operator tools, tests) with the same at-least-once semantics as the SQLite queue.
 *
 * - Bodies are base64(JSON) of the RotationMessage (see message-body.ts).
 * - Visibility: each receive takes the queue's own VisibilityTimeout from MNS, then sets the
 *   caller's visibilitySeconds per message with ChangeMessageVisibility (which issues the handle
 *   handed out). The queue attribute is left alone: it is shared by every consumer.
 * - Dead letters: MNS has no dead-letter API for queues, so the max-receives rule lives here. A
 *   message received more than maxReceives times is copied to the dead-letter queue
 *   (`<queue>-dlq` unless named), reported to onDeadLetter, and only then deleted: a failure on the
 *   way leaves the original in place to be moved again on a later receive (at least once, so the
 *   dead-letter queue may hold a duplicate; deadLetters() shows each message once).
 * - MNS's smallest visibility timeout is 1 s, so release with no delay makes the message visible
 *   after 1 s, and a visibility under 1 s is raised to 1 s.
 * - On an empty queue a receive waits up to the queue's PollingWaitSeconds (the SDK cannot ask
 *   for 0 explicitly); keep that attribute 0 for callers that must not block.
 */
import { systemClock, type Clock } from '../../ports/clock.js';
import type { RotationMessage, SendOptions } from '../../ports/job-queue.js';
import type { DeadLetter, JobQueueConsumer, LeasedMessage } from '../../ports/job-queue-consumer.js';
import { isMnsError, type MnsClientLike, type MnsFields } from './mns-client.js';
import { asRotationMessage, decodeJsonBody, encodeJsonBody } from './message-body.js';

export type { DeadLetter, LeasedMessage } from '../../ports/job-queue-consumer.js';

export interface MnsJobQueueOptions {
  client: MnsClientLike;
  queueName: string;
  /** Default `<queueName>-dlq`. It must exist; give it MNS's longest retention (7 days). */
  deadLetterQueueName?: string;
  /** Deliveries before a message goes to the dead-letter queue instead. Default 5. */
  maxReceives?: number;
  /** Stamps deadAt on dead letters. Default: the system clock. */
  clock?: Clock;
  /**
   * Called once a message has been copied to the dead-letter queue, before the original is
   * deleted. The container wires it to the event publisher (`com.secretrotor.rotation.dead-lettered`,
   * see shared/runtime/cloud-adapters.ts). If it rejects, receive rejects and the original stays
   * in the queue, so the move and the call are retried on a later receive.
   */
  onDeadLetter?: (deadLetter: DeadLetter) => Promise<void> | void;
}

/** What a dead-letter queue message holds: the original message and its history. */
interface DeadLetterEnvelope {
  messageId: string;
  receiveCount: number;
  enqueuedAt: number;
  deadAt: number;
  /** The original MNS body, as it was, so even an unreadable one is kept. */
  body: string;
}

const DEFAULT_MAX_RECEIVES = 5;
/** MNS's own limits: BatchReceiveMessage / BatchPeekMessage take at most 16. */
const MNS_BATCH_MAX = 16;
const MNS_VISIBILITY = { min: 1, max: 43_200 };
const MNS_MAX_DELAY_SECONDS = 604_800;
/** The SDK puts handles into query strings unescaped; anything else could rewrite the request. */
const RECEIPT_HANDLE = /^[A-Za-z0-9+/=_-]+$/;

const wholeSeconds = (seconds: number, what: string, max: number): number => {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`${what} must be a number of seconds >= 0.`);
  const whole = Math.ceil(seconds);
  if (whole > max) throw new RangeError(`${what} must be at most ${max} seconds on MNS.`);
  return whole;
};

const visibilityOf = (seconds: number, what: string): number =>
  Math.max(MNS_VISIBILITY.min, wholeSeconds(seconds, what, MNS_VISIBILITY.max));

const requiredField = (fields: MnsFields, name: string): string => {
  const value = fields[name];
  if (value === undefined || value === '') throw new Error(`The MNS answer has no ${name}.`);
  return value;
};

const numberField = (fields: MnsFields, name: string): number => {
  const value = Number(requiredField(fields, name));
  if (!Number.isFinite(value)) throw new Error(`The MNS answer has a non-numeric ${name}.`);
  return value;
};

const asEnvelope = (value: unknown): DeadLetterEnvelope | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const numbers = [e.receiveCount, e.enqueuedAt, e.deadAt].every((n) => typeof n === 'number' && Number.isFinite(n));
  if (typeof e.messageId !== 'string' || typeof e.body !== 'string' || !numbers) return undefined;
  return value as DeadLetterEnvelope;
};

const toDeadLetter = (envelope: DeadLetterEnvelope): DeadLetter | undefined => {
  const body = asRotationMessage(decodeJsonBody(envelope.body));
  if (!body) return undefined;
  const { messageId, receiveCount, enqueuedAt, deadAt } = envelope;
  return { messageId, body, receiveCount, enqueuedAt, deadAt };
};

export class MnsJobQueue implements JobQueueConsumer {
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  private readonly client: MnsClientLike;
  private readonly maxReceives: number;
  private readonly clock: Clock;
  private readonly onDeadLetter: MnsJobQueueOptions['onDeadLetter'];

  constructor(options: MnsJobQueueOptions) {
    this.client = options.client;
    this.queueName = options.queueName;
    this.deadLetterQueueName = options.deadLetterQueueName ?? `${options.queueName}-dlq`;
    this.maxReceives = options.maxReceives ?? DEFAULT_MAX_RECEIVES;
    this.clock = options.clock ?? systemClock;
    this.onDeadLetter = options.onDeadLetter;
    if (!Number.isInteger(this.maxReceives) || this.maxReceives < 1) {
      throw new RangeError('maxReceives must be an integer >= 1.');
    }
    if (this.deadLetterQueueName === this.queueName) {
      throw new Error('The dead-letter queue must not be the queue itself.');
    }
  }

  async send(message: RotationMessage, options: SendOptions = {}): Promise<void> {
    const delaySeconds = wholeSeconds(options.delaySeconds ?? 0, 'delaySeconds', MNS_MAX_DELAY_SECONDS);
    await this.client.sendMessage(this.queueName, { MessageBody: encodeJsonBody(message), DelaySeconds: delaySeconds });
  }

  async receive(max: number, visibilitySeconds: number): Promise<LeasedMessage[]> {
    const visibility = visibilityOf(visibilitySeconds, 'visibilitySeconds');
    const wanted = Math.floor(max);
    const leased: LeasedMessage[] = [];
    // Dead-lettered messages make room, so ask again until the batch is full or the queue runs dry.
    while (leased.length < wanted) {
      const asked = Math.min(MNS_BATCH_MAX, wanted - leased.length);
      const batch = await this.receiveBatch(asked);
      const taken = await Promise.all(batch.map((fields) => this.take(fields, visibility)));
      for (const message of taken) if (message) leased.push(message);
      if (batch.length < asked) break;
    }
    return leased;
  }

  private async receiveBatch(count: number): Promise<MnsFields[]> {
    try {
      return (await this.client.batchReceiveMessage(this.queueName, count)).body ?? [];
    } catch (error) {
      if (isMnsError(error, 'MessageNotExist')) return [];
      throw error;
    }
  }

  /** Leases one received message, or moves it to the dead letters; undefined when not leased. */
  private async take(fields: MnsFields, visibility: number): Promise<LeasedMessage | undefined> {
    const receiveCount = numberField(fields, 'DequeueCount');
    const body = asRotationMessage(decodeJsonBody(fields.MessageBody));
    // A body that names no rotation step can never succeed: no point in retrying it.
    if (!body || receiveCount > this.maxReceives) {
      await this.moveToDeadLetters(fields, receiveCount - 1, body);
      return undefined;
    }
    const receiptHandle = await this.changeVisibility(requiredField(fields, 'ReceiptHandle'), visibility);
    // Lost meanwhile (its first visibility ran out): another receive will deliver it.
    if (receiptHandle === undefined) return undefined;
    return {
      messageId: requiredField(fields, 'MessageId'),
      receiptHandle,
      body,
      receiveCount,
      enqueuedAt: numberField(fields, 'EnqueueTime'),
    };
  }

  private async moveToDeadLetters(
    fields: MnsFields,
    deliveries: number,
    body: RotationMessage | undefined,
  ): Promise<void> {
    const envelope: DeadLetterEnvelope = {
      messageId: requiredField(fields, 'MessageId'),
      receiveCount: deliveries,
      enqueuedAt: numberField(fields, 'EnqueueTime'),
      deadAt: this.clock.now(),
      body: fields.MessageBody ?? '',
    };
    await this.client.sendMessage(this.deadLetterQueueName, { MessageBody: encodeJsonBody(envelope), DelaySeconds: 0 });
    if (body && this.onDeadLetter) {
      const { messageId, receiveCount, enqueuedAt, deadAt } = envelope;
      await this.onDeadLetter({ messageId, body, receiveCount, enqueuedAt, deadAt });
    }
    await this.delete(requiredField(fields, 'ReceiptHandle'));
  }

  /** The new receipt handle, or undefined when the handle is stale or unknown. */
  private async changeVisibility(receiptHandle: string, seconds: number): Promise<string | undefined> {
    if (!RECEIPT_HANDLE.test(receiptHandle)) return undefined;
    try {
      const changed = await this.client.changeMessageVisibility(this.queueName, receiptHandle, seconds);
      return requiredField(changed.body, 'ReceiptHandle');
    } catch (error) {
      if (isStaleHandleError(error)) return undefined;
      throw error;
    }
  }

  async delete(receiptHandle: string): Promise<boolean> {
    if (!RECEIPT_HANDLE.test(receiptHandle)) return false;
    try {
      await this.client.deleteMessage(this.queueName, receiptHandle);
      return true;
    } catch (error) {
      if (isStaleHandleError(error)) return false;
      throw error;
    }
  }

  async release(receiptHandle: string, delaySeconds: number): Promise<void> {
    await this.changeVisibility(receiptHandle, visibilityOf(delaySeconds, 'delaySeconds'));
  }

  /**
   * The messages in the dead-letter queue that are visible now, each once. MNS peeks at most 16
   * messages and has no paging, so this shows at most 16; the MNS console shows the rest.
   * Messages that name no rotation step are kept in the queue but not listed.
   */
  async deadLetters(): Promise<DeadLetter[]> {
    let peeked: MnsFields[];
    try {
      peeked = (await this.client.batchPeekMessage(this.deadLetterQueueName, MNS_BATCH_MAX)).body ?? [];
    } catch (error) {
      if (isMnsError(error, 'MessageNotExist')) return [];
      throw error;
    }
    const byMessageId = new Map<string, DeadLetter>();
    for (const fields of peeked) {
      const envelope = asEnvelope(decodeJsonBody(fields.MessageBody));
      const deadLetter = envelope && toDeadLetter(envelope);
      if (deadLetter && !byMessageId.has(deadLetter.messageId)) byMessageId.set(deadLetter.messageId, deadLetter);
    }
    return [...byMessageId.values()].sort((a, b) => a.deadAt - b.deadAt);
  }
}

/** MNS answers MessageNotExist for an expired or superseded handle, ReceiptHandleError for garbage. */
const isStaleHandleError = (error: unknown): boolean =>
  isMnsError(error, 'MessageNotExist') || isMnsError(error, 'ReceiptHandleError');
