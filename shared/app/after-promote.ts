/**
 * Target work that follows a stored promote. Both handlers run from queue messages, late, twice or
 * after later rotations without harm. While another rotation of the secret is in flight they wait
 * (the message comes back later): touching the target then could retire what that rotation is
 * applying, and if it fails, this work is still owed. A failure is thrown so the queue redelivers.
 */
import { ConflictError } from '../domain/errors.js';
import { STAGE_CURRENT, STAGE_PREVIOUS } from '../domain/secret.js';
import { RETIRE_PREVIOUS, type RotationMessage } from '../ports/job-queue.js';
import type { UseCaseContext } from './context.js';

/**
 * The driver's finalize once the promote of `message.versionId` is stored: it may retire the
 * credentials older than the new ACSPrevious, and may ask for ACSPrevious itself to be retired
 * after a window (RAM), which queues a retirePrevious.
 */
/** How long work after a promote waits for a rotation in flight before looking again. */
const POSTPONE_SECONDS = 60;

const postpone = (ctx: UseCaseContext, message: RotationMessage): Promise<void> =>
  ctx.deps.queue.send(message, { delaySeconds: POSTPONE_SECONDS });

/** Owed: the finalize must still run later (kept on the secret as pendingFinalize). Settled: nothing more to do. */
type FinalizeOutcome = 'owed' | 'settled';

export const finalizePromoted = async (ctx: UseCaseContext, message: RotationMessage): Promise<void> => {
  if ((await runFinalize(ctx, message)) === 'settled') await settlePendingFinalize(ctx, message);
};

/** Drops the secret's record of this finalize, so the reconciler stops re-queueing it. */
const settlePendingFinalize = async (ctx: UseCaseContext, message: RotationMessage): Promise<void> => {
  for (;;) {
    const secret = await ctx.deps.store.getSecret(message.secretName);
    if (!secret || secret.pendingFinalize?.versionId !== message.versionId) return;
    try {
      await ctx.deps.store.updateSecret({ ...secret, pendingFinalize: null }, secret.revision);
      return;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
};

const runFinalize = async (ctx: UseCaseContext, message: RotationMessage): Promise<FinalizeOutcome> => {
  const secret = await ctx.deps.store.getSecret(message.secretName);
  if (!secret) return 'settled';
  // Deleting leaves the target alone; the finalize stays owed in case the secret is restored.
  if (secret.plannedDeleteAt !== null) return 'owed';
  if (secret.job !== null) {
    await postpone(ctx, message);
    return 'owed';
  }
  if (secret.stages[STAGE_CURRENT] !== message.versionId) return 'settled';
  const driver = ctx.driverFor(secret);
  if (!driver) return 'settled';
  const newCurrentValue = await ctx.reveal(secret.name, message.versionId);
  if (newCurrentValue === null) return 'settled';
  const previousVersion = secret.stages[STAGE_PREVIOUS];
  const newPreviousValue = previousVersion === undefined ? null : await ctx.reveal(secret.name, previousVersion);
  const { cleanupAfterSeconds } = await driver.finalize({ secret: ctx.driverSecret(secret), newCurrentValue, newPreviousValue });
  if (cleanupAfterSeconds !== undefined && previousVersion !== undefined) {
    await ctx.deps.queue.send(
      { secretName: secret.name, versionId: previousVersion, step: RETIRE_PREVIOUS },
      { delaySeconds: cleanupAfterSeconds },
    );
  }
  return 'settled';
};

/**
 * The delayed cleanup a driver asked for at a promote (FinalizeResponse.cleanupAfterSeconds): the
 * value that became ACSPrevious then is retired on the target once its window has passed. Safe to
 * run late, twice or after later rotations: it never touches ACSCurrent, and the driver's cleanup
 * treats an already-retired value as success.
 */

export const retirePrevious = async (ctx: UseCaseContext, message: RotationMessage): Promise<void> => {
  const secret = await ctx.deps.store.getSecret(message.secretName);
  // Deleting a secret leaves its credentials on the target (KMS: the RAM user's keys stay).
  if (!secret || secret.plannedDeleteAt !== null) return;
  if (secret.job !== null) return postpone(ctx, message);
  const currentVersion = secret.stages[STAGE_CURRENT];
  if (currentVersion === message.versionId) return;
  const driver = ctx.driverFor(secret);
  if (!driver?.cleanup) return;
  const retiredValue = await ctx.reveal(secret.name, message.versionId);
  if (retiredValue === null) return;
  const currentValue = currentVersion === undefined ? null : await ctx.reveal(secret.name, currentVersion);
  await driver.cleanup({ secret: ctx.driverSecret(secret), retiredValue, currentValue });
};
