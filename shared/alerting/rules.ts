/**
 * Which monitoring events become alerts, how severe they are, and when two of them are the same
 * alert. Pure: an event in, an alert (or none) out. Only fields named here are read from `data`.
 */
import { EventTypes } from '../domain/events.js';
import type { RotorEvent } from '../ports/event-publisher.js';
import type { Alert, AlertDetails, AlertKind, Severity } from './alert.js';

export interface RuleSettings {
  /** An overdue rotation alerts only once it is this late (ms). */
  overdueThresholdMs: number;
}

const MAX_TEXT = 300;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? (v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT - 1)}…` : v) : undefined;

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A time given as ISO 8601 text or epoch milliseconds. */
const instant = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
};

/** Keeps the defined values, in the order given. */
const details = (entries: [string, string | number | boolean | undefined][]): AlertDetails =>
  Object.fromEntries(entries.filter((e): e is [string, string | number | boolean] => e[1] !== undefined));

const errorOf = (data: Record<string, unknown>): { code?: string; message?: string } => {
  const e = data.error;
  return isRecord(e) ? { code: text(e.code), message: text(e.message) } : {};
};

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const formatDuration = (ms: number): string => {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
};

interface Facts {
  event: RotorEvent;
  data: Record<string, unknown>;
  secretName: string;
  time: number;
}

type Rule = (facts: Facts, settings: RuleSettings) => Omit<Alert, 'secretName' | 'secretType' | 'eventId' | 'eventType' | 'occurredAt'> | null;

const alert = (kind: AlertKind, severity: Severity, title: string, summary: string, dedupKey: string, d: AlertDetails) => ({
  kind,
  severity,
  title,
  summary,
  dedupKey,
  details: d,
});

const rotationFailed: Rule = ({ data, secretName }) => {
  const versionId = text(data.versionId) ?? '';
  const error = errorOf(data);
  return alert(
    'rotation-failed',
    'critical',
    `Rotation failed: ${secretName}`,
    `The rotation of ${secretName} to version ${versionId || '(unknown)'} failed${text(data.step) ? ` at step ${text(data.step)}` : ''}. ACSCurrent is unchanged.`,
    `rotation-failed:${secretName}:${versionId}`,
    details([
      ['versionId', versionId || undefined],
      ['step', text(data.step)],
      ['attempt', count(data.attempt)],
      ['trigger', text(data.trigger)],
      ['errorCode', error.code],
      ['errorMessage', error.message],
    ]),
  );
};

const rotationAbandoned: Rule = ({ data, secretName }) => {
  const versionId = text(data.versionId) ?? '';
  return alert(
    'rotation-abandoned',
    'warning',
    `Rotation abandoned: ${secretName}`,
    `The rotation of ${secretName} to version ${versionId || '(unknown)'} was abandoned${text(data.reason) ? ` (${text(data.reason)})` : ''}. ACSCurrent is unchanged.`,
    `rotation-abandoned:${secretName}:${versionId}`,
    details([
      ['versionId', versionId || undefined],
      ['step', text(data.step)],
      ['reason', text(data.reason)],
      ['errorCode', errorOf(data).code],
      ['errorMessage', errorOf(data).message],
    ]),
  );
};

const rotationDeadLettered: Rule = ({ data, secretName }) => {
  const versionId = text(data.versionId) ?? '';
  const step = text(data.step) ?? '';
  return alert(
    'rotation-dead-lettered',
    'critical',
    `Rotation step dead-lettered: ${secretName}`,
    `A step message of the rotation of ${secretName} was given up on after repeated deliveries; the rotation is stalled until someone looks.`,
    `rotation-dead-lettered:${secretName}:${versionId}:${step}`,
    details([
      ['versionId', versionId || undefined],
      ['step', step || undefined],
      ['queue', text(data.queue)],
      ['receiveCount', count(data.receiveCount)],
    ]),
  );
};

/** How late the rotation is: said outright, or the event's time minus the due date. */
const overdueBy = (data: Record<string, unknown>, time: number): { lateMs?: number; dueAt?: number } => {
  const seconds = count(data.overdueSeconds);
  const dueAt = instant(data.dueSince ?? data.nextRotationDate ?? data.dueAt);
  if (seconds !== undefined) return { lateMs: seconds * 1000, ...(dueAt !== undefined ? { dueAt } : {}) };
  const ms = count(data.overdueMs);
  if (ms !== undefined) return { lateMs: ms, ...(dueAt !== undefined ? { dueAt } : {}) };
  return dueAt !== undefined ? { lateMs: time - dueAt, dueAt } : {};
};

/** Once per secret per UTC day while it stays overdue; an event that cannot say how late still alerts. */
const rotationOverdue: Rule = ({ data, secretName, time }, settings) => {
  const { lateMs, dueAt } = overdueBy(data, time);
  if (lateMs !== undefined && lateMs < settings.overdueThresholdMs) return null;
  const late = lateMs !== undefined ? ` by ${formatDuration(lateMs)}` : '';
  return alert(
    'rotation-overdue',
    'warning',
    `Rotation overdue: ${secretName}`,
    `The scheduled rotation of ${secretName} is overdue${late}.`,
    `rotation-overdue:${secretName}:${utcDay(time)}`,
    details([
      ['dueSince', dueAt !== undefined ? new Date(dueAt).toISOString() : undefined],
      ['overdueSeconds', lateMs !== undefined ? Math.floor(lateMs / 1000) : undefined],
      ['reason', text(data.reason)],
      ['deferrals', count(data.deferrals)],
      ['nextAttemptAt', text(data.nextAttemptAt)],
    ]),
  );
};

/** Per drifted version when the event names it, else once per secret per UTC day. */
const driftDetected: Rule = ({ data, secretName, time }) => {
  const versionId = text(data.versionId);
  const error = errorOf(data);
  return alert(
    'drift-detected',
    'critical',
    `Drift detected: ${secretName}`,
    `ACSCurrent of ${secretName} no longer works against its target: applications reading it will fail to log in.`,
    `drift-detected:${secretName}:${versionId ?? utcDay(time)}`,
    details([
      ['versionId', versionId],
      ['errorCode', error.code ?? text(data.code)],
      ['errorMessage', error.message],
      ['checkedAt', text(data.checkedAt)],
    ]),
  );
};

/** Once per secret per reader per UTC day: an application that keeps polling is one alert. */
const readWhilePendingDeletion: Rule = ({ data, secretName, time }) => {
  const reader = text(data.requestedBy) ?? text(data.accessKeyId);
  return alert(
    'read-while-pending-deletion',
    'warning',
    `Read of a secret pending deletion: ${secretName}`,
    `Someone asked for the value of ${secretName}, which is scheduled for deletion; the read was refused. Something still depends on it.`,
    `read-while-pending-deletion:${secretName}:${reader ?? ''}:${utcDay(time)}`,
    details([
      ['requestedBy', reader],
      ['plannedDeleteTime', text(data.plannedDeleteTime)],
    ]),
  );
};

const RULES: Readonly<Record<string, Rule>> = {
  [EventTypes.rotationFailed]: rotationFailed,
  [EventTypes.rotationAbandoned]: rotationAbandoned,
  [EventTypes.rotationDeadLettered]: rotationDeadLettered,
  [EventTypes.rotationOverdue]: rotationOverdue,
  [EventTypes.driftDetected]: driftDetected,
  [EventTypes.readWhilePendingDeletion]: readWhilePendingDeletion,
};

/** The event types that can alert: what the topic subscriptions should let through. */
export const ALERTING_EVENT_TYPES: readonly string[] = Object.keys(RULES);

/** The alert an event raises, or null when it raises none. */
export const alertFor = (event: RotorEvent, settings: RuleSettings): Alert | null => {
  const rule = Object.hasOwn(RULES, event.type) ? RULES[event.type] : undefined;
  if (!rule) return null;
  const data = isRecord(event.data) ? event.data : {};
  const secretName = text(data.secretName) ?? event.subject;
  const parsed = Date.parse(event.time);
  const time = Number.isNaN(parsed) ? 0 : parsed;
  const made = rule({ event, data, secretName, time }, settings);
  if (!made) return null;
  return {
    ...made,
    secretName,
    secretType: text(data.secretType) ?? null,
    eventId: event.id,
    eventType: event.type,
    occurredAt: new Date(time).toISOString(),
  };
};
