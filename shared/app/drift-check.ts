/**
 * Drift checks on the rotate timer (opt-in: domain/drift.ts): ACSCurrent is handed to the driver's
 * read-only checkCurrent. A failure after success (or as the first result) is driftDetected, a
 * success after a failure is driftResolved: one event per change, not per check.
 */
import { ConflictError, KmsError } from '../domain/errors.js';
import { recordDriftCheck } from '../domain/drift.js';
import { EventTypes } from '../domain/events.js';
import { STAGE_CURRENT, type DriftStatus, type ErrorInfo, type SecretRecord } from '../domain/secret.js';
import type { UseCaseContext } from './context.js';

export interface DriftTickResult {
  /** Rows the drift-check index returned. */
  rowsRead: number;
  inSync: number;
  drifted: number;
  /** Secrets whose driver has no checkCurrent. */
  unsupported: number;
}

/** Codes and the driver's (already redacted) message only: never a value. */
const errorInfo = (error: unknown): ErrorInfo =>
  error instanceof KmsError
    ? { code: error.code, message: error.message }
    : { code: 'Drift.CheckFailed', message: 'The drift check failed with an unexpected error.' };

const NO_CURRENT: ErrorInfo = { code: 'Drift.NoCurrentValue', message: 'ACSCurrent has no readable value.' };

const checkOne = async (ctx: UseCaseContext, secret: SecretRecord): Promise<{ status: DriftStatus; error: ErrorInfo | null }> => {
  const driver = ctx.driverFor(secret);
  if (!driver?.checkCurrent) return { status: 'Unsupported', error: null };
  try {
    // Inside the try: a value that cannot be opened is this secret's problem, not the tick's.
    const versionId = secret.stages[STAGE_CURRENT];
    const currentValue = versionId === undefined ? null : await ctx.reveal(secret.name, versionId);
    if (currentValue === null) return { status: 'Drifted', error: NO_CURRENT };
    const { uncheckable } = await driver.checkCurrent({ secret: ctx.driverSecret(secret), currentValue });
    if (uncheckable !== undefined) return { status: 'Unsupported', error: { code: 'Drift.Uncheckable', message: uncheckable } };
    return { status: 'InSync', error: null };
  } catch (error) {
    return { status: 'Drifted', error: errorInfo(error) };
  }
};

const announce = async (ctx: UseCaseContext, before: SecretRecord, after: SecretRecord): Promise<void> => {
  const was = before.drift?.status;
  const now = after.drift;
  if (!now) return;
  const data = { versionId: after.stages[STAGE_CURRENT], checkedAt: new Date(now.checkedAt).toISOString() };
  if (now.status === 'Drifted' && was !== 'Drifted') await ctx.emit(EventTypes.driftDetected, after, { ...data, error: now.error });
  if (now.status === 'InSync' && was === 'Drifted') await ctx.emit(EventTypes.driftResolved, after, data);
};

export const runDriftChecks = async (ctx: UseCaseContext, limit: number): Promise<DriftTickResult> => {
  const due = await ctx.deps.store.listDueForDriftCheck(ctx.now(), limit);
  const result: DriftTickResult = { rowsRead: due.length, inSync: 0, drifted: 0, unsupported: 0 };
  for (const secret of due) {
    const { status, error } = await checkOne(ctx, secret);
    let stored: SecretRecord;
    try {
      stored = await ctx.deps.store.updateSecret(recordDriftCheck(secret, status, error, ctx.now()), secret.revision);
    } catch (e) {
      // Changed since listed (a rotation started, say): this check is stale; the next one counts.
      if (e instanceof ConflictError) continue;
      throw e;
    }
    await announce(ctx, secret, stored);
    if (status === 'InSync') result.inSync++;
    else if (status === 'Drifted') result.drifted++;
    else result.unsupported++;
  }
  return result;
};
