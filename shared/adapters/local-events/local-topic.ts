/**
 * The local stand-in for the monitoring topic's subscriptions: every event published is handed to
 * each subscriber once it is stored, as MNS pushes a message to its subscriptions after accepting
 * it. Subscribers run after publish returns (a slow or failing one never holds up the publisher).
 */
import type { EventPublisher, RotorEvent } from '../../ports/event-publisher.js';

/** Handles its own failures: the publisher has returned by the time it runs. */
export type TopicSubscriber = (event: RotorEvent) => void;

export class LocalTopicPublisher implements EventPublisher {
  private readonly subscribers = new Set<TopicSubscriber>();

  constructor(private readonly inner: EventPublisher) {}

  /** Returns the unsubscribe function. */
  subscribe(subscriber: TopicSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  async publish(event: RotorEvent): Promise<void> {
    await this.inner.publish(event);
    for (const subscriber of this.subscribers) queueMicrotask(() => subscriber(event));
  }
}
