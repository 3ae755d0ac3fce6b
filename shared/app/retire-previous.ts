/**
 * The delayed cleanup a driver asked for at a promote (FinalizeResponse.cleanupAfterSeconds): the
 * value that became ACSPrevious then is retired on the target once its window has passed. Safe to
 * run late, twice or after later rotations: it never touches ACSCurrent, and the driver's cleanup
 * treats an already-retired value as success. A failure is thrown so the queue redelivers it.
 */
import { STAGE_CURRENT } from '../domain/secret.js';
import type { RotationMessage } from '../ports/job-queue.js';
import type { UseCaseContext } from './context.js';

export const retirePrevious = async (ctx: UseCaseContext, message: RotationMessage): Promise<void> => {
  const secret = await ctx.deps.store.getSecret(message.secretName);
  // Deleting a secret leaves its credentials on the target (KMS: the RAM user's keys stay).
  if (!secret || secret.plannedDeleteAt !== null) return;
  const currentVersion = secret.stages[STAGE_CURRENT];
  if (currentVersion === message.versionId) return;
  const driver = ctx.driverFor(secret);
  if (!driver?.cleanup) return;
  const retiredValue = await ctx.reveal(secret.name, message.versionId);
  if (retiredValue === null) return;
  const currentValue = currentVersion === undefined ? null : await ctx.reveal(secret.name, currentVersion);
  await driver.cleanup({ secret: ctx.driverSecret(secret), retiredValue, currentValue });
};
