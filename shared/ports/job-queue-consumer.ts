import type { JobQueue, RotationMessage } from './job-queue.js';

/**
 * The consumer side of the rotation step queue. In the cloud the FC MNS trigger plays this part;
 * the local runtime drives it itself. Delivery is at least once.
 */
export interface LeasedMessage {
  messageId: string;
  /** Valid until the message is received again; then only the new handle works. */
  receiptHandle: string;
  body: RotationMessage;
  /** 1 on the first delivery. */
  receiveCount: number;
  /** Milliseconds since the epoch. */
  enqueuedAt: number;
}

/** A message given up on after too many deliveries. */
export interface DeadLetter {
  messageId: string;
  body: RotationMessage;
  /** Deliveries made before it was given up on. */
  receiveCount: number;
  enqueuedAt: number;
  deadAt: number;
}

export interface JobQueueConsumer extends JobQueue {
  /**
   * Leases up to max visible messages. Each stays invisible for visibilitySeconds, then is
   * delivered again unless deleted. Order is best effort (MNS promises none); the local queue
   * delivers soonest visible first, then oldest first.
   */
  receive(max: number, visibilitySeconds: number): Promise<LeasedMessage[]>;
  /** Acknowledges a message; false when the handle is stale or unknown. */
  delete(receiptHandle: string): Promise<boolean>;
  /** Gives a leased message back, visible again after delaySeconds. A stale handle is ignored. */
  release(receiptHandle: string, delaySeconds: number): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
}
