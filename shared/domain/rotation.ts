/**
 * The rotation state machine as pure functions over SecretRecord. Each returns the next record;
 * use cases persist it with a conditional write, so a transition happens at most once.
 *
 *   createPending -> applyToTarget -> verify -> promote -> (done)
 */
import { rotationInProgress, rotationRateExceeded } from './errors.js';
import {
  ROTATION_STEPS,
  STAGE_CURRENT,
  STAGE_PENDING,
  STAGE_PREVIOUS,
  type ErrorInfo,
  type RotationStep,
  type RotationTrigger,
  type SecretRecord,
} from './secret.js';

const HOUR_MS = 3_600_000;

export const stepIndex = (step: RotationStep): number => ROTATION_STEPS.indexOf(step);

export const nextStep = (step: RotationStep): RotationStep | null => ROTATION_STEPS[stepIndex(step) + 1] ?? null;

/** The new record when a rotation claims the secret; throws when another rotation holds it or the rate is spent. */
export const claimRotation = (
  secret: SecretRecord,
  claim: { versionId: string; trigger: RotationTrigger; customValue: boolean; now: number; perHour: number },
): SecretRecord => {
  if (secret.job) throw rotationInProgress(secret.name);
  const window =
    claim.now - secret.rotationWindow.startedAt >= HOUR_MS
      ? { startedAt: claim.now, count: 0 }
      : secret.rotationWindow;
  if (window.count >= claim.perHour) throw rotationRateExceeded(secret.name, claim.perHour);
  return {
    ...secret,
    updatedAt: claim.now,
    rotationWindow: { startedAt: window.startedAt, count: window.count + 1 },
    job: {
      versionId: claim.versionId,
      step: 'createPending',
      attempt: 1,
      trigger: claim.trigger,
      startedAt: claim.now,
      stepStartedAt: claim.now,
      customValue: claim.customValue,
      lastError: null,
    },
  };
};

/** Records that `step` finished: the job moves to the following step with a fresh attempt count. */
export const completeStep = (secret: SecretRecord, step: RotationStep, now: number): SecretRecord => {
  const job = secret.job;
  const following = nextStep(step);
  if (!job || job.step !== step || following === null) return secret;
  return { ...secret, updatedAt: now, job: { ...job, step: following, attempt: 1, stepStartedAt: now, lastError: null } };
};

export const markPendingStored = (secret: SecretRecord, now: number): SecretRecord => {
  const job = secret.job;
  if (!job) return secret;
  return completeStep({ ...secret, stages: { ...secret.stages, [STAGE_PENDING]: job.versionId } }, 'createPending', now);
};

/** The step's attempt failed and will be retried. */
export const recordRetry = (secret: SecretRecord, error: ErrorInfo, now: number): SecretRecord => {
  const job = secret.job;
  if (!job) return secret;
  return { ...secret, updatedAt: now, job: { ...job, attempt: job.attempt + 1, lastError: error } };
};

const scheduleNext = (secret: SecretRecord, now: number): number | null =>
  secret.rotation.enabled && secret.rotation.intervalSeconds !== null
    ? now + secret.rotation.intervalSeconds * 1000
    : null;

/**
 * The pending version becomes ACSCurrent, the old current becomes ACSPrevious, and the version
 * that was previous loses that label. The rotation is over.
 */
export const promote = (secret: SecretRecord, now: number): SecretRecord => {
  const job = secret.job;
  if (!job) return secret;
  const stages = { ...secret.stages };
  const oldCurrent = stages[STAGE_CURRENT];
  delete stages[STAGE_PENDING];
  if (oldCurrent !== undefined && oldCurrent !== job.versionId) stages[STAGE_PREVIOUS] = oldCurrent;
  stages[STAGE_CURRENT] = job.versionId;
  return {
    ...secret,
    updatedAt: now,
    stages,
    job: null,
    lastRotation: { versionId: job.versionId, status: 'Succeeded', finishedAt: now, error: null },
    rotation: { ...secret.rotation, lastRotatedAt: now, nextRotationAt: scheduleNext(secret, now) },
  };
};

/**
 * The rotation gives up: ACSCurrent is untouched, the pending label is dropped (the version stays,
 * unlabelled), and the next scheduled attempt is one interval away so a broken target is not hammered.
 */
export const failRotation = (secret: SecretRecord, error: ErrorInfo, now: number): SecretRecord => {
  const job = secret.job;
  if (!job) return secret;
  const stages = { ...secret.stages };
  delete stages[STAGE_PENDING];
  return {
    ...secret,
    updatedAt: now,
    stages,
    job: null,
    lastRotation: { versionId: job.versionId, status: 'Failed', finishedAt: now, error },
    rotation: { ...secret.rotation, nextRotationAt: scheduleNext(secret, now) },
  };
};

/** Exponential backoff with full jitter, capped. `random` returns [0, 1). */
export const retryDelaySeconds = (
  attempt: number,
  baseSeconds: number,
  maxSeconds: number,
  random: () => number,
): number => {
  const ceiling = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
  return Math.max(baseSeconds / 2, ceiling * random());
};
