/** Deletion with a recovery window, immediate deletion, restore and purge. Never touches the target. */
import { ConflictError, secretInDeleteWindow } from '../domain/errors.js';
import { EventTypes } from '../domain/events.js';
import type { SecretId } from '../domain/secret-id.js';
import { validateRecoveryWindow } from '../domain/validation.js';
import type { DeleteSecretInput, DeleteSecretOutput, TickResult } from './commands.js';
import type { UseCaseContext } from './context.js';

const DAY_MS = 86_400_000;

export const deleteSecret = async (ctx: UseCaseContext, input: DeleteSecretInput): Promise<DeleteSecretOutput> => {
  const name = input.secretName;
  if (input.forceDeleteWithoutRecovery) {
    if (input.recoveryWindowInDays !== undefined) validateRecoveryWindow(input.recoveryWindowInDays);
    for (let attempt = 1; ; attempt++) {
      const secret = await ctx.load(name);
      try {
        await ctx.deps.store.deleteSecret(secret.name, secret.revision);
        await ctx.emit(EventTypes.deleted, secret, { forced: true });
        return { secretName: secret.name, plannedDeleteAt: null };
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= 5) throw error;
      }
    }
  }
  const days = validateRecoveryWindow(input.recoveryWindowInDays);
  const now = ctx.now();
  const secret = await ctx.update(name, (s) => {
    if (s.plannedDeleteAt !== null) throw secretInDeleteWindow(s.name);
    return { ...s, updatedAt: now, plannedDeleteAt: now + days * DAY_MS };
  });
  await ctx.emit(EventTypes.deletionScheduled, secret, {
    recoveryWindowInDays: days,
    plannedDeleteTime: new Date(secret.plannedDeleteAt ?? now).toISOString(),
  });
  return { secretName: secret.name, plannedDeleteAt: secret.plannedDeleteAt };
};

/** Restoring a secret that is not pending deletion changes nothing and succeeds. */
export const restoreSecret = async (ctx: UseCaseContext, name: SecretId) => {
  const before = await ctx.load(name);
  const secret = await ctx.update(name, (s) =>
    s.plannedDeleteAt === null ? s : { ...s, plannedDeleteAt: null, updatedAt: ctx.now() },
  );
  if (before.plannedDeleteAt !== null) await ctx.emit(EventTypes.restored, secret);
  return secret;
};

export const purgeExpired = async (ctx: UseCaseContext, limit?: number): Promise<TickResult> => {
  const now = ctx.now();
  const due = await ctx.deps.store.listDueForPurge(now, limit ?? ctx.deps.settings.tickBatchSize);
  let acted = 0;
  for (const secret of due) {
    try {
      await ctx.deps.store.deleteSecret(secret.name, secret.revision);
    } catch (error) {
      // Restored or changed since the read: the next tick decides again.
      if (error instanceof ConflictError) continue;
      throw error;
    }
    acted++;
    await ctx.emit(EventTypes.purged, secret, { plannedDeleteTime: new Date(secret.plannedDeleteAt ?? now).toISOString() });
  }
  return { rowsRead: due.length, acted, skipped: due.length - acted };
};
