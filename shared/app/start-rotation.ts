/** Starting rotations: RotateSecret (manual), and the claim the rotate timer uses (start-due-rotations.ts). */
import { operationNotSupported } from '../domain/errors.js';
import { EventTypes } from '../domain/events.js';
import { claimRotation } from '../domain/rotation.js';
import { rotationDueAt, type RotationTrigger, type SecretRecord } from '../domain/secret.js';
import type { SecretId } from '../domain/secret-id.js';
import { requireValue, validateSecretData, validateVersionId } from '../domain/validation.js';
import type { RotateSecretInput, RotateSecretOutput } from './commands.js';
import type { UseCaseContext } from './context.js';
import { checkCaller } from './deputy-check.js';
import { leaseFrom } from './leases.js';
import { checkWrittenValue } from './written-value.js';

/**
 * How long a rotation's current step must have gone without progress before a repeated
 * RotateSecret queues it again: a step younger than this is being worked on or its message is
 * still queued, and a burst of client retries must not turn into a burst of queue messages.
 */
export const STEP_AT_REST_MS = 30_000;

/** A version id this secret already knows: a finished, failed or running rotation, or any stored version. */
const alreadySeen = async (ctx: UseCaseContext, secret: SecretRecord, versionId: string): Promise<boolean> =>
  secret.job?.versionId === versionId ||
  secret.lastRotation?.versionId === versionId ||
  (await ctx.deps.store.getVersion(secret.name, versionId)) !== null;

/** A scheduled claim stands aside when the secret stopped being due since the tick listed it. */
export class NoLongerDue extends Error {}

/** The claim this call made, taken back: only while nothing has run, so no step can be undone. */
const releaseClaim = (ctx: UseCaseContext, name: string, versionId: string): Promise<SecretRecord> =>
  ctx.deps.store.getSecret(name).then(async (s) => {
    const job = s?.job;
    if (!s || !job || job.versionId !== versionId || job.step !== 'createPending' || job.attempt !== 1) return s as SecretRecord;
    return ctx.deps.store.updateSecret({ ...s, job: null, updatedAt: ctx.now() }, s.revision);
  });

/**
 * Claims the secret (the conditional write is the lock), stores a custom value encrypted, then
 * queues the first step. The value is durable before any step can touch the target. If storing or
 * queueing fails, the claim is taken back, so a failed start never leaves the secret locked.
 */
export const claimAndQueue = async (
  ctx: UseCaseContext,
  name: SecretId,
  versionId: string,
  trigger: RotationTrigger,
  customValue: string | undefined,
  start: { targetKind?: string; delaySeconds?: number } = {},
): Promise<SecretRecord> => {
  const perHour = ctx.deps.settings.rotationsPerHour;
  const now = ctx.now();
  const delaySeconds = start.delaySeconds ?? 0;
  // The lease is taken with the claim: if this process dies before the first message is queued,
  // the reconciler finds the claim once the lease runs out and queues it.
  const lease = leaseFrom(ctx, now, delaySeconds);
  const { targetKind } = start;
  const claimed = await ctx.update(
    name,
    (s) => {
      if (trigger === 'schedule' && !isDue(s, now)) throw new NoLongerDue();
      return claimRotation(s, { versionId, trigger, customValue: customValue !== undefined, now, perHour, lease, ...(targetKind ? { targetKind } : {}) });
    },
    (n) => ctx.loadActive(n),
  );
  try {
    if (customValue !== undefined) {
      const envelope = await ctx.seal(claimed.name, versionId, customValue);
      await ctx.deps.store.putVersion({ secretName: claimed.name, versionId, createdAt: now, envelope });
    }
    await ctx.deps.queue.send({ secretName: claimed.name, versionId, step: 'createPending' }, delaySeconds > 0 ? { delaySeconds } : undefined);
  } catch (error) {
    await releaseClaim(ctx, claimed.name, versionId).catch(() => undefined);
    throw error;
  }
  await ctx.emit(EventTypes.rotationStarted, claimed, { versionId, trigger, customValue: customValue !== undefined });
  return claimed;
};

const isDue = (secret: SecretRecord, now: number): boolean => {
  const due = rotationDueAt(secret);
  return due !== null && due <= now;
};

export const rotateSecret = async (ctx: UseCaseContext, input: RotateSecretInput): Promise<RotateSecretOutput> => {
  const secret = await ctx.loadActive(input.secretName);
  const versionId = requireValue('VersionId', input.versionId);
  validateVersionId(versionId);
  if (input.secretData !== undefined) validateSecretData(input.secretData);
  const driver = ctx.driverFor(secret);
  if (!driver) throw operationNotSupported('RotateSecret is unavailable: this secret has no rotation target.');
  if (input.secretData !== undefined) {
    await checkCaller(ctx, input.deputy, driver, secret, [input.secretData]);
    await checkWrittenValue(ctx, secret, input.secretData);
  }
  if (secret.job?.versionId === versionId) {
    // The same request again while its rotation runs: success. A step at rest for a while is queued
    // once more in case its message was lost (steps are guarded, so a duplicate changes nothing).
    if (ctx.now() - secret.job.stepStartedAt >= STEP_AT_REST_MS) {
      await ctx.deps.queue.send({ secretName: secret.name, versionId, step: secret.job.step });
    }
    return { secret, versionId, started: false };
  }
  if (await alreadySeen(ctx, secret, versionId)) return { secret, versionId, started: false };
  // Manual rotations are not held back by the per-kind caps (a caller is waiting), but count toward them.
  const claimed = await claimAndQueue(ctx, input.secretName, versionId, 'manual', input.secretData, { targetKind: driver.kind });
  return { secret: claimed, versionId, started: true };
};

