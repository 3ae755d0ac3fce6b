import { describe, expect, it } from 'vitest';
import { stagesAfterPut, stagesAfterUpdate } from '../../shared/domain/stages.js';
import type { SecretRecord } from '../../shared/domain/secret.js';

const secret = (stages: Record<string, string>) => ({ stages }) as SecretRecord;
const exists = () => true;

describe('PutSecretValue stages', () => {
  it('new ACSCurrent pushes the old current to ACSPrevious and drops the older previous', () => {
    expect(stagesAfterPut(secret({ ACSCurrent: 'v1', ACSPrevious: 'v0' }), 'v2', ['ACSCurrent'])).toEqual({
      ACSCurrent: 'v2',
      ACSPrevious: 'v1',
    });
  });
  it('custom labels only move the custom label', () => {
    expect(stagesAfterPut(secret({ ACSCurrent: 'v1' }), 'v2', ['MyPending'])).toEqual({ ACSCurrent: 'v1', MyPending: 'v2' });
  });
  it('refuses ACSPrevious, reserved and malformed labels, and a ninth stage', () => {
    expect(() => stagesAfterPut(secret({ ACSCurrent: 'v1' }), 'v2', ['ACSPrevious'])).toThrow(/VersionStages/);
    expect(() => stagesAfterPut(secret({ ACSCurrent: 'v1' }), 'v2', ['RotorPending'])).toThrow(/reserved/);
    expect(() => stagesAfterPut(secret({ ACSCurrent: 'v1' }), 'v2', ['bad label'])).toThrow(/VersionStages/);
    const eight = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`S${i}`, 'v1']));
    expect(() => stagesAfterPut(secret(eight), 'v2', ['S9'])).toThrow(/at most 8/);
  });
});

describe('UpdateSecretVersionStage', () => {
  const s = secret({ ACSCurrent: 'v2', ACSPrevious: 'v1', Custom: 'v1' });
  it('moves ACSCurrent and hands the old one ACSPrevious', () => {
    expect(stagesAfterUpdate(s, { versionStage: 'ACSCurrent', moveToVersion: 'v3', removeFromVersion: 'v2' }, exists)).toEqual({
      ACSCurrent: 'v3',
      ACSPrevious: 'v2',
      Custom: 'v1',
    });
  });
  it('removes a custom label only from the version that holds it', () => {
    expect(stagesAfterUpdate(s, { versionStage: 'Custom', removeFromVersion: 'v1' }, exists)).toEqual({ ACSCurrent: 'v2', ACSPrevious: 'v1' });
    expect(() => stagesAfterUpdate(s, { versionStage: 'Custom', removeFromVersion: 'v2' }, exists)).toThrow(/RemoveFromVersion/);
  });
  it('never removes the built-in labels and needs a target version that exists', () => {
    expect(() => stagesAfterUpdate(s, { versionStage: 'ACSCurrent', removeFromVersion: 'v2' }, exists)).toThrow(/MoveToVersion/);
    expect(() => stagesAfterUpdate(s, { versionStage: 'Custom' }, exists)).toThrow(/MoveToVersion or RemoveFromVersion/);
    expect(() => stagesAfterUpdate(s, { versionStage: 'Custom', moveToVersion: 'v9' }, () => false)).toThrow(/does not exist/);
  });
});
