import type { RotorEvent } from './event-publisher.js';

/**
 * Reads back recent monitoring events, for views built from them (the console's rotation
 * timeline and health figures). Only backends that keep their events readable offer one; on
 * Alibaba Cloud the events go to an MNS topic and are read by its subscribers instead.
 */
export interface EventHistory {
  /** Events at or after `sinceMs`, oldest first; `subject` narrows them to one secret. */
  recent(query: { sinceMs: number; subject?: string }): Promise<RotorEvent[]>;
}
