/** Starting rotations: RotateSecret (manual) and the rotate timer (scheduled). */
import { randomUUID } from 'node:crypto';
import { KmsError, operationNotSupported } from '../domain/errors.js';
import { EventTypes } from '../domain/events.js';
import { claimRotation } from '../domain/rotation.js';
import type { RotationTrigger, SecretRecord } from '../domain/secret.js';
import { requireValue, validateSecretData, validateVersionId } from '../domain/validation.js';
import type { RotateSecretInput, RotateSecretOutput, TickResult } from './commands.js';
import type { UseCaseContext } from './context.js';

/** A version id this secret already knows: a finished, failed or running rotation, or any stored version. */
const alreadySeen = async (ctx: UseCaseContext, secret: SecretRecord, versionId: string): Promise<boolean> =>
  secret.job?.versionId === versionId ||
  secret.lastRotation?.versionId === versionId ||
  (await ctx.deps.store.getVersion(secret.name, versionId)) !== null;

/**
 * Claims the secret (the conditional write is the lock), stores a custom value encrypted, then
 * queues the first step. The value is durable before any step can touch the target.
 */
const claimAndQueue = async (
  ctx: UseCaseContext,
  name: string,
  versionId: string,
  trigger: RotationTrigger,
  customValue: string | undefined,
): Promise<SecretRecord> => {
  const perHour = ctx.deps.settings.rotationsPerHour;
  const now = ctx.now();
  const claimed = await ctx.update(
    name,
    (s) => claimRotation(s, { versionId, trigger, customValue: customValue !== undefined, now, perHour }),
    (n) => ctx.loadActive(n),
  );
  if (customValue !== undefined) {
    const envelope = await ctx.seal(claimed.name, versionId, customValue);
    await ctx.deps.store.putVersion({ secretName: claimed.name, versionId, createdAt: now, envelope });
  }
  await ctx.deps.queue.send({ secretName: claimed.name, versionId, step: 'createPending' });
  await ctx.emit(EventTypes.rotationStarted, claimed, { versionId, trigger, customValue: customValue !== undefined });
  return claimed;
};

export const rotateSecret = async (ctx: UseCaseContext, input: RotateSecretInput): Promise<RotateSecretOutput> => {
  const secret = await ctx.loadActive(requireValue('SecretName', input.secretName));
  const versionId = requireValue('VersionId', input.versionId);
  validateVersionId(versionId);
  if (input.secretData !== undefined) validateSecretData(input.secretData);
  if (!ctx.driverFor(secret)) throw operationNotSupported('RotateSecret is unavailable: this secret has no rotation target.');
  if (await alreadySeen(ctx, secret, versionId)) return { secret, versionId, started: false };
  const claimed = await claimAndQueue(ctx, secret.name, versionId, 'manual', input.secretData);
  return { secret: claimed, versionId, started: true };
};

/** Starts every due rotation it can; a secret another rotation or the rate limit holds waits for a later tick. */
export const scheduleDueRotations = async (ctx: UseCaseContext, limit?: number): Promise<TickResult> => {
  const due = await ctx.deps.store.listDueForRotation(ctx.now(), limit ?? ctx.deps.settings.tickBatchSize);
  let acted = 0;
  for (const secret of due) {
    if (!ctx.driverFor(secret)) continue;
    try {
      await claimAndQueue(ctx, secret.name, `rotor-${randomUUID()}`, 'schedule', undefined);
      acted++;
    } catch (error) {
      if (!(error instanceof KmsError) || error.httpStatus >= 500) throw error;
    }
  }
  return { rowsRead: due.length, acted, skipped: due.length - acted };
};
