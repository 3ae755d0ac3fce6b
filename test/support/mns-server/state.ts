import { randomBytes } from 'node:crypto';

export interface QueueAttributes {
  visibilityTimeout: number;
  maximumMessageSize: number;
  messageRetentionPeriod: number;
  delaySeconds: number;
  pollingWaitSeconds: number;
  loggingEnabled: boolean;
}

export interface StoredMessage {
  messageId: string;
  body: string;
  bodyMd5: string;
  priority: number;
  /** Milliseconds since the epoch, by the server clock. */
  enqueueTime: number;
  visibleAt: number;
  firstDequeueTime: number | undefined;
  dequeueCount: number;
  /** The one handle that may delete it or change its visibility; cleared when it becomes visible again. */
  receiptHandle: string | undefined;
  /** Send order, the tie-breaker among equal priorities. */
  sequence: number;
}

export interface QueueRecord {
  name: string;
  createTime: number;
  lastModifyTime: number;
  attributes: QueueAttributes;
  messages: StoredMessage[];
}

export type NotifyContentFormat = 'SIMPLIFIED' | 'XML' | 'JSON';

export interface SubscriptionRecord {
  name: string;
  /** The queue endpoint as MNS writes it: `acs:mns:<region>:<accountId>:queues/<queue>`. */
  endpoint: string;
  queueName: string;
  filterTag: string | undefined;
  notifyContentFormat: NotifyContentFormat;
  notifyStrategy: string;
  createTime: number;
}

export interface PublishedMessage {
  messageId: string;
  body: string;
  bodyMd5: string;
  tag: string | undefined;
  publishTime: number;
}

export interface TopicAttributes {
  maximumMessageSize: number;
  loggingEnabled: boolean;
}

export interface TopicRecord {
  name: string;
  createTime: number;
  lastModifyTime: number;
  attributes: TopicAttributes;
  published: PublishedMessage[];
  subscriptions: Map<string, SubscriptionRecord>;
}

export interface SubscribeOptions {
  filterTag?: string;
  notifyContentFormat?: NotifyContentFormat;
  /** Server-clock milliseconds; the test hook has no clock of its own. */
  now?: number;
}

/**
 * Everything an MNS account holds. It lives outside the HTTP server so a test can stop the server and
 * start a new one on the same port with the same state, as if the service had restarted.
 */
export class MnsState {
  readonly accountId: string;
  readonly region = 'cn-hangzhou';
  readonly queues = new Map<string, QueueRecord>();
  readonly topics = new Map<string, TopicRecord>();
  private sequence = 0;

  constructor(options: { accountId?: string } = {}) {
    this.accountId = options.accountId ?? '1000000000000001';
  }

  nextSequence(): number {
    this.sequence += 1;
    return this.sequence;
  }

  newMessageId(): string {
    const sequence = this.nextSequence().toString(16).toUpperCase().padStart(8, '0');
    return `${randomBytes(8).toString('hex').toUpperCase()}-1-${sequence}`;
  }

  queueEndpoint(queueName: string): string {
    return `acs:mns:${this.region}:${this.accountId}:queues/${queueName}`;
  }

  /** Test hook: what was published to a topic, oldest first (empty when the topic does not exist). */
  published(topicName: string): PublishedMessage[] {
    return [...(this.topics.get(topicName)?.published ?? [])];
  }

  /** Test hook: every stored message of a queue, visible or not, as copies. */
  messages(queueName: string): StoredMessage[] {
    return (this.queues.get(queueName)?.messages ?? []).map((message) => ({ ...message }));
  }

  /**
   * Test hook: subscribe a queue to a topic (the SDK's `subscribe` is a stub that sends nothing; the
   * Subscribe REST route does the same through HTTP).
   */
  subscribe(topicName: string, subscriptionName: string, queueName: string, options: SubscribeOptions = {}): void {
    const topic = this.topics.get(topicName);
    if (!topic) throw new Error(`topic ${topicName} does not exist`);
    topic.subscriptions.set(subscriptionName, {
      name: subscriptionName,
      endpoint: this.queueEndpoint(queueName),
      queueName,
      filterTag: options.filterTag,
      notifyContentFormat: options.notifyContentFormat ?? 'XML',
      notifyStrategy: 'BACKOFF_RETRY',
      createTime: options.now ?? 0,
    });
  }
}
