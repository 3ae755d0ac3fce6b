/**
 * The local stand-in for FC's MNS queue trigger: leases messages from the SQLite queue, delivers
 * them as EventBridge would (an array per batch for event-streaming, one CloudEvent per message
 * for event-driven), deletes them on success and releases them with backoff on failure. Giving
 * up after too many receives (dead letters) is the queue's job.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobQueueConsumer, LeasedMessage } from '../../ports/job-queue-consumer.js';
import { fcTime, type MnsCloudEvent } from '../fc-types.js';
import { unexpectedErrorFields, type Logger } from '../logger.js';
import { InvokerClosedError } from './invoker.js';
import type { QueueTriggerSpec } from './s-yaml.js';

export interface QueuePollerOptions {
  queue: Pick<JobQueueConsumer, 'receive' | 'delete' | 'release'>;
  functionName: string;
  trigger: QueueTriggerSpec;
  invoke(event: Buffer): Promise<unknown>;
  logger: Logger;
  region: string;
  accountId: string;
  visibilitySeconds: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  /** Pause between polls of an empty queue. Default 500 ms. */
  idleMs?: number;
  now?: () => number;
}

export interface QueueDelivery {
  /** One receive-deliver-acknowledge round; returns how many messages it handled. */
  pollOnce(): Promise<number>;
}

export interface QueuePoller {
  /** Stops polling and waits for the delivery in progress. */
  stop(): Promise<void>;
}

/**
 * What MNS hands EventBridge is the body as sent; our producer (the MNS adapter) sends base64 of
 * the JSON. EventBridge decodes it before delivery only when IsBase64Decode is on.
 */
export const mnsMessageBody = (message: LeasedMessage, isBase64Decode: boolean): string => {
  const json = JSON.stringify(message.body);
  return isBase64Decode ? json : Buffer.from(json).toString('base64');
};

export const mnsCloudEvent = (
  message: LeasedMessage,
  options: Pick<QueuePollerOptions, 'functionName' | 'trigger' | 'region' | 'accountId'>,
  now: number,
): MnsCloudEvent => {
  const bus = `MNS-${options.functionName}-${options.trigger.name}`;
  return {
    id: randomUUID(),
    source: bus,
    specversion: '1.0',
    type: 'mns:Queue:SendMessage',
    datacontenttype: 'application/json; charset=utf-8',
    subject: `acs:mns:${options.region}:${options.accountId}:queues/${options.trigger.queueName}`,
    time: new Date(message.enqueuedAt).toISOString(),
    aliyunaccountid: options.accountId,
    aliyunpublishtime: new Date(now).toISOString(),
    aliyunoriginalaccountid: options.accountId,
    aliyuneventbusname: bus,
    aliyunregionid: options.region,
    aliyunpublishaddr: '127.0.0.1',
    data: {
      requestId: randomUUID().replace(/-/g, '').slice(0, 24).toUpperCase(),
      messageId: message.messageId,
      messageBody: mnsMessageBody(message, options.trigger.isBase64Decode),
    },
  };
};

/** Exponential: base, 2*base, 4*base... capped at max. */
export const retryDelaySeconds = (receiveCount: number, base: number, max: number): number =>
  Math.min(max, base * 2 ** Math.max(0, receiveCount - 1));

export const createQueueDelivery = (options: QueuePollerOptions): QueueDelivery => {
  const now = options.now ?? Date.now;
  const log = options.logger.child({ fn: options.functionName, triggerName: options.trigger.name });
  const eventOf = (m: LeasedMessage): unknown => {
    const event = mnsCloudEvent(m, options, now());
    return options.trigger.eventSchema === 'RawData' ? event.data : event;
  };

  const deliver = async (batch: LeasedMessage[], event: unknown): Promise<void> => {
    try {
      await options.invoke(Buffer.from(JSON.stringify(event)));
    } catch (e) {
      // Shutting down is not the message's fault: it goes back at once, for the next start.
      const shuttingDown = e instanceof InvokerClosedError;
      // The function's request log has the failure; here only what happens to the messages.
      for (const m of batch) {
        const delay = shuttingDown ? 0 : retryDelaySeconds(m.receiveCount, options.retryBaseSeconds, options.retryMaxSeconds);
        await options.queue.release(m.receiptHandle, delay);
      }
      if (shuttingDown) return;
      log.warn({ messages: batch.length, receiveCounts: batch.map((m) => m.receiveCount) }, 'delivery failed; messages released for retry');
      return;
    }
    for (const m of batch) await options.queue.delete(m.receiptHandle);
  };

  const pollOnce = async (): Promise<number> => {
    const batch = await options.queue.receive(options.trigger.batchSize, options.visibilitySeconds);
    if (batch.length === 0) return 0;
    if (options.trigger.mode === 'event-streaming') await deliver(batch, batch.map(eventOf));
    else for (const m of batch) await deliver([m], eventOf(m));
    return batch.length;
  };

  return { pollOnce };
};

/** Polls until stopped: at once again after a delivery, after idleMs when the queue was empty. */
export const startQueuePoller = (options: QueuePollerOptions): QueuePoller => {
  const idleMs = options.idleMs ?? 500;
  const { pollOnce } = createQueueDelivery(options);
  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      let handled = 0;
      try {
        handled = await pollOnce();
      } catch (err) {
        options.logger.error({ ...unexpectedErrorFields(err), fn: options.functionName }, 'polling the local queue failed');
      }
      if (handled === 0) await sleep(idleMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  })();
  return {
    stop: async () => {
      stopping.abort();
      await loop;
    },
  };
};
