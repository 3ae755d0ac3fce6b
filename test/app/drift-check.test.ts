/**
 * Drift checks: opt-in with the tag rotor:drift-check=<interval>; on the rotate timer, ACSCurrent
 * is handed to the driver's checkCurrent; a change of outcome is one event (detected, resolved)
 * and DescribeSecret shows the state. Real service, SQLite store and queue, manual clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GeneratedPasswordDriver } from '../../shared/adapters/drivers/generated-password/generated-password-driver.js';
import { RedactingDriver } from '../../shared/adapters/drivers/redacting-driver.js';
import type { RotationTickResult } from '../../shared/app/rotate-tick.js';
import { TargetError } from '../../shared/domain/errors.js';
import { describeSecret as describeAction } from '../../shared/http/actions/describe-secret.js';
import type { CheckCurrentRequest } from '../../shared/ports/target-driver.js';
import { HOUR } from '../support/manual-clock.js';
import { RecordingDriver } from '../support/recording-driver.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

/** A target whose current credential can be changed behind the store's back. */
class CheckableDriver extends RecordingDriver {
  checks = 0;

  async checkCurrent(req: CheckCurrentRequest) {
    this.checks++;
    // Quotes the value it was given, as careless drivers do: the redacting decorator must remove it.
    if (req.currentValue !== this.applied) throw new Error(`login refused for password ${req.currentValue}`);
    return {};
  }
}

let h: Harness;
afterEach(async () => h.close());

const DRIFT_TAG = { key: 'rotor:drift-check', value: '1h' };

const setup = async () => {
  const driver = new CheckableDriver();
  driver.applied = 'initial-value';
  h = await createHarness({ drivers: [new RedactingDriver(driver), new GeneratedPasswordDriver()] });
  await h.service.createSecret({
    secretName: 'db',
    versionId: 'v1',
    secretData: 'initial-value',
    extendedConfig: '{"SecretSubType":"Recorded"}',
    tags: [DRIFT_TAG],
  });
  return driver;
};

const tick = async () => (await h.service.scheduleDueRotations()) as RotationTickResult;
const driftEvents = () => h.eventTypes().filter((t) => t.startsWith('secret.drift'));
const describeFields = async (secretName = 'db') =>
  (await describeAction.execute({ SecretName: secretName }, { service: h.service, settings: h.settings, secret: secretIdOf(secretName) } as never)) as Record<string, unknown>;

describe('drift checks', () => {
  it('checks on the first tick, then once per interval, and reports a change of outcome once', async () => {
    const driver = await setup();
    expect(await describeFields()).toMatchObject({ DriftStatus: 'Unchecked' });
    expect((await tick()).drift).toEqual({ rowsRead: 1, inSync: 1, drifted: 0, unsupported: 0 });
    expect(await describeFields()).toMatchObject({ DriftStatus: 'InSync', LastDriftCheck: expect.any(String) });
    expect((await tick()).drift.rowsRead).toBe(0);

    driver.applied = 'changed-by-someone-else';
    h.clock.advance(HOUR);
    expect((await tick()).drift).toMatchObject({ drifted: 1 });
    h.clock.advance(HOUR);
    expect((await tick()).drift).toMatchObject({ drifted: 1 });
    expect(driftEvents()).toEqual(['secret.drift.detected']);
    const fields = await describeFields();
    expect(fields).toMatchObject({ DriftStatus: 'Drifted', DriftError: { Code: 'Target.Failed' } });
    expect(JSON.stringify(fields)).not.toContain('initial-value');
    expect(JSON.stringify(h.events.events)).not.toContain('initial-value');

    driver.applied = 'initial-value';
    h.clock.advance(HOUR);
    expect((await tick()).drift).toMatchObject({ inSync: 1 });
    expect(driftEvents()).toEqual(['secret.drift.detected', 'secret.drift.resolved']);
    expect(driver.checks).toBe(4);
  });

  it('checks the new ACSCurrent after a rotation, and not while one runs', async () => {
    const driver = await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    expect((await tick()).drift.rowsRead).toBe(0);
    await h.pump();
    expect((await tick()).drift).toMatchObject({ inSync: 1 });
    expect(driver.checks).toBe(1);
  });

  it('leaves secrets that did not opt in alone, and reports drivers that cannot check', async () => {
    h = await createHarness();
    await h.service.createSecret({
      secretName: 'gen',
      versionId: 'v1',
      secretData: 'x',
      extendedConfig: '{"SecretSubType":"GeneratedPassword"}',
      tags: [DRIFT_TAG],
    });
    await h.service.createSecret({ secretName: 'plain', versionId: 'v1', secretData: 'x' });
    await h.service.createSecret({ secretName: 'plain-tagged', versionId: 'v1', secretData: 'x', tags: [DRIFT_TAG] });
    expect((await tick()).drift).toEqual({ rowsRead: 2, inSync: 1, drifted: 0, unsupported: 1 });
    expect(await describeFields('plain')).not.toHaveProperty('DriftStatus');
    expect(await describeFields('plain-tagged')).toMatchObject({ DriftStatus: 'Unsupported' });
    expect(await describeFields('gen')).toMatchObject({ DriftStatus: 'InSync' });
  });

  it('refuses a drift-check tag that is not an interval from 15 minutes to 8760 hours', async () => {
    h = await createHarness();
    for (const value of ['yes', '10m', '8761h', '1s', '']) {
      await expect(
        h.service.createSecret({ secretName: 'x', versionId: 'v1', secretData: 'x', tags: [{ key: DRIFT_TAG.key, value }] }),
      ).rejects.toMatchObject({ code: 'InvalidParameter' });
    }
  });

  it('the redacting decorator passes checkCurrent through only when the driver has one, and redacts its errors', async () => {
    expect(new RedactingDriver(new RecordingDriver()).checkCurrent).toBeUndefined();
    const inner = new CheckableDriver();
    inner.applied = 'something-else';
    const check = new RedactingDriver(inner).checkCurrent;
    const secret = { name: 'db', type: 'Generic' as const, extendedConfig: {} };
    const failure = check?.({ secret, currentValue: 'hunter2-very-secret' });
    await expect(failure).rejects.toBeInstanceOf(TargetError);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });
});
