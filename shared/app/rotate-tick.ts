/**
 * One tick of the rotate timer: first the reconciler (stalled rotations hold concurrency slots, so
 * they are settled before new ones are counted), then due rotations with backpressure, then drift
 * checks. Every part reads only its own index's due rows.
 */
import type { UseCaseContext } from './context.js';
import { runDriftChecks, type DriftTickResult } from './drift-check.js';
import { reconcileExpiredLeases, type ReconcileResult } from './reconcile.js';
import { startDueRotations, type StartTickResult } from './start-due-rotations.js';

export interface RotationTickResult extends StartTickResult {
  reconcile: ReconcileResult;
  drift: DriftTickResult;
}

export const rotateTick = async (ctx: UseCaseContext, limit?: number): Promise<RotationTickResult> => {
  const batch = limit ?? ctx.deps.settings.tickBatchSize;
  const reconcile = await reconcileExpiredLeases(ctx, batch);
  const started = await startDueRotations(ctx, batch);
  const drift = await runDriftChecks(ctx, ctx.deps.settings.driftChecksPerTick);
  return { ...started, reconcile, drift };
};
