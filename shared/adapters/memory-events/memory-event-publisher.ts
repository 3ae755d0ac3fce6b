import type { EventPublisher, RotorEvent } from '../../ports/event-publisher.js';

/** Keeps published events in memory, in order: for tests, benchmarks and embedding. */
export class MemoryEventPublisher implements EventPublisher {
  readonly events: RotorEvent[] = [];

  async publish(event: RotorEvent): Promise<void> {
    // A copy, so a publisher that reuses or mutates its event object cannot rewrite history.
    this.events.push(structuredClone(event));
  }
}
