/**
 * An alert: what an operator is told about one monitoring event. Built only from names, ids, codes
 * and times picked out of the event (never the event's data copied whole), so nothing an event
 * might carry by mistake reaches a chat room.
 */
export const ALERT_KINDS = [
  'rotation-failed',
  'rotation-abandoned',
  'rotation-overdue',
  'rotation-dead-lettered',
  'drift-detected',
  'read-while-pending-deletion',
] as const;

export type AlertKind = (typeof ALERT_KINDS)[number];

export type Severity = 'critical' | 'warning';

/** Scalar facts shown with the alert, in display order. */
export type AlertDetails = Record<string, string | number | boolean>;

export interface Alert {
  kind: AlertKind;
  severity: Severity;
  /** One line, e.g. "Rotation failed: app/db-password". */
  title: string;
  /** A sentence or two for people. */
  summary: string;
  secretName: string;
  /** Secret type (Generic, Rds ...), when the event says. */
  secretType: string | null;
  /** Same key = same alert: a second one within the dedup window is not sent. */
  dedupKey: string;
  /** The event this alert came from. */
  eventId: string;
  eventType: string;
  /** When it happened (the event's time), ISO 8601. */
  occurredAt: string;
  details: AlertDetails;
}
