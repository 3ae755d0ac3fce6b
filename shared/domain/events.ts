/**
 * Monitoring events. Type names are stable API for alerting systems; `data` carries names, ids,
 * codes and timings, never a secret value.
 */
import { randomUUID } from 'node:crypto';
import type { RotorEvent } from '../ports/event-publisher.js';
import type { SecretRecord } from './secret.js';

export const EVENT_SOURCE = 'secret-rotor';

export const EventTypes = {
  secretCreated: 'com.secretrotor.secret.created',
  secretUpdated: 'com.secretrotor.secret.updated',
  valuePut: 'com.secretrotor.secret.value.put',
  stageUpdated: 'com.secretrotor.secret.stage.updated',
  rotationPolicyUpdated: 'com.secretrotor.secret.rotation-policy.updated',
  deletionScheduled: 'com.secretrotor.secret.deletion.scheduled',
  deleted: 'com.secretrotor.secret.deleted',
  purged: 'com.secretrotor.secret.purged',
  restored: 'com.secretrotor.secret.restored',
  rotationStarted: 'com.secretrotor.rotation.started',
  stepStarted: 'com.secretrotor.rotation.step.started',
  stepSucceeded: 'com.secretrotor.rotation.step.succeeded',
  stepFailed: 'com.secretrotor.rotation.step.failed',
  rotationSucceeded: 'com.secretrotor.rotation.succeeded',
  rotationFailed: 'com.secretrotor.rotation.failed',
  rotationAbandoned: 'com.secretrotor.rotation.abandoned',
  /** A step message was given up on after too many deliveries and moved to the dead-letter queue. */
  rotationDeadLettered: 'com.secretrotor.rotation.dead-lettered',
  /** A due rotation has not started (or not finished) long after its date: a backlog or a stuck target. */
  rotationOverdue: 'com.secretrotor.rotation.overdue',
  /** A drift check found that ACSCurrent no longer authenticates against its target. */
  driftDetected: 'com.secretrotor.secret.drift.detected',
  /** A drift check found ACSCurrent working again after a detected drift. */
  driftResolved: 'com.secretrotor.secret.drift.resolved',
  /** Someone asked for the value of a secret that is scheduled for deletion (refused, but telling). */
  readWhilePendingDeletion: 'com.secretrotor.secret.read-pending-deletion',
  /** One call of the API (any action, any outcome): the audit trail, as events. */
  auditApiCall: 'com.secretrotor.audit.api-call',
} as const;

export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

/** KMS's own CloudMonitor names, carried alongside ours so KMS-minded alert rules still match. */
export const KMS_ROTATION_SUCCESS = 'Secret:RotateSecret:Success';
export const KMS_ROTATION_FAILURE = 'Secret:RotateSecret:Failure';

export const makeEvent = (
  type: EventType,
  secret: Pick<SecretRecord, 'name' | 'type'>,
  now: number,
  data: Record<string, unknown> = {},
): RotorEvent => ({
  specversion: '1.0',
  id: randomUUID(),
  source: EVENT_SOURCE,
  type,
  subject: secret.name,
  time: new Date(now).toISOString(),
  datacontenttype: 'application/json',
  data: { secretName: secret.name, secretType: secret.type, ...data },
});
