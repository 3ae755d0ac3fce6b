/**
 * The audit trail: every API call is appended to the AuditLog and published as a
 * `com.secretrotor.audit.api-call` event. Records carry names, codes and addresses only: never a
 * secret value, a signature or the request's other parameters.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_SOURCE, EventTypes } from '../domain/events.js';
import type { AuditLog, AuditRecord } from '../ports/audit-log.js';
import type { EventPublisher, RotorEvent } from '../ports/event-publisher.js';

export interface AuditTrail {
  /** Resolves once the record is stored and published; rejects with the first failure of either. */
  record(record: AuditRecord): Promise<void>;
}

export const auditEvent = (record: AuditRecord): RotorEvent => ({
  specversion: '1.0',
  id: randomUUID(),
  source: EVENT_SOURCE,
  type: EventTypes.auditApiCall,
  // Events about a secret are grouped by it; the others by the caller's key.
  subject: record.secretName ?? record.accessKeyId,
  time: new Date(record.time).toISOString(),
  datacontenttype: 'application/json',
  data: { ...record, time: new Date(record.time).toISOString() },
});

export const createAuditTrail = (deps: { log: AuditLog; events: EventPublisher }): AuditTrail => ({
  async record(record) {
    // Both are attempted even if one fails: a topic outage must not lose the stored record.
    const results = await Promise.allSettled([deps.log.append(record), deps.events.publish(auditEvent(record))]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  },
});
