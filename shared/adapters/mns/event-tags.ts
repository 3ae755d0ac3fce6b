/**
 * MNS message tags for monitoring events. A topic subscription with a FilterTag receives only the
 * messages whose MessageTag equals it, and MNS tags hold at most 16 characters, so each event type
 * gets a short, stable tag. Subscribe once per tag you alert on (e.g. `rotation.failure`,
 * `dead-lettered`), or without a FilterTag to receive everything.
 *
 *   event type (com.secretrotor.…)        MessageTag
 *   secret.created                         secret.created
 *   secret.updated                         secret.updated
 *   secret.value.put                       secret.value.put
 *   secret.stage.updated                   stage.updated
 *   secret.rotation-policy.updated         policy.updated
 *   secret.deletion.scheduled              delete.scheduled
 *   secret.deleted                         secret.deleted
 *   secret.purged                          secret.purged
 *   secret.restored                        secret.restored
 *   rotation.started                       rotation.started
 *   rotation.step.started                  step.started
 *   rotation.step.succeeded                step.succeeded
 *   rotation.step.failed                   step.failed
 *   rotation.succeeded                     rotation.success
 *   rotation.failed                        rotation.failure
 *   rotation.abandoned                     rotation.abandon
 *   rotation.dead-lettered                 dead-lettered
 *   rotation.overdue                       rotation.overdue
 *   secret.drift.detected                  drift.detected
 *   secret.drift.resolved                  drift.resolved
 *   secret.read-pending-deletion           read.pending-del
 *   audit.api-call                         audit.api-call
 *   any other type                         other
 */
import { EventTypes, type EventType } from '../../domain/events.js';

export const MNS_TAG_MAX_LENGTH = 16;
export const OTHER_EVENT_TAG = 'other';

export const EVENT_TAGS: Readonly<Record<EventType, string>> = {
  [EventTypes.secretCreated]: 'secret.created',
  [EventTypes.secretUpdated]: 'secret.updated',
  [EventTypes.valuePut]: 'secret.value.put',
  [EventTypes.stageUpdated]: 'stage.updated',
  [EventTypes.rotationPolicyUpdated]: 'policy.updated',
  [EventTypes.deletionScheduled]: 'delete.scheduled',
  [EventTypes.deleted]: 'secret.deleted',
  [EventTypes.purged]: 'secret.purged',
  [EventTypes.restored]: 'secret.restored',
  [EventTypes.rotationStarted]: 'rotation.started',
  [EventTypes.stepStarted]: 'step.started',
  [EventTypes.stepSucceeded]: 'step.succeeded',
  [EventTypes.stepFailed]: 'step.failed',
  [EventTypes.rotationSucceeded]: 'rotation.success',
  [EventTypes.rotationFailed]: 'rotation.failure',
  [EventTypes.rotationAbandoned]: 'rotation.abandon',
  [EventTypes.rotationDeadLettered]: 'dead-lettered',
  [EventTypes.rotationOverdue]: 'rotation.overdue',
  [EventTypes.driftDetected]: 'drift.detected',
  [EventTypes.driftResolved]: 'drift.resolved',
  [EventTypes.readWhilePendingDeletion]: 'read.pending-del',
  [EventTypes.auditApiCall]: 'audit.api-call',
};

const tags = EVENT_TAGS as Readonly<Record<string, string>>;

export const eventTag = (type: string): string => (Object.hasOwn(tags, type) ? (tags[type] as string) : OTHER_EVENT_TAG);
