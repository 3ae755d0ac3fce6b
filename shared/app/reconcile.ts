/**
 * The reconciler, run on the rotate timer (and by the local runtime as it starts): rotations whose
 * lease ran out or whose lease holder is known to be gone (ServiceDeps.isLeaseOwnerAlive) — a
 * worker died, a message was lost or dead-lettered, a crash between a claim and its first message
 * — are driven forward from their last durable step by queueing that step again; when they cannot
 * go on, they are rolled back to ACSCurrent as abandoned, with an event. A promote whose finalize was never
 * confirmed gets its finalize queued again. Nothing is left for anyone to clean up by hand.
 */
import { ConflictError } from '../domain/errors.js';
import { EventTypes, KMS_ROTATION_FAILURE } from '../domain/events.js';
import { abandonRotation, failRotationUncertain, redriveStalled } from '../domain/rotation.js';
import type { ErrorInfo, RotationJob, SecretRecord } from '../domain/secret.js';
import { FINALIZE_PROMOTED } from '../ports/job-queue.js';
import type { UseCaseContext } from './context.js';
import { isJobAbandoned, isLeaseAbandoned, leaseFrom } from './leases.js';
import { inPlaceTargetState, rollForward, targetStateUncertain, uncertainRetryMs } from './settle-in-place.js';

export interface ReconcileResult {
  /** Rows the lease index returned (every leased row when lease holders can be checked). */
  expiredRead: number;
  /** Stalled rotations whose current step was queued again. */
  redriven: number;
  /** Stalled rotations given up on (rolled back to ACSCurrent). */
  abandoned: number;
  /** Stalled rotations an in-place target had already taken: promoted instead of given up on. */
  rolledForward: number;
  /** Unconfirmed finalizes queued again. */
  finalizesRequeued: number;
}

const STALLED_TOO_OFTEN: ErrorInfo = {
  code: 'Rotation.Stalled',
  message: 'The rotation stopped making progress and was abandoned after repeated attempts to resume it.',
};
const NO_DRIVER: ErrorInfo = { code: 'Rejected.Unavailable', message: 'No rotation target serves this secret any more.' };
const IN_DELETE_WINDOW: ErrorInfo = { code: 'Rejected.ResourceInDeleteWindow', message: 'The secret was scheduled for deletion.' };
const VALUE_LOST: ErrorInfo = {
  code: 'Rotation.CustomValueMissing',
  message: 'The custom value of this rotation was never stored; start the rotation again.',
};

/** Why a stalled rotation cannot be resumed, or null when queueing its step again may work. */
const whyNotResumable = async (ctx: UseCaseContext, secret: SecretRecord, job: RotationJob): Promise<ErrorInfo | null> => {
  if ((job.reconciles ?? 0) >= ctx.deps.settings.maxReconciles) return STALLED_TOO_OFTEN;
  if (!ctx.driverFor(secret)) return NO_DRIVER;
  if (job.step !== 'createPending') return null;
  // Before the target is touched, a deletion stops the rotation (as the step itself would).
  if (secret.plannedDeleteAt !== null) return IN_DELETE_WINDOW;
  // A custom value is stored right after the claim; a crash in between loses it for good.
  if (job.customValue && (await ctx.deps.store.getVersion(secret.name, job.versionId)) === null) return VALUE_LOST;
  return null;
};

/** Queues the current step of a stalled rotation again, under a fresh lease. */
const redrive = async (ctx: UseCaseContext, secret: SecretRecord): Promise<void> => {
  const job = secret.job;
  if (!job) return;
  const now = ctx.now();
  await ctx.deps.store.updateSecret(redriveStalled(secret, leaseFrom(ctx, now), now), secret.revision);
  await ctx.deps.queue.send({ secretName: secret.name, versionId: job.versionId, step: job.step });
};

/** Rolled back to ACSCurrent, or forward when an in-place target already took the pending value (see settle-in-place). */
const abandonStalled = async (ctx: UseCaseContext, secret: SecretRecord, job: RotationJob, reason: ErrorInfo): Promise<'abandoned' | 'rolledForward'> => {
  const state = await inPlaceTargetState(ctx, secret, job, ctx.driverFor(secret));
  if (state === 'pendingAccepted') {
    await rollForward(ctx, secret, job, reason);
    return 'rolledForward';
  }
  const now = ctx.now();
  const abandoned =
    state === 'uncertain'
      ? failRotationUncertain(secret, targetStateUncertain(reason), now, uncertainRetryMs(ctx), 'Abandoned')
      : abandonRotation(secret, reason, now);
  const stored = await ctx.deps.store.updateSecret(abandoned, secret.revision);
  await ctx.emit(EventTypes.rotationAbandoned, stored, {
    versionId: job.versionId,
    step: job.step,
    attempt: job.attempt,
    reconciles: job.reconciles ?? 0,
    trigger: job.trigger,
    error: stored.lastRotation?.error ?? reason,
    ...(state === 'uncertain' ? { stepError: reason } : {}),
    reason: 'stalled',
    durationMs: ctx.now() - job.startedAt,
    kmsEventName: KMS_ROTATION_FAILURE,
  });
  return 'abandoned';
};

/** Queues an unconfirmed finalize again, or gives it up (old credentials stay valid: no lock-out). */
const reconcileFinalize = async (ctx: UseCaseContext, secret: SecretRecord, now: number): Promise<'requeued' | 'dropped'> => {
  const pending = secret.pendingFinalize;
  if (!pending) return 'dropped';
  if (pending.reconciles >= ctx.deps.settings.maxReconciles) {
    await ctx.deps.store.updateSecret({ ...secret, pendingFinalize: null }, secret.revision);
    await ctx.emit(EventTypes.stepFailed, secret, {
      versionId: pending.versionId,
      step: FINALIZE_PROMOTED,
      attempt: pending.reconciles + 1,
      error: STALLED_TOO_OFTEN,
      willRetry: false,
    });
    return 'dropped';
  }
  const renewed = { ...pending, lease: leaseFrom(ctx, now), reconciles: pending.reconciles + 1 };
  await ctx.deps.store.updateSecret({ ...secret, pendingFinalize: renewed }, secret.revision);
  await ctx.deps.queue.send({ secretName: secret.name, versionId: pending.versionId, step: FINALIZE_PROMOTED });
  return 'requeued';
};

export type ReconcileOutcome = 'redriven' | 'abandoned' | 'rolledForward' | 'requeued' | 'dropped' | 'none';

const reconcileOne = async (ctx: UseCaseContext, secret: SecretRecord, now: number): Promise<ReconcileOutcome> => {
  const job = secret.job;
  if (job) {
    if (!isJobAbandoned(ctx, job, now)) return 'none';
    const reason = await whyNotResumable(ctx, secret, job);
    if (reason) return abandonStalled(ctx, secret, job, reason);
    await redrive(ctx, secret);
    return 'redriven';
  }
  const pending = secret.pendingFinalize;
  if (!pending || secret.plannedDeleteAt !== null || !isLeaseAbandoned(ctx, pending.lease, now)) return 'none';
  return reconcileFinalize(ctx, secret, now);
};

/** Reconciles one secret as read; a lost race means someone moved it, so it is not stalled (or the next tick sees it). */
export const reconcileSecret = async (ctx: UseCaseContext, secret: SecretRecord, now = ctx.now()): Promise<ReconcileOutcome> => {
  try {
    return await reconcileOne(ctx, secret, now);
  } catch (error) {
    if (error instanceof ConflictError) return 'none';
    throw error;
  }
};

/**
 * Where lease holders can be checked, every leased row is read, not only the expired ones: a live
 * lease of a dead worker would otherwise hold its rotation still until it runs out. Expired rows
 * sort first, so the live ones never crowd them out of the limit.
 */
export const reconcileExpiredLeases = async (ctx: UseCaseContext, limit: number): Promise<ReconcileResult> => {
  const now = ctx.now();
  const horizon = ctx.deps.isLeaseOwnerAlive ? Number.MAX_SAFE_INTEGER : now;
  const expired = await ctx.deps.store.listExpiredLeases(horizon, limit);
  const result: ReconcileResult = { expiredRead: expired.length, redriven: 0, abandoned: 0, rolledForward: 0, finalizesRequeued: 0 };
  for (const secret of expired) {
    const outcome = await reconcileSecret(ctx, secret, now);
    if (outcome === 'redriven') result.redriven++;
    else if (outcome === 'abandoned') result.abandoned++;
    else if (outcome === 'rolledForward') result.rolledForward++;
    else if (outcome === 'requeued') result.finalizesRequeued++;
  }
  return result;
};
