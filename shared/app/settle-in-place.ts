/**
 * Giving up a rotation whose target replaces ACSCurrent in place (one account, one password) is
 * only safe once the engine knows which value the target accepts: an apply may have landed while
 * every answer was lost, and then ACSCurrent no longer logs in. So before such a rotation is failed
 * or abandoned at or after applyToTarget, the target is asked about both values:
 *
 *   pending accepted, current not  -> the target took the pending value: roll forward (promote)
 *   current accepted, pending not  -> the apply never landed: fail as usual
 *   both, or neither               -> unknown (unreachable, or checks that cannot tell them apart):
 *                                     fail, keeping the pending label, and rotate again soon
 *
 * Both checks are read-only, so a redelivered step that runs them again changes nothing; the
 * outcome is stored with a conditional write, so a rotation is promoted or failed once.
 */
import { EventTypes, KMS_ROTATION_SUCCESS } from '../domain/events.js';
import { promote, stepIndex } from '../domain/rotation.js';
import { STAGE_CURRENT, type ErrorInfo, type RotationJob, type SecretRecord } from '../domain/secret.js';
import { FINALIZE_PROMOTED } from '../ports/job-queue.js';
import type { TargetDriver } from '../ports/target-driver.js';
import type { UseCaseContext } from './context.js';
import { leaseFrom } from './leases.js';

export type InPlaceState = 'pendingAccepted' | 'currentAccepted' | 'uncertain';

/** The cause's code is kept in the message: "uncertain" alone would hide a host that is simply down. */
export const targetStateUncertain = (cause: ErrorInfo): ErrorInfo => ({
  code: 'Rotation.TargetStateUncertain',
  message:
    `The step failed (${cause.code}) and the target could not tell which value it accepts, so it may hold the pending value; ` +
    'the pending version keeps its label and the secret will be rotated again.',
});

/** True, false, or null when the target cannot say (a check that is uncheckable). Any failure counts as not accepted. */
const accepts = async (check: () => Promise<{ uncheckable?: string } | Record<string, never>>): Promise<boolean | null> => {
  try {
    const answer: { uncheckable?: string } = await check();
    return answer.uncheckable === undefined ? true : null;
  } catch {
    return false;
  }
};

/**
 * Which value an in-place target accepts now, or null when the question does not arise: the
 * target was not touched yet, or its apply leaves ACSCurrent working.
 */
export const inPlaceTargetState = async (
  ctx: UseCaseContext,
  secret: SecretRecord,
  job: RotationJob,
  driver: TargetDriver | null,
): Promise<InPlaceState | null> => {
  if (!driver || stepIndex(job.step) < stepIndex('applyToTarget')) return null;
  const target = ctx.driverSecret(secret);
  if (!driver.replacesCurrentInPlace?.(target)) return null;
  const pendingValue = await ctx.reveal(secret.name, job.versionId);
  if (pendingValue === null) return null;
  const currentVersion = secret.stages[STAGE_CURRENT];
  const currentValue = currentVersion === undefined ? null : await ctx.reveal(secret.name, currentVersion);
  const pendingOk = await accepts(() => driver.verify({ secret: target, pendingValue }));
  const currentOk =
    currentValue === null
      ? false
      : await accepts(() =>
          driver.checkCurrent ? driver.checkCurrent({ secret: target, currentValue }) : driver.verify({ secret: target, pendingValue: currentValue }),
        );
  if (pendingOk === true && currentOk !== true) return 'pendingAccepted';
  if (currentOk === true && pendingOk !== true) return 'currentAccepted';
  return 'uncertain';
};

/**
 * The target took the pending value though the step failed: it becomes ACSCurrent, as a normal
 * promote would make it (finalize queued, and owed on the record if this process dies first).
 */
export const rollForward = async (ctx: UseCaseContext, secret: SecretRecord, job: RotationJob, cause: ErrorInfo): Promise<void> => {
  const now = ctx.now();
  const stored = await ctx.deps.store.updateSecret(promote(secret, now, leaseFrom(ctx, now)), secret.revision);
  await ctx.deps.queue.send({ secretName: secret.name, versionId: job.versionId, step: FINALIZE_PROMOTED });
  await ctx.emit(EventTypes.rotationSucceeded, stored, {
    versionId: job.versionId,
    trigger: job.trigger,
    durationMs: ctx.now() - job.startedAt,
    rolledForward: { step: job.step, error: cause },
    kmsEventName: KMS_ROTATION_SUCCESS,
  });
};

/** How soon a scheduled rotation comes back after an uncertain give-up. */
export const uncertainRetryMs = (ctx: UseCaseContext): number => ctx.deps.settings.retryMaxSeconds * 1000;
