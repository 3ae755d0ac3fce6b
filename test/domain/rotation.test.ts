import { describe, expect, it } from 'vitest';
import { KmsError } from '../../shared/domain/errors.js';
import { claimRotation, completeStep, failRotation, markPendingStored, promote, retryDelaySeconds } from '../../shared/domain/rotation.js';
import { rotationDueAt, type SecretRecord } from '../../shared/domain/secret.js';

const base = (): SecretRecord => ({
  name: 's',
  type: 'Generic',
  description: '',
  encryptionKeyId: '',
  extendedConfig: null,
  tags: [],
  dataType: 'text',
  createdAt: 0,
  updatedAt: 0,
  stages: { ACSCurrent: 'v1', ACSPrevious: 'v0' },
  rotation: { enabled: true, intervalSeconds: 3600 * 6, lastRotatedAt: null, nextRotationAt: 1000 },
  plannedDeleteAt: null,
  job: null,
  lastRotation: null,
  rotationWindow: { startedAt: 0, count: 0 },
  revision: 3,
});

const claim = (s: SecretRecord, now = 10, perHour = 50) =>
  claimRotation(s, { versionId: 'v2', trigger: 'manual', customValue: false, now, perHour });

describe('rotation state machine', () => {
  it('walks createPending -> applyToTarget -> verify -> promote and rotates the labels', () => {
    let s = claim(base());
    expect(s.job?.step).toBe('createPending');
    expect(rotationDueAt(s)).toBeNull();
    s = markPendingStored(s, 20);
    expect(s.stages.RotorPending).toBe('v2');
    expect(s.job?.step).toBe('applyToTarget');
    s = completeStep(s, 'applyToTarget', 30);
    expect(s.job?.step).toBe('verify');
    s = completeStep(s, 'verify', 40);
    expect(s.job?.step).toBe('promote');
    s = promote(s, 50);
    expect(s.stages).toEqual({ ACSCurrent: 'v2', ACSPrevious: 'v1' });
    expect(s.job).toBeNull();
    expect(s.lastRotation).toMatchObject({ versionId: 'v2', status: 'Succeeded', finishedAt: 50 });
    expect(s.rotation).toMatchObject({ lastRotatedAt: 50, nextRotationAt: 50 + 6 * 3600 * 1000 });
  });
  it('completing a step that is not the current one changes nothing', () => {
    const s = claim(base());
    expect(completeStep(s, 'verify', 99)).toBe(s);
  });
  it('one rotation at a time', () => {
    expect(() => claim(claim(base()))).toThrow(/being rotated/);
  });
  it('at most perHour rotations in an hour, then the window resets', () => {
    let s = base();
    for (let i = 0; i < 3; i++) s = { ...claim(s, 100 + i, 3), job: null };
    try {
      claim(s, 200, 3);
      expect.unreachable();
    } catch (e) {
      expect((e as KmsError).code).toBe('Rejected.LimitExceeded');
    }
    expect(claim(s, 3_600_000 + 100, 3).rotationWindow.count).toBe(1);
  });
  it('a failed rotation keeps ACSCurrent, drops the pending label and waits an interval', () => {
    const s = failRotation(markPendingStored(claim(base()), 20), { code: 'X', message: 'y' }, 30);
    expect(s.stages).toEqual({ ACSCurrent: 'v1', ACSPrevious: 'v0' });
    expect(s.job).toBeNull();
    expect(s.lastRotation).toMatchObject({ status: 'Failed', error: { code: 'X' } });
    expect(s.rotation.nextRotationAt).toBe(30 + 6 * 3600 * 1000);
  });
  it('backoff grows and is capped', () => {
    expect(retryDelaySeconds(1, 2, 300, () => 0.999)).toBeCloseTo(2, 1);
    expect(retryDelaySeconds(4, 2, 300, () => 0.999)).toBeCloseTo(16, 0);
    expect(retryDelaySeconds(20, 2, 300, () => 0.999)).toBeLessThanOrEqual(300);
    expect(retryDelaySeconds(3, 2, 300, () => 0)).toBe(1);
  });
});
