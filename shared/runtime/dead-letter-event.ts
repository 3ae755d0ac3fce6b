/**
 * The monitoring event for a rotation step message given up on: alerting needs to know, since the
 * secret's rotation stalls until someone looks. Names, ids, counts and times only.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_SOURCE, EventTypes } from '../domain/events.js';
import type { RotorEvent } from '../ports/event-publisher.js';
import type { DeadLetter } from '../ports/job-queue-consumer.js';

export const deadLetteredEvent = (deadLetter: DeadLetter, queueName: string): RotorEvent => ({
  specversion: '1.0',
  id: randomUUID(),
  source: EVENT_SOURCE,
  type: EventTypes.rotationDeadLettered,
  subject: deadLetter.body.secretName,
  time: new Date(deadLetter.deadAt).toISOString(),
  datacontenttype: 'application/json',
  data: {
    secretName: deadLetter.body.secretName,
    versionId: deadLetter.body.versionId,
    step: deadLetter.body.step,
    queue: queueName,
    messageId: deadLetter.messageId,
    receiveCount: deadLetter.receiveCount,
    enqueuedAt: new Date(deadLetter.enqueuedAt).toISOString(),
  },
});
