import { ROTATION_STEPS, type RotationStep } from '../domain/secret.js';

/**
 * Not a step of the rotation job: the delayed retirement of the version `versionId`, which became
 * ACSPrevious at a promote whose finalize asked for a cleanup later (FinalizeResponse).
 */
export const RETIRE_PREVIOUS = 'retirePrevious';

/**
 * Not a step of the rotation job either: the driver's finalize for the version `versionId`, run
 * after the promote that made it ACSCurrent was stored, so a finalize that retires old credentials
 * can never leave ACSCurrent pointing at one of them.
 */
export const FINALIZE_PROMOTED = 'finalizePromoted';

export type QueuedStep = RotationStep | typeof RETIRE_PREVIOUS | typeof FINALIZE_PROMOTED;

export const QUEUED_STEPS: readonly QueuedStep[] = [...ROTATION_STEPS, FINALIZE_PROMOTED, RETIRE_PREVIOUS];

/** One rotation step to run. Delivered at least once; handlers are idempotent. */
export interface RotationMessage {
  secretName: string;
  versionId: string;
  step: QueuedStep;
}

export interface SendOptions {
  /** Seconds before the message becomes visible (retry backoff). */
  delaySeconds?: number;
}

/** The producer side of the rotation step queue. Consumption is the trigger's business. */
export interface JobQueue {
  send(message: RotationMessage, options?: SendOptions): Promise<void>;
}
