/**
 * Views of the monitoring events: the rotation timeline of a secret, the live progress of one
 * rotation, and the health figures. Events carry names, steps, codes and timings, never values.
 */
import { EventTypes } from '../domain/events.js';
import { ROTATION_STEPS, type SecretRecord } from '../domain/secret.js';
import type { RotorEvent } from '../ports/event-publisher.js';

export interface TimelineStep {
  step: string;
  attempt: number;
  outcome: 'started' | 'succeeded' | 'failed';
  durationMs: number | null;
  errorCode: string | null;
  at: string;
}

export interface RotationEntry {
  versionId: string;
  trigger: string;
  customValue: boolean;
  startedAt: string | null;
  outcome: 'running' | 'succeeded' | 'failed' | 'abandoned';
  durationMs: number | null;
  errorCode: string | null;
  steps: TimelineStep[];
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const errorCodeOf = (data: Record<string, unknown>): string | null => {
  const error = data.error as { code?: unknown } | null | undefined;
  return str(error?.code);
};

/** Rotations, newest first, each with its steps in order. */
export const rotationTimeline = (events: readonly RotorEvent[]): RotationEntry[] => {
  const byVersion = new Map<string, RotationEntry>();
  const entry = (versionId: string): RotationEntry => {
    let found = byVersion.get(versionId);
    if (!found) {
      found = { versionId, trigger: '', customValue: false, startedAt: null, outcome: 'running', durationMs: null, errorCode: null, steps: [] };
      byVersion.set(versionId, found);
    }
    return found;
  };
  for (const event of events) {
    const versionId = str(event.data.versionId);
    if (!versionId || !event.type.startsWith('com.secretrotor.rotation.')) continue;
    const rotation = entry(versionId);
    const step = str(event.data.step) ?? '';
    const attempt = num(event.data.attempt) ?? 1;
    switch (event.type) {
      case EventTypes.rotationStarted:
        rotation.startedAt = event.time;
        rotation.trigger = str(event.data.trigger) ?? '';
        rotation.customValue = event.data.customValue === true;
        break;
      case EventTypes.stepStarted:
        rotation.steps.push({ step, attempt, outcome: 'started', durationMs: null, errorCode: null, at: event.time });
        break;
      case EventTypes.stepSucceeded:
      case EventTypes.stepFailed: {
        const open = rotation.steps.find((s) => s.step === step && s.attempt === attempt && s.outcome === 'started');
        const done: TimelineStep = {
          step,
          attempt,
          outcome: event.type === EventTypes.stepSucceeded ? 'succeeded' : 'failed',
          durationMs: num(event.data.durationMs),
          errorCode: errorCodeOf(event.data),
          at: event.time,
        };
        if (open) Object.assign(open, done);
        else rotation.steps.push(done);
        break;
      }
      case EventTypes.rotationSucceeded:
      case EventTypes.rotationFailed:
      case EventTypes.rotationAbandoned:
        rotation.outcome =
          event.type === EventTypes.rotationSucceeded ? 'succeeded' : event.type === EventTypes.rotationFailed ? 'failed' : 'abandoned';
        rotation.durationMs = num(event.data.durationMs);
        rotation.errorCode = errorCodeOf(event.data);
        break;
      default:
        break;
    }
  }
  return [...byVersion.values()].reverse();
};

export interface StepProgress {
  step: string;
  state: 'done' | 'running' | 'pending' | 'failed';
}

export interface RotationProgress {
  versionId: string;
  state: 'running' | 'succeeded' | 'failed' | 'unknown';
  steps: StepProgress[];
  errorCode: string | null;
  errorMessage: string | null;
}

/**
 * Where one rotation stands, from the secret's own record; the rotation's events, when readable,
 * tell which step a finished rotation failed at (the record keeps only the outcome).
 */
export const rotationProgress = (secret: SecretRecord, versionId: string, events?: RotationEntry): RotationProgress => {
  const progress = progressFromRecord(secret, versionId);
  if (progress.state !== 'failed' || !events) return progress;
  const failedAt = events.steps.findLast((s) => s.outcome === 'failed')?.step;
  const doneSteps = new Set(events.steps.filter((s) => s.outcome === 'succeeded').map((s) => s.step));
  return {
    ...progress,
    steps: progress.steps.map((s) => ({ step: s.step, state: s.step === failedAt ? 'failed' : doneSteps.has(s.step) ? 'done' : 'pending' })),
  };
};

const progressFromRecord = (secret: SecretRecord, versionId: string): RotationProgress => {
  const job = secret.job;
  if (job && job.versionId === versionId) {
    const at = ROTATION_STEPS.indexOf(job.step);
    return {
      versionId,
      state: 'running',
      steps: ROTATION_STEPS.map((step, i) => ({ step, state: i < at ? 'done' : i === at ? 'running' : 'pending' })),
      errorCode: job.lastError?.code ?? null,
      errorMessage: job.lastError?.message ?? null,
    };
  }
  const last = secret.lastRotation;
  if (last && last.versionId === versionId) {
    const ok = last.status === 'Succeeded';
    return {
      versionId,
      state: ok ? 'succeeded' : 'failed',
      steps: ROTATION_STEPS.map((step) => ({ step, state: ok ? 'done' : 'pending' })),
      errorCode: last.error?.code ?? null,
      errorMessage: last.error?.message ?? null,
    };
  }
  return { versionId, state: 'unknown', steps: ROTATION_STEPS.map((step) => ({ step, state: 'pending' })), errorCode: null, errorMessage: null };
};

export interface HealthFigures {
  succeeded: number;
  failed: number;
  /** Finished rotations, oldest first, for the duration chart. */
  durations: { secretName: string; durationMs: number; ok: boolean; at: string }[];
}

export const healthFigures = (events: readonly RotorEvent[]): HealthFigures => {
  const finished = events.filter((e) => e.type === EventTypes.rotationSucceeded || e.type === EventTypes.rotationFailed);
  return {
    succeeded: finished.filter((e) => e.type === EventTypes.rotationSucceeded).length,
    failed: finished.filter((e) => e.type === EventTypes.rotationFailed).length,
    durations: finished.map((e) => ({
      secretName: e.subject,
      durationMs: num(e.data.durationMs) ?? 0,
      ok: e.type === EventTypes.rotationSucceeded,
      at: e.time,
    })),
  };
};

/** A rotation is overdue once its date has passed by more than this (the rotate timer runs every minute). */
export const OVERDUE_GRACE_MS = 10 * 60 * 1000;

export const isOverdue = (secret: SecretRecord, now: number): boolean =>
  secret.rotation.enabled &&
  secret.plannedDeleteAt === null &&
  secret.rotation.nextRotationAt !== null &&
  secret.rotation.nextRotationAt + OVERDUE_GRACE_MS < now;
