import type { RotationStep } from '../domain/secret.js';

/** One rotation step to run. Delivered at least once; handlers are idempotent. */
export interface RotationMessage {
  secretName: string;
  versionId: string;
  step: RotationStep;
}

export interface SendOptions {
  /** Seconds before the message becomes visible (retry backoff). */
  delaySeconds?: number;
}

/** The producer side of the rotation step queue. Consumption is the trigger's business. */
export interface JobQueue {
  send(message: RotationMessage, options?: SendOptions): Promise<void>;
}
