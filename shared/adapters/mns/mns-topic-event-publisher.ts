/**
 * Publishes monitoring events to an MNS topic, which alerting systems subscribe to (a queue, an
 * HTTP endpoint, or an FC mns_topic trigger). Each message body is base64 of the CloudEvent JSON
 * (the SDK does not XML-escape bodies); its MessageTag is the event's short tag (event-tags.ts),
 * so a subscription's FilterTag picks the events it wants.
 */
import type { EventPublisher, RotorEvent } from '../../ports/event-publisher.js';
import { eventTag } from './event-tags.js';
import type { MnsClientLike } from './mns-client.js';
import { encodeJsonBody } from './message-body.js';

export interface MnsTopicEventPublisherOptions {
  client: MnsClientLike;
  topicName: string;
}

export class MnsTopicEventPublisher implements EventPublisher {
  readonly topicName: string;
  private readonly client: MnsClientLike;

  constructor(options: MnsTopicEventPublisherOptions) {
    this.client = options.client;
    this.topicName = options.topicName;
  }

  async publish(event: RotorEvent): Promise<void> {
    await this.client.publishMessage(this.topicName, { MessageBody: encodeJsonBody(event), MessageTag: eventTag(event.type) });
  }
}
