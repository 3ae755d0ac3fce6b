/**
 * The alerting use case: each event becomes at most one alert, each alert is sent once per target
 * per dedup window. The claim is taken before sending and given back when sending fails, so two
 * deliveries of one event send once, and a failed send is retried by the trigger's redelivery.
 */
import { KmsError } from '../domain/errors.js';
import type { AlertDedupStore } from '../ports/alert-dedup-store.js';
import type { RotorEvent } from '../ports/event-publisher.js';
import type { Alert } from './alert.js';
import { alertFor, type RuleSettings } from './rules.js';
import { deliverAlert, targetLabel, type DeliveryPolicy, type WebhookTarget } from './webhook.js';

export interface AlertingSettings extends RuleSettings {
  /** How long a sent alert suppresses the same one (ms). */
  dedupWindowMs: number;
  delivery: DeliveryPolicy;
}

export interface AlertingLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface AlertingDeps {
  dedup: AlertDedupStore;
  targets: readonly WebhookTarget[];
  settings: AlertingSettings;
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: AlertingLog;
}

export type DeliveryStatus = 'sent' | 'duplicate' | 'failed';

export interface TargetOutcome {
  target: string;
  status: DeliveryStatus;
  attempts?: number;
  reason?: string;
}

export interface EventOutcome {
  eventId: string;
  eventType: string;
  /** The alert kind raised, or null when the event raises none. */
  alert: Alert['kind'] | null;
  dedupKey?: string;
  deliveries: TargetOutcome[];
}

/** Some alert could not be delivered: the invocation fails so the topic trigger redelivers. */
export class AlertDeliveryError extends KmsError {
  constructor(readonly outcomes: EventOutcome[]) {
    const failed = outcomes.flatMap((o) => o.deliveries.filter((d) => d.status === 'failed').map((d) => `${d.target} (${d.reason ?? 'failed'})`));
    super('Rotor.AlertDeliveryFailed', 502, `Alert delivery failed for ${failed.join(', ')}.`);
    this.name = 'AlertDeliveryError';
  }
}

const sendOnce = async (alert: Alert, target: WebhookTarget, deps: AlertingDeps): Promise<TargetOutcome> => {
  const label = targetLabel(target.url);
  const key = `${label}|${alert.dedupKey}`;
  const now = deps.now();
  const expiresAt = now + deps.settings.dedupWindowMs;
  if (!(await deps.dedup.claim(key, expiresAt, now))) return { target: label, status: 'duplicate' };
  const result = await deliverAlert(target, alert, deps.settings.delivery, { now: deps.now, ...(deps.sleep ? { sleep: deps.sleep } : {}) });
  if (result.ok) return { target: label, status: 'sent', attempts: result.attempts };
  await deps.dedup.release(key, expiresAt);
  return { target: label, status: 'failed', attempts: result.attempts, ...(result.reason ? { reason: result.reason } : {}) };
};

export const handleEvent = async (event: RotorEvent, deps: AlertingDeps): Promise<EventOutcome> => {
  const alert = alertFor(event, deps.settings);
  const base = { eventId: event.id, eventType: event.type };
  if (!alert) return { ...base, alert: null, deliveries: [] };
  const deliveries = await Promise.all(deps.targets.map((target) => sendOnce(alert, target, deps)));
  for (const d of deliveries) {
    const fields = { alert: alert.kind, severity: alert.severity, secretName: alert.secretName, dedupKey: alert.dedupKey, ...d };
    if (d.status === 'failed') deps.log?.warn(fields, 'alert not delivered');
    else deps.log?.info(fields, d.status === 'sent' ? 'alert sent' : 'alert suppressed as a duplicate');
  }
  return { ...base, alert: alert.kind, dedupKey: alert.dedupKey, deliveries };
};

/** Every event is handled (one failure does not skip the rest); then any failure fails the whole. */
export const handleEvents = async (events: readonly RotorEvent[], deps: AlertingDeps): Promise<EventOutcome[]> => {
  const outcomes: EventOutcome[] = [];
  for (const event of events) outcomes.push(await handleEvent(event, deps));
  if (outcomes.some((o) => o.deliveries.some((d) => d.status === 'failed'))) throw new AlertDeliveryError(outcomes);
  return outcomes;
};
