import { describe, expect, it } from 'vitest';
import { ALERTING_EVENT_TYPES, alertFor } from '../../shared/alerting/rules.js';
import { dingTalkBody, genericBody } from '../../shared/alerting/formats.js';
import { EventTypes, makeEvent, type EventType } from '../../shared/domain/events.js';
import { EVENT_TAGS } from '../../shared/adapters/mns/event-tags.js';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const HOUR = 3_600_000;
const settings = { overdueThresholdMs: 2 * HOUR };
const secret = { name: 'app/db-password', type: 'Generic' as const };

const event = (type: EventType, data: Record<string, unknown> = {}, at = T0) => makeEvent(type, secret, at, data);

describe('alert rules', () => {
  it('a failed rotation is a critical alert keyed by secret and version, with the step and error code', () => {
    const alert = alertFor(
      event(EventTypes.rotationFailed, { versionId: 'v2', step: 'verify', attempt: 5, trigger: 'schedule', error: { code: 'Target.Unavailable', message: 'The target refused verify.' } }),
      settings,
    );
    expect(alert).toMatchObject({
      kind: 'rotation-failed',
      severity: 'critical',
      secretName: 'app/db-password',
      secretType: 'Generic',
      dedupKey: 'rotation-failed:app/db-password:v2',
      eventType: EventTypes.rotationFailed,
      occurredAt: '2026-03-01T10:00:00.000Z',
      details: { versionId: 'v2', step: 'verify', attempt: 5, trigger: 'schedule', errorCode: 'Target.Unavailable', errorMessage: 'The target refused verify.' },
    });
    expect(alert?.title).toBe('Rotation failed: app/db-password');
  });

  it('the same failure delivered twice (new event id) gets the same key; another version a different one', () => {
    const a = alertFor(event(EventTypes.rotationFailed, { versionId: 'v2' }), settings);
    const b = alertFor(event(EventTypes.rotationFailed, { versionId: 'v2' }, T0 + 1000), settings);
    const c = alertFor(event(EventTypes.rotationFailed, { versionId: 'v3' }), settings);
    expect(a?.eventId).not.toBe(b?.eventId);
    expect(a?.dedupKey).toBe(b?.dedupKey);
    expect(c?.dedupKey).not.toBe(a?.dedupKey);
  });

  it('an abandoned rotation is a warning; a dead-lettered step is critical and keyed by its step', () => {
    const abandoned = alertFor(event(EventTypes.rotationAbandoned, { versionId: 'v2', step: 'applyToTarget', reason: 'stalled', error: { code: 'Rotor.Stalled' } }), settings);
    expect(abandoned).toMatchObject({
      kind: 'rotation-abandoned',
      severity: 'warning',
      dedupKey: 'rotation-abandoned:app/db-password:v2',
      details: { step: 'applyToTarget', reason: 'stalled', errorCode: 'Rotor.Stalled' },
    });
    expect(abandoned?.summary).toContain('(stalled)');
    expect(alertFor(event(EventTypes.rotationDeadLettered, { versionId: 'v2', step: 'verify', queue: 'q', receiveCount: 10 }), settings)).toMatchObject({
      kind: 'rotation-dead-lettered',
      severity: 'critical',
      dedupKey: 'rotation-dead-lettered:app/db-password:v2:verify',
      details: { queue: 'q', receiveCount: 10 },
    });
  });

  it('an overdue rotation alerts only past the threshold, once per secret per UTC day', () => {
    const due = (lateMs: number) => new Date(T0 - lateMs).toISOString();
    expect(alertFor(event(EventTypes.rotationOverdue, { dueSince: due(HOUR) }), settings)).toBeNull();
    // As the scheduler announces it: due since, how late, why it has not started.
    const late = alertFor(event(EventTypes.rotationOverdue, { dueSince: due(3 * HOUR), reason: 'concurrency', deferrals: 4, nextAttemptAt: due(-60_000) }), settings);
    expect(late).toMatchObject({ kind: 'rotation-overdue', severity: 'warning', dedupKey: 'rotation-overdue:app/db-password:2026-03-01' });
    expect(late?.details).toEqual({ dueSince: due(3 * HOUR), overdueSeconds: 3 * 3600, reason: 'concurrency', deferrals: 4, nextAttemptAt: due(-60_000) });
    expect(late?.summary).toContain('3 h 0 min');
    // Said outright in seconds, or as epoch milliseconds: both are read.
    expect(alertFor(event(EventTypes.rotationOverdue, { overdueSeconds: 60 }), settings)).toBeNull();
    expect(alertFor(event(EventTypes.rotationOverdue, { dueSince: T0 - 5 * HOUR }), settings)?.details.overdueSeconds).toBe(5 * 3600);
    const nextDay = alertFor(event(EventTypes.rotationOverdue, { overdueSeconds: 3 * 3600 }, T0 + 24 * HOUR), settings);
    expect(nextDay?.dedupKey).toBe('rotation-overdue:app/db-password:2026-03-02');
    // An overdue event that cannot say how late still alerts: silence would be worse.
    expect(alertFor(event(EventTypes.rotationOverdue), settings)?.kind).toBe('rotation-overdue');
  });

  it('drift is critical, keyed by the drifted version when named, else per day', () => {
    expect(alertFor(event(EventTypes.driftDetected, { versionId: 'v7', error: { code: 'Target.AuthFailed' } }), settings)).toMatchObject({
      kind: 'drift-detected',
      severity: 'critical',
      dedupKey: 'drift-detected:app/db-password:v7',
      details: { versionId: 'v7', errorCode: 'Target.AuthFailed' },
    });
    expect(alertFor(event(EventTypes.driftDetected), settings)?.dedupKey).toBe('drift-detected:app/db-password:2026-03-01');
  });

  it('a read while pending deletion is a warning keyed per secret, reader and day', () => {
    const alert = alertFor(event(EventTypes.readWhilePendingDeletion, { requestedBy: 'LTAIreader', plannedDeleteTime: '2026-03-08T10:00:00.000Z' }), settings);
    expect(alert).toMatchObject({
      kind: 'read-while-pending-deletion',
      severity: 'warning',
      dedupKey: 'read-while-pending-deletion:app/db-password:LTAIreader:2026-03-01',
      details: { requestedBy: 'LTAIreader', plannedDeleteTime: '2026-03-08T10:00:00.000Z' },
    });
  });

  it('other events raise nothing', () => {
    for (const type of Object.values(EventTypes)) {
      if (ALERTING_EVENT_TYPES.includes(type)) continue;
      expect(alertFor(event(type, { versionId: 'v1' }), settings), type).toBeNull();
    }
    expect(alertFor({ ...event(EventTypes.rotationFailed), type: 'com.example.other' }, settings)).toBeNull();
    expect(ALERTING_EVENT_TYPES).toHaveLength(6);
  });

  it('every alerting event type has its own MNS tag, so a subscription per tag gets only it', () => {
    const tags = ALERTING_EVENT_TYPES.map((t) => EVENT_TAGS[t as EventType]);
    expect(new Set(tags).size).toBe(ALERTING_EVENT_TYPES.length);
    expect(tags.every((t) => typeof t === 'string' && t !== 'other')).toBe(true);
  });

  it('never carries data the rules do not name: a value smuggled into an event stays out of the alert and both bodies', () => {
    const leaked = 'hunter2-SENTINEL-value-9f8e7d';
    for (const type of ALERTING_EVENT_TYPES) {
      const e = event(type as EventType, {
        versionId: 'v2',
        secretData: leaked,
        SecretData: leaked,
        value: leaked,
        pendingValue: leaked,
        extra: { nested: leaked },
        dueSince: new Date(T0 - 5 * HOUR).toISOString(),
      });
      const alert = alertFor(e, settings);
      expect(alert, type).not.toBeNull();
      const bodies = [JSON.stringify(alert), JSON.stringify(genericBody(alert!)), JSON.stringify(dingTalkBody(alert!)), JSON.stringify(dingTalkBody(alert!, 'text'))];
      for (const body of bodies) expect(body, type).not.toContain(leaked);
    }
  });

  it('long texts from events are cut, and markdown in names cannot restyle a DingTalk message', () => {
    const alert = alertFor(
      makeEvent(EventTypes.rotationFailed, { name: 'x*y_[z]', type: 'Generic' }, T0, { versionId: 'v1', error: { code: 'E', message: 'm'.repeat(1000) } }),
      settings,
    )!;
    expect(String(alert.details.errorMessage).length).toBe(300);
    const text = (dingTalkBody(alert) as { markdown: { text: string } }).markdown.text;
    expect(text).toContain('x\\*y\\_\\[z\\]');
  });
});
