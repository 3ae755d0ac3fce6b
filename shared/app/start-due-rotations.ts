/**
 * Starting scheduled rotations with backpressure. Per driver kind, a tick starts at most
 * `startsPerTick` rotations and never more than `maxConcurrent` in flight; the starts it makes are
 * spread over up to `startJitterSeconds` (queue delay), so thousands of secrets due in the same
 * minute reach their targets gradually. A due secret that cannot start now (cap, rate, no driver)
 * is deferred, with jitter, to a later tick: it leaves the head of the due index, so it never
 * starves the rest of the batch. Its backlog record says since when it has been due; past
 * `overdueAfterSeconds` one rotationOverdue event goes out for that occurrence.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, KmsError } from '../domain/errors.js';
import { EventTypes } from '../domain/events.js';
import { currentBacklog, deferRotation } from '../domain/rotation.js';
import type { SecretRecord } from '../domain/secret.js';
import { secretIdOf } from '../domain/secret-id.js';
import type { TickResult } from './commands.js';
import type { UseCaseContext } from './context.js';
import type { RotationLimits } from './deps.js';
import { random } from './leases.js';
import { claimAndQueue, NoLongerDue } from './start-rotation.js';

export interface StartTickResult extends TickResult {
  /** Due secrets moved to a later tick (cap or rate reached, no driver, per-secret limit). */
  deferred: number;
  /** Of the due secrets not started, those overdue (due longer than overdueAfterSeconds). */
  overdue: number;
  /** Rotations in flight per driver kind when the tick began (only read when something is due). */
  inFlight: Record<string, number>;
}

type DeferReason = 'no-driver' | 'concurrency' | 'rate' | 'secret-rate';

/** Starts and deferrals of one driver kind within this tick. */
class KindBudget {
  started = 0;
  deferred = 0;

  constructor(
    readonly limits: RotationLimits,
    readonly inFlight: number,
  ) {}

  /** Why no rotation of this kind may start now, or null. */
  blocked(): DeferReason | null {
    if (this.inFlight + this.started >= this.limits.maxConcurrent) return 'concurrency';
    if (this.started >= this.limits.startsPerTick) return 'rate';
    return null;
  }
}

const limitsFor = (ctx: UseCaseContext, kind: string): RotationLimits => ({
  ...ctx.deps.settings.rotationLimits,
  ...ctx.deps.settings.rotationLimitsByKind[kind],
});

/** Queue delay of the n-th start of a kind in this tick: the window widens as the batch grows (about ten a second). */
const startDelaySeconds = (ctx: UseCaseContext, n: number): number =>
  Math.floor(random(ctx) * Math.min(ctx.deps.settings.startJitterSeconds, n / 10));

/** The tick slot a deferred secret moves to: later slots as more of its kind wait, jittered within the slot. */
const slotAfter = (ctx: UseCaseContext, now: number, waiting: number, startsPerTick: number): number => {
  const tickMs = ctx.deps.settings.tickIntervalSeconds * 1000;
  const slot = 1 + Math.floor(waiting / Math.max(1, startsPerTick));
  return now + slot * tickMs + Math.floor(random(ctx) * tickMs);
};

const noDriverRetryAt = (ctx: UseCaseContext, now: number): number => {
  const ms = ctx.deps.settings.noDriverRetrySeconds * 1000;
  return now + ms + Math.floor(random(ctx) * ms * 0.1);
};

/** Moves a due secret out of the way; false when it changed since it was listed (someone else acts). */
const defer = async (ctx: UseCaseContext, secret: SecretRecord, until: number, now: number, reason: DeferReason): Promise<{ overdue: boolean } | null> => {
  const backlog = currentBacklog(secret);
  const dueSince = backlog?.dueSince ?? secret.rotation.nextRotationAt ?? now;
  const overdue = now - dueSince >= ctx.deps.settings.overdueAfterSeconds * 1000;
  const announce = overdue && !backlog?.overdueReported;
  try {
    await ctx.deps.store.updateSecret(deferRotation(secret, until, now, overdue || (backlog?.overdueReported ?? false)), secret.revision);
  } catch (error) {
    if (error instanceof ConflictError) return null;
    throw error;
  }
  if (announce) {
    await ctx.emit(EventTypes.rotationOverdue, secret, {
      dueSince: new Date(dueSince).toISOString(),
      overdueSeconds: Math.floor((now - dueSince) / 1000),
      reason,
      deferrals: (backlog?.deferrals ?? 0) + 1,
      nextAttemptAt: new Date(until).toISOString(),
    });
  }
  return { overdue };
};

export const startDueRotations = async (ctx: UseCaseContext, limit: number): Promise<StartTickResult> => {
  const now = ctx.now();
  const due = await ctx.deps.store.listDueForRotation(now, limit);
  const result: StartTickResult = { rowsRead: due.length, acted: 0, skipped: 0, deferred: 0, overdue: 0, inFlight: {} };
  if (due.length === 0) return result;
  result.inFlight = await ctx.deps.store.countRotationsInFlight();
  const budgets = new Map<string, KindBudget>();
  const budgetOf = (kind: string): KindBudget => {
    let budget = budgets.get(kind);
    if (!budget) budgets.set(kind, (budget = new KindBudget(limitsFor(ctx, kind), result.inFlight[kind] ?? 0)));
    return budget;
  };
  const deferAndCount = async (secret: SecretRecord, until: number, reason: DeferReason): Promise<void> => {
    const deferred = await defer(ctx, secret, until, now, reason);
    if (!deferred) return;
    result.deferred++;
    if (deferred.overdue) result.overdue++;
  };

  for (const secret of due) {
    const driver = ctx.driverFor(secret);
    if (!driver) {
      await deferAndCount(secret, noDriverRetryAt(ctx, now), 'no-driver');
      continue;
    }
    const budget = budgetOf(driver.kind);
    const blocked = budget.blocked();
    if (blocked) {
      await deferAndCount(secret, slotAfter(ctx, now, budget.deferred++, budget.limits.startsPerTick), blocked);
      continue;
    }
    try {
      const delaySeconds = startDelaySeconds(ctx, budget.started);
      await claimAndQueue(ctx, secretIdOf(secret.name), `rotor-${randomUUID()}`, 'schedule', undefined, { targetKind: driver.kind, delaySeconds });
      budget.started++;
      result.acted++;
    } catch (error) {
      if (error instanceof NoLongerDue) continue;
      if (error instanceof KmsError && error.code === 'Rejected.LimitExceeded') {
        // The secret's own hourly limit (manual rotations spent it): try again next hour.
        await deferAndCount(secret, now + 3_600_000 + Math.floor(random(ctx) * 60_000), 'secret-rate');
        continue;
      }
      if (!(error instanceof KmsError) || error.httpStatus >= 500) throw error;
    }
  }
  result.skipped = due.length - result.acted;
  return result;
};
