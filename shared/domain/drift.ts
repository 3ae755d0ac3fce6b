/**
 * Drift checks: opt-in per secret with the tag `rotor:drift-check`, whose value is how often
 * (`N[d|h|m]`, 15 minutes to 8,760 hours) the rotate timer checks that ACSCurrent still
 * authenticates against the secret's target.
 */
import { invalidParameter } from './errors.js';
import { STAGE_CURRENT, type DriftState, type DriftStatus, type ErrorInfo, type SecretRecord, type Tag } from './secret.js';

export const DRIFT_CHECK_TAG = 'rotor:drift-check';

const MIN_DRIFT_SECONDS = 15 * 60;
const MAX_DRIFT_SECONDS = 8760 * 3600;
const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60 };

const parseDriftInterval = (value: string): number | null => {
  const match = /^(\d{1,9})([dhm])$/.exec(value.trim());
  if (!match) return null;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] as string] ?? 0);
  return seconds >= MIN_DRIFT_SECONDS && seconds <= MAX_DRIFT_SECONDS ? seconds : null;
};

/** Refuses a drift-check tag whose value is not an interval in range; called where tags are accepted. */
export const validateDriftTag = <T extends readonly Tag[]>(tags: T): T => {
  const tag = tags.find((t) => t.key === DRIFT_CHECK_TAG);
  if (tag && parseDriftInterval(tag.value) === null)
    throw invalidParameter('Tags', `${DRIFT_CHECK_TAG} takes an interval N followed by d, h or m, from 15m to 8760h`);
  return tags;
};

/** The drift-check interval in seconds, or null when the secret has not opted in. */
export const driftCheckSeconds = (secret: Pick<SecretRecord, 'tags'>): number | null => {
  const tag = secret.tags.find((t) => t.key === DRIFT_CHECK_TAG);
  return tag ? parseDriftInterval(tag.value) : null;
};

/**
 * When the next drift check is due, or null: opted in, not being deleted, not rotating (a rotation
 * changes what "current" means mid-way), and with an ACSCurrent to check. The first check is due
 * at once. Stores index this like rotationDueAt.
 */
export const driftDueAt = (secret: SecretRecord): number | null => {
  if (driftCheckSeconds(secret) === null) return null;
  if (secret.plannedDeleteAt !== null || secret.job !== null || secret.stages[STAGE_CURRENT] === undefined) return null;
  return secret.drift?.nextCheckAt ?? secret.createdAt;
};

/** The record after a check at `now` with this outcome; the next check is one interval away. */
export const recordDriftCheck = (secret: SecretRecord, status: DriftStatus, error: ErrorInfo | null, now: number): SecretRecord => {
  const seconds = driftCheckSeconds(secret) ?? 0;
  const drift: DriftState = { status, checkedAt: now, nextCheckAt: now + seconds * 1000, error };
  return { ...secret, drift };
};
