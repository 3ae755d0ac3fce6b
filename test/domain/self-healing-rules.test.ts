import { describe, expect, it } from 'vitest';
import { driftCheckSeconds, driftDueAt, recordDriftCheck, validateDriftTag } from '../../shared/domain/drift.js';
import {
  abandonRotation,
  claimRotation,
  currentBacklog,
  completeStep,
  deferRotation,
  isLeaseExpired,
  promote,
  redriveStalled,
} from '../../shared/domain/rotation.js';
import { leaseDueAt, rotationDueAt } from '../../shared/domain/secret.js';
import { FIXTURE_TIME as T, makeJob, makeRotatingSecret, makeSecret } from '../support/fixtures.js';

const lease = (expiresAt: number) => ({ owner: 'w', expiresAt });

describe('leases', () => {
  it('a claim takes the lease and records the driver kind; progress resets the re-drive count', () => {
    const claimed = claimRotation(makeSecret(), { versionId: 'v2', trigger: 'manual', customValue: false, now: T, perHour: 50, lease: lease(T + 10), targetKind: 'ecs' });
    expect(claimed.job).toMatchObject({ lease: lease(T + 10), reconciles: 0, targetKind: 'ecs' });
    expect(leaseDueAt(claimed)).toBe(T + 10);
    const redriven = redriveStalled(claimed, lease(T + 20), T + 11);
    expect(redriven.job).toMatchObject({ lease: lease(T + 20), reconciles: 1, step: 'createPending' });
    expect(completeStep(redriven, 'createPending', T + 12).job?.reconciles).toBe(0);
  });

  it('a job without a lease (stored before leases) is expired at its step start', () => {
    const job = makeJob({ stepStartedAt: T });
    expect(isLeaseExpired(job, T - 1)).toBe(false);
    expect(isLeaseExpired(job, T)).toBe(true);
    expect(leaseDueAt(makeSecret({ job }))).toBe(T);
  });

  it('a promote records the finalize it owes; it counts for the reconciler only while no deletion is pending', () => {
    const s = promote(makeSecret({ job: makeJob({ step: 'promote' }) }), T, lease(T + 5));
    expect(s.pendingFinalize).toEqual({ versionId: 'v2', lease: lease(T + 5), reconciles: 0 });
    expect(leaseDueAt(s)).toBe(T + 5);
    expect(leaseDueAt({ ...s, plannedDeleteAt: T + 100 })).toBeNull();
    expect(leaseDueAt(makeSecret())).toBeNull();
  });

  it('abandoning drops the pending label, keeps ACSCurrent, and says Abandoned', () => {
    const s = abandonRotation(makeSecret({ stages: { ACSCurrent: 'v1', RotorPending: 'v2' }, job: makeJob() }), { code: 'X', message: 'y' }, T);
    expect(s.job).toBeNull();
    expect(s.stages).toEqual({ ACSCurrent: 'v1' });
    expect(s.lastRotation).toMatchObject({ versionId: 'v2', status: 'Abandoned', error: { code: 'X' } });
  });
});

describe('deferral', () => {
  it('moves the due time on and remembers since when the rotation has been due', () => {
    const first = deferRotation(makeRotatingSecret(T), T + 60_000, T + 1, false);
    expect(rotationDueAt(first)).toBe(T + 60_000);
    expect(first.backlog).toEqual({ dueSince: T, deferrals: 1, overdueReported: false, deferredUntil: T + 60_000 });
    const second = deferRotation(first, T + 120_000, T + 60_001, true);
    expect(second.backlog).toEqual({ dueSince: T, deferrals: 2, overdueReported: true, deferredUntil: T + 120_000 });
    expect(currentBacklog(second)).toEqual(second.backlog);
    // The policy moved the due time since: that backlog is over, a new occurrence starts afresh.
    const replanned = { ...second, rotation: { ...second.rotation, nextRotationAt: T + 10 * 60_000 } };
    expect(currentBacklog(replanned)).toBeNull();
    expect(deferRotation(replanned, T + 11 * 60_000, T + 10 * 60_000, false).backlog).toMatchObject({ dueSince: T + 10 * 60_000, deferrals: 1 });
    const claimed = claimRotation(second, { versionId: 'v9', trigger: 'schedule', customValue: false, now: T + 120_000, perHour: 50 });
    expect(claimed.backlog).toBeNull();
  });
});

describe('drift checks', () => {
  const tagged = (value: string) => makeSecret({ tags: [{ key: 'rotor:drift-check', value }], createdAt: T });

  it('accepts 15m to 8760h in d, h or m, and refuses anything else', () => {
    expect(driftCheckSeconds(tagged('15m'))).toBe(900);
    expect(driftCheckSeconds(tagged('2d'))).toBe(172_800);
    expect(driftCheckSeconds(tagged('8760h'))).toBe(31_536_000);
    for (const bad of ['14m', '8761h', '1', 'true', '1s', ' '])
      expect(() => validateDriftTag([{ key: 'rotor:drift-check', value: bad }])).toThrow(/rotor:drift-check/);
    expect(driftCheckSeconds(makeSecret())).toBeNull();
  });

  it('is due at once, then one interval after each check; never while rotating or being deleted', () => {
    const s = tagged('1h');
    expect(driftDueAt(s)).toBe(T);
    const checked = recordDriftCheck(s, 'Drifted', { code: 'Target.AuthenticationFailed', message: 'no' }, T + 5);
    expect(checked.drift).toEqual({ status: 'Drifted', checkedAt: T + 5, nextCheckAt: T + 5 + 3_600_000, error: { code: 'Target.AuthenticationFailed', message: 'no' } });
    expect(driftDueAt(checked)).toBe(T + 5 + 3_600_000);
    expect(driftDueAt({ ...checked, job: makeJob() })).toBeNull();
    expect(driftDueAt({ ...checked, plannedDeleteAt: T + 1 })).toBeNull();
  });
});
