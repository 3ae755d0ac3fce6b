/**
 * The Alibaba Cloud adapters for the rotation queue (MNS), monitoring events (MNS topic) and
 * master key (KMS), built once per container from a typed config. The adapters are loaded with
 * dynamic imports, so a local bundle never loads the cloud SDKs.
 *
 * Credentials come from a function called before each cloud call: on Function Compute it returns
 * the latest invocation context's STS credentials, and each SDK client is rebuilt only when they
 * change.
 */
import type { CredentialsProvider } from '../adapters/support/cloud-credentials.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { JobQueueConsumer } from '../ports/job-queue-consumer.js';
import type { KeyProvider } from '../ports/key-provider.js';
import { deadLetteredEvent } from './dead-letter-event.js';

export type { CloudCredentials, CredentialsProvider } from '../adapters/support/cloud-credentials.js';

export interface CloudAdapterConfig {
  /** e.g. cn-hangzhou: the default MNS and KMS endpoints are derived from it. */
  region: string;
  mns: {
    accountId: string;
    /** Default https://<accountId>.mns.<region>.aliyuncs.com (use the -internal host inside the region). */
    endpoint?: string;
    /** The rotation step queue. */
    queueName: string;
    /** Default `<queueName>-dlq`. */
    deadLetterQueueName?: string;
    /** Deliveries before a step message is dead-lettered (when this process consumes the queue). */
    maxReceives?: number;
    /** The monitoring events topic. */
    topicName: string;
  };
  kms: {
    /** Default kms.<region>.aliyuncs.com; kms-vpc.<region>.aliyuncs.com from inside a VPC. */
    endpoint?: string;
    /** The master key: id, ARN or alias/... */
    keyId: string;
  };
}

export interface CloudAdapters {
  queue: JobQueueConsumer;
  events: EventPublisher;
  keys: KeyProvider;
}

export interface CloudAdapterOptions {
  /** Stamps dead letters. Default: the system clock. */
  clock?: Clock;
}

const requireText = (value: string | undefined, name: string): string => {
  if (value === undefined || value.trim() === '') throw new Error(`The cloud adapter setting ${name} must not be empty.`);
  return value;
};

/**
 * Builds the three adapters. Dead-lettering a step message publishes
 * `com.secretrotor.rotation.dead-lettered` on the events topic before the message leaves the queue.
 */
export const createCloudAdapters = async (
  config: CloudAdapterConfig,
  credentials: CredentialsProvider,
  options: CloudAdapterOptions = {},
): Promise<CloudAdapters> => {
  const region = requireText(config.region, 'region');
  const accountId = requireText(config.mns.accountId, 'mns.accountId');
  const queueName = requireText(config.mns.queueName, 'mns.queueName');
  const topicName = requireText(config.mns.topicName, 'mns.topicName');
  const keyId = requireText(config.kms.keyId, 'kms.keyId');

  const [mnsClient, { MnsJobQueue }, { MnsTopicEventPublisher }, kmsClient, { KmsKeyProvider }] = await Promise.all([
    import('../adapters/mns/mns-client.js'),
    import('../adapters/mns/mns-job-queue.js'),
    import('../adapters/mns/mns-topic-event-publisher.js'),
    import('../adapters/kms/kms-client.js'),
    import('../adapters/kms/kms-key-provider.js'),
  ]);

  const mns = mnsClient.createRotatingMnsClient(
    { accountId, endpoint: config.mns.endpoint ?? `https://${accountId}.mns.${region}.aliyuncs.com` },
    credentials,
  );
  const events = new MnsTopicEventPublisher({ client: mns, topicName });
  const queue = new MnsJobQueue({
    client: mns,
    queueName,
    deadLetterQueueName: config.mns.deadLetterQueueName,
    maxReceives: config.mns.maxReceives,
    clock: options.clock ?? systemClock,
    onDeadLetter: (deadLetter) => events.publish(deadLetteredEvent(deadLetter, queueName)),
  });
  const keys = new KmsKeyProvider({
    keyId,
    client: kmsClient.createKmsClient({ endpoint: config.kms.endpoint ?? `kms.${region}.aliyuncs.com`, regionId: region }, credentials),
  });
  return { queue, events, keys };
};
