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
  type Lease,
  type RotationBacklog,
  type RotationJob,
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
  claim: {
    versionId: string;
    trigger: RotationTrigger;
    customValue: boolean;
    now: number;
    perHour: number;
    lease?: Lease;
    targetKind?: string;
  },
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
    backlog: null,
    job: {
      versionId: claim.versionId,
      step: 'createPending',
      attempt: 1,
      trigger: claim.trigger,
      startedAt: claim.now,
      stepStartedAt: claim.now,
      customValue: claim.customValue,
      lastError: null,
      ...(claim.lease ? { lease: claim.lease, reconciles: 0 } : {}),
      ...(claim.targetKind ? { targetKind: claim.targetKind } : {}),
    },
  };
};

/** Records that `step` finished: the job moves to the following step with a fresh attempt count. */
export const completeStep = (secret: SecretRecord, step: RotationStep, now: number): SecretRecord => {
  const job = secret.job;
  const following = nextStep(step);
  if (!job || job.step !== step || following === null) return secret;
  const progressed = { ...job, step: following, attempt: 1, stepStartedAt: now, lastError: null };
  // Progress resets the count of re-drives: the budget is per stalled step.
  if (job.reconciles !== undefined) progressed.reconciles = 0;
  return { ...secret, updatedAt: now, job: progressed };
};

/** The job's lease handed to `lease` (a step committed, or the reconciler took over). */
export const withLease = (secret: SecretRecord, lease: Lease): SecretRecord =>
  secret.job ? { ...secret, job: { ...secret.job, lease } } : secret;

export const isLeaseExpired = (job: RotationJob, now: number): boolean =>
  (job.lease?.expiresAt ?? job.stepStartedAt) <= now;

/** The reconciler re-drives the current step of a stalled rotation under its own lease. */
export const redriveStalled = (secret: SecretRecord, lease: Lease, now: number): SecretRecord => {
  const job = secret.job;
  if (!job) return secret;
  return { ...secret, updatedAt: now, job: { ...job, lease, reconciles: (job.reconciles ?? 0) + 1 } };
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
export const promote = (secret: SecretRecord, now: number, finalizeLease?: Lease): SecretRecord => {
  const job = secret.job;
  if (!job) return secret;
  // The driver's finalize is owed from here on; recorded so a lost finalize message is re-queued.
  const pendingFinalize = finalizeLease ? { pendingFinalize: { versionId: job.versionId, lease: finalizeLease, reconciles: 0 } } : {};
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
    ...pendingFinalize,
  };
};

/**
 * The rotation gives up: ACSCurrent is untouched, the pending label is dropped (the version stays,
 * unlabelled), and the next scheduled attempt is one interval away so a broken target is not hammered.
 */
export const failRotation = (
  secret: SecretRecord,
  error: ErrorInfo,
  now: number,
  status: 'Failed' | 'Abandoned' = 'Failed',
): SecretRecord => {
  const job = secret.job;
  if (!job) return secret;
  const stages = { ...secret.stages };
  delete stages[STAGE_PENDING];
  return {
    ...secret,
    updatedAt: now,
    stages,
    job: null,
    lastRotation: { versionId: job.versionId, status, finishedAt: now, error },
    rotation: { ...secret.rotation, nextRotationAt: scheduleNext(secret, now) },
  };
};

/**
 * The rotation gives up without knowing which value the target accepts (an in-place apply whose
 * answers were lost, and the target cannot tell now): the pending label stays on the value that may
 * be the live one, so nothing is lost, and a scheduled rotation comes back after `retryAfterMs` rather than
 * an interval, since a fresh rotation puts the target back into a known state.
 */
export const failRotationUncertain = (
  secret: SecretRecord,
  error: ErrorInfo,
  now: number,
  retryAfterMs: number,
  status: 'Failed' | 'Abandoned' = 'Failed',
): SecretRecord => {
  const job = secret.job;
  if (!job) return secret;
  const failed = failRotation(secret, error, now, status);
  const retryAt = failed.rotation.nextRotationAt === null ? null : Math.min(failed.rotation.nextRotationAt, now + retryAfterMs);
  return {
    ...failed,
    stages: { ...failed.stages, [STAGE_PENDING]: job.versionId },
    rotation: { ...failed.rotation, nextRotationAt: retryAt },
  };
};

/** Given up on (stalled beyond repair, or stopped by a deletion): rolled back to ACSCurrent like a failure, and said so. */
export const abandonRotation = (secret: SecretRecord, error: ErrorInfo, now: number): SecretRecord =>
  failRotation(secret, error, now, 'Abandoned');

/**
 * A due rotation that cannot start now moves out of the way until `until`, so it does not hold the
 * head of the due index; the backlog remembers since when it has been due.
 */
export const deferRotation = (secret: SecretRecord, until: number, now: number, overdueReported: boolean): SecretRecord => {
  const backlog = currentBacklog(secret);
  const dueSince = backlog?.dueSince ?? secret.rotation.nextRotationAt ?? now;
  return {
    ...secret,
    rotation: { ...secret.rotation, nextRotationAt: until },
    backlog: { dueSince, deferrals: (backlog?.deferrals ?? 0) + 1, overdueReported, deferredUntil: until },
  };
};

/**
 * The backlog of the occurrence now due, or null: a backlog whose deferral no longer matches the
 * due time (the policy changed since) belongs to an occurrence that is over.
 */
export const currentBacklog = (secret: SecretRecord): RotationBacklog | null => {
  const backlog = secret.backlog;
  if (!backlog) return null;
  return backlog.deferredUntil === undefined || backlog.deferredUntil === secret.rotation.nextRotationAt ? backlog : null;
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
