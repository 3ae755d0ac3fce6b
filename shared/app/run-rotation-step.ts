/**
 * One rotation step per queue message. Each step starts with a guard on the stored job, so a
 * duplicate, late or out-of-order message changes nothing, and a step re-run after a crash gives
 * the same result. Every attempt is published: started, then succeeded or failed.
 */
import { KmsError, TargetError } from '../domain/errors.js';
import { EventTypes, KMS_ROTATION_FAILURE, KMS_ROTATION_SUCCESS } from '../domain/events.js';
import {
  abandonRotation,
  completeStep,
  failRotation,
  failRotationUncertain,
  withLease,
  markPendingStored,
  promote,
  recordRetry,
  retryDelaySeconds,
  stepIndex,
} from '../domain/rotation.js';
import {
  STAGE_CURRENT,
  STAGE_PREVIOUS,
  type ErrorInfo,
  type RotationJob,
  type RotationStep,
  type SecretRecord,
} from '../domain/secret.js';
import { FINALIZE_PROMOTED, RETIRE_PREVIOUS, type RotationMessage } from '../ports/job-queue.js';
import type { TargetDriver } from '../ports/target-driver.js';
import type { UseCaseContext } from './context.js';
import { finalizePromoted, retirePrevious } from './after-promote.js';
import { checkCreatorAtRotation, DeputyRefused } from './deputy-check.js';
import { isJobAbandoned, leaseFrom } from './leases.js';
import { reconcileSecret } from './reconcile.js';
import { inPlaceTargetState, rollForward, targetStateUncertain, uncertainRetryMs } from './settle-in-place.js';

/** Only codes and fixed texts leave a step: a driver's own message might quote a credential. */
const errorInfo = (error: unknown): ErrorInfo =>
  error instanceof KmsError
    ? { code: error.code, message: error.message }
    : { code: 'Rotation.StepFailed', message: 'The rotation step failed with an unexpected error.' };

const isRetryable = (error: unknown): boolean => !(error instanceof TargetError) || error.retryable;

class CustomValueMissing extends KmsError {
  constructor() {
    super('Rotation.CustomValueMissing', 409, 'The custom value for this rotation has not been stored yet.');
  }
}

interface StepRun {
  ctx: UseCaseContext;
  secret: SecretRecord;
  job: RotationJob;
  driver: TargetDriver;
  /** Set by promote when the driver wants the new ACSPrevious retired later. */
}

const valueAt = async (run: StepRun, versionId: string | undefined): Promise<string | null> =>
  versionId === undefined ? null : run.ctx.reveal(run.secret.name, versionId);

const pendingValue = async (run: StepRun): Promise<string> => {
  const value = await valueAt(run, run.job.versionId);
  if (value === null) throw new CustomValueMissing();
  return value;
};

/** Runs the step's target work and returns the record the step commits. */
const stepActions: Record<RotationStep, (run: StepRun, now: number) => Promise<SecretRecord>> = {
  async createPending(run, now) {
    const { ctx, secret, job, driver } = run;
    if ((await ctx.deps.store.getVersion(secret.name, job.versionId)) === null) {
      if (job.customValue) throw new CustomValueMissing();
      const current = await valueAt(run, secret.stages[STAGE_CURRENT]);
      const previous = await valueAt(run, secret.stages[STAGE_PREVIOUS]);
      const { value } = await driver.generate({ secret: ctx.driverSecret(secret), currentValue: current, previousValue: previous });
      const envelope = await ctx.seal(secret.name, job.versionId, value);
      await ctx.deps.store.putVersion({ secretName: secret.name, versionId: job.versionId, createdAt: now, envelope });
    }
    return markPendingStored(secret, now);
  },
  async applyToTarget(run, now) {
    await run.driver.apply({
      secret: run.ctx.driverSecret(run.secret),
      pendingValue: await pendingValue(run),
      currentValue: await valueAt(run, run.secret.stages[STAGE_CURRENT]),
      previousValue: await valueAt(run, run.secret.stages[STAGE_PREVIOUS]),
    });
    return completeStep(run.secret, 'applyToTarget', now);
  },
  async verify(run, now) {
    await run.driver.verify({ secret: run.ctx.driverSecret(run.secret), pendingValue: await pendingValue(run) });
    return completeStep(run.secret, 'verify', now);
  },
  async promote(run, now) {
    // The target work of a promote (finalize) runs after this record is stored: see finalizePromoted.
    return promote(run.secret, now, leaseFrom(run.ctx, now));
  },
};

/** The job this message belongs to, or null when the message is stale. */
const liveJob = (secret: SecretRecord | null, message: RotationMessage): RotationJob | null => {
  const job = secret?.job;
  return job && job.versionId === message.versionId ? job : null;
};

/** The crash tests' seam (ServiceDeps.faultPoint); nothing to wait for when it is unset. */
const reachFaultPoint = (ctx: UseCaseContext, point: string, secretName: string): Promise<void> | undefined =>
  ctx.deps.faultPoint?.(point, secretName);

/**
 * A promote message delivered again once its promote is stored: the runtime may have died between
 * storing it and queuing the finalize, which would then never run (an SSH key or RAM key left
 * active). Queuing it once more is safe: finalize runs late or twice without harm.
 */
const requeueFinalizeOfStoredPromote = async (ctx: UseCaseContext, secret: SecretRecord | null, message: RotationMessage): Promise<void> => {
  if (message.step !== 'promote' || !secret || secret.stages[STAGE_CURRENT] !== message.versionId) return;
  // Once the finalize has run (or was settled) a late promote duplicate owes nothing more; without
  // this check every replayed promote would queue one more finalize, and each of those more work.
  if (secret.pendingFinalize?.versionId !== message.versionId) return;
  await ctx.deps.queue.send({ secretName: secret.name, versionId: message.versionId, step: FINALIZE_PROMOTED });
};

export const runRotationStep = async (ctx: UseCaseContext, message: RotationMessage): Promise<void> => {
  if (message.step === RETIRE_PREVIOUS) {
    await reachFaultPoint(ctx, 'before:retirePrevious', message.secretName);
    await retirePrevious(ctx, message);
    await reachFaultPoint(ctx, 'after:retirePrevious', message.secretName);
    return;
  }
  if (message.step === FINALIZE_PROMOTED) {
    await reachFaultPoint(ctx, 'before:finalizePromoted', message.secretName);
    await finalizePromoted(ctx, message);
    await reachFaultPoint(ctx, 'after:finalizePromoted', message.secretName);
    return;
  }
  const secret = await ctx.deps.store.getSecret(message.secretName);
  const job = liveJob(secret, message);
  if (!secret || !job) return requeueFinalizeOfStoredPromote(ctx, secret, message);
  // Deletion scheduled mid-rotation stops it only before the target is touched; once apply may
  // have run, the rotation rolls forward, or ACSCurrent would name a credential the target dropped.
  if (secret.plannedDeleteAt !== null && job.step === 'createPending') return abandon(ctx, secret, job);
  if (stepIndex(job.step) > stepIndex(message.step)) {
    // The step was done but its successor may never have been queued (a crash between the two).
    // Only a stalled job is re-driven: a live one may be waiting out a retry backoff. A crash
    // leaves this message unacknowledged, so it comes back: where the dead worker's lease can be
    // told apart, that resumes the rotation at once instead of after the lease.
    if (isJobAbandoned(ctx, job, ctx.now())) await reconcileSecret(ctx, secret);
    return;
  }
  if (job.step !== message.step) return;
  const driver = ctx.driverFor(secret);
  if (!driver) return finish(ctx, secret, failRotation(secret, noDriverError, ctx.now()), job);

  const refused = await deputyRefusalAt(ctx, secret, job, driver);
  if (refused) return finish(ctx, secret, failRotation(secret, refused, ctx.now()), job);

  await reachFaultPoint(ctx, `before:${job.step}`, secret.name);
  const stepStarted = ctx.now();
  await ctx.emit(EventTypes.stepStarted, secret, { versionId: job.versionId, step: job.step, attempt: job.attempt });
  let next: SecretRecord;
  const run: StepRun = { ctx, secret, job, driver };
  try {
    next = await stepActions[job.step](run, stepStarted);
  } catch (error) {
    return handleStepFailure(ctx, secret, job, driver, error, stepStarted);
  }
  const stored = await ctx.deps.store.updateSecret(withLease(next, leaseFrom(ctx, ctx.now())), secret.revision);
  await reachFaultPoint(ctx, `after:${job.step}`, secret.name);
  if (job.step === 'promote') {
    // If the runtime dies before this send, the promote message comes back unacknowledged and
    // requeueFinalizeOfStoredPromote sends it then.
    await ctx.deps.queue.send({ secretName: secret.name, versionId: job.versionId, step: FINALIZE_PROMOTED });
  }
  const durationMs = ctx.now() - stepStarted;
  await ctx.emit(EventTypes.stepSucceeded, stored, { versionId: job.versionId, step: job.step, attempt: job.attempt, durationMs });
  if (stored.job) {
    await ctx.deps.queue.send({ ...message, step: stored.job.step });
    return;
  }
  await ctx.emit(EventTypes.rotationSucceeded, stored, {
    versionId: job.versionId,
    trigger: job.trigger,
    durationMs: ctx.now() - job.startedAt,
    kmsEventName: KMS_ROTATION_SUCCESS,
  });
};

/** Steps that may reach the target: generate (RAM creates a key), apply. Later steps finish what these began. */
const TARGET_STEPS: readonly RotationStep[] = ['createPending', 'applyToTarget'];

/**
 * The creating key's current policies must still allow the managing secrets and targets this
 * rotation acts on; a refusal stops the rotation before the step touches anything, without retries.
 */
const deputyRefusalAt = async (ctx: UseCaseContext, secret: SecretRecord, job: RotationJob, driver: TargetDriver): Promise<ErrorInfo | null> => {
  if (!TARGET_STEPS.includes(job.step) || !secret.createdBy) return null;
  const values = [secret.stages[STAGE_CURRENT], secret.stages[STAGE_PREVIOUS], job.versionId];
  const revealed = await Promise.all(values.map((id) => (id === undefined ? null : ctx.reveal(secret.name, id))));
  try {
    await checkCreatorAtRotation(ctx, driver, secret, revealed);
    return null;
  } catch (error) {
    if (error instanceof DeputyRefused) return errorInfo(error);
    throw error;
  }
};

const noDriverError: ErrorInfo = { code: 'Rejected.Unavailable', message: 'No rotation target serves this secret.' };

const handleStepFailure = async (
  ctx: UseCaseContext,
  secret: SecretRecord,
  job: RotationJob,
  driver: TargetDriver,
  error: unknown,
  stepStarted: number,
): Promise<void> => {
  const info = errorInfo(error);
  const { maxStepAttempts, retryBaseSeconds, retryMaxSeconds } = ctx.deps.settings;
  const willRetry = isRetryable(error) && job.attempt < maxStepAttempts;
  const now = ctx.now();
  await ctx.emit(EventTypes.stepFailed, secret, {
    versionId: job.versionId,
    step: job.step,
    attempt: job.attempt,
    durationMs: now - stepStarted,
    error: info,
    willRetry,
  });
  if (!willRetry) return giveUp(ctx, secret, job, driver, info);
  const delaySeconds = retryDelaySeconds(job.attempt, retryBaseSeconds, retryMaxSeconds, ctx.deps.random ?? Math.random);
  // The lease covers the backoff, so the reconciler leaves a rotation that is only waiting alone.
  await ctx.deps.store.updateSecret(withLease(recordRetry(secret, info, now), leaseFrom(ctx, now, delaySeconds)), secret.revision);
  await ctx.deps.queue.send({ secretName: secret.name, versionId: job.versionId, step: job.step }, { delaySeconds });
};

/** Out of attempts: an in-place target is asked first which value it accepts (see settle-in-place). */
const giveUp = async (ctx: UseCaseContext, secret: SecretRecord, job: RotationJob, driver: TargetDriver, info: ErrorInfo): Promise<void> => {
  const state = await inPlaceTargetState(ctx, secret, job, driver);
  if (state === 'pendingAccepted') return rollForward(ctx, secret, job, info);
  const now = ctx.now();
  if (state === 'uncertain')
    return finish(ctx, secret, failRotationUncertain(secret, targetStateUncertain(info), now, uncertainRetryMs(ctx)), job, info);
  return finish(ctx, secret, failRotation(secret, info, now), job);
};

const finish = async (ctx: UseCaseContext, secret: SecretRecord, failed: SecretRecord, job: RotationJob, stepError?: ErrorInfo): Promise<void> => {
  const stored = await ctx.deps.store.updateSecret(failed, secret.revision);
  await ctx.emit(EventTypes.rotationFailed, stored, {
    versionId: job.versionId,
    step: job.step,
    attempt: job.attempt,
    trigger: job.trigger,
    error: stored.lastRotation?.error ?? null,
    ...(stepError ? { stepError } : {}),
    durationMs: ctx.now() - job.startedAt,
    kmsEventName: KMS_ROTATION_FAILURE,
  });
};

/** Deletion was scheduled mid-rotation: stop, keep ACSCurrent, and say so. */
const abandon = async (ctx: UseCaseContext, secret: SecretRecord, job: RotationJob): Promise<void> => {
  const info: ErrorInfo = { code: 'Rejected.ResourceInDeleteWindow', message: 'The secret was scheduled for deletion.' };
  const stored = await ctx.deps.store.updateSecret(abandonRotation(secret, info, ctx.now()), secret.revision);
  await ctx.emit(EventTypes.rotationAbandoned, stored, { versionId: job.versionId, step: job.step, error: info, reason: 'deletion' });
};
