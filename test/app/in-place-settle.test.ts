/**
 * A target that replaces ACSCurrent in place (SingleUser databases, host passwords): before a
 * rotation that reached applyToTarget is failed or abandoned, the engine asks the target which
 * value it accepts, and rolls forward, fails as usual, or keeps the pending version labelled.
 * Real service, SQLite store and queue, manual clock; the target is an in-memory one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TargetError } from '../../shared/domain/errors.js';
import type { RotationTickResult } from '../../shared/app/rotate-tick.js';
import type { ApplyRequest, CheckCurrentRequest } from '../../shared/ports/target-driver.js';
import { SECOND } from '../support/manual-clock.js';
import { RecordingDriver } from '../support/recording-driver.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

let h: Harness;
afterEach(async () => h.close());

const INITIAL = 'initial-value';
const CONFIG = '{"SecretSubType":"Recorded"}';

/** One credential, replaced by apply. Can lose apply's answers after the change, or stop answering checks. */
class InPlaceDriver extends RecordingDriver {
  checks = 0;
  lostApplyAnswers = 0;
  unreachableChecks = false;

  replacesCurrentInPlace(): boolean {
    return true;
  }

  override async apply(req: ApplyRequest) {
    await super.apply(req);
    if (this.lostApplyAnswers > 0) {
      this.lostApplyAnswers--;
      throw new TargetError('Target.Timeout', 'The target did not answer in time.', true);
    }
    return {};
  }

  override async verify(req: { pendingValue: string }) {
    if (this.unreachableChecks) throw new TargetError('Target.Unavailable', 'The target is unreachable.', true);
    return super.verify(req);
  }

  async checkCurrent(req: CheckCurrentRequest) {
    this.checks++;
    if (this.unreachableChecks) throw new TargetError('Target.Unavailable', 'The target is unreachable.', true);
    if (this.applied !== req.currentValue) throw new TargetError('Target.AuthenticationFailed', 'ACSCurrent does not log in.', false);
    return {};
  }
}

const setup = async (driver: RecordingDriver = new InPlaceDriver()) => {
  h = await createHarness({ drivers: [driver], settings: { maxStepAttempts: 3, maxReconciles: 1 } });
  await h.service.createSecret({
    secretName: 'db',
    versionId: 'v1',
    secretData: INITIAL,
    extendedConfig: CONFIG,
    enableAutomaticRotation: true,
    rotationInterval: '7d',
  });
  driver.applied = INITIAL;
  return driver;
};

const value = async (versionStage: string) => h.service.getSecretValue({ secretName: secretIdOf('db'), versionStage });
const events = (type: string) => h.events.events.filter((e) => e.type === `com.secretrotor.${type}`);

describe('giving up a rotation on an in-place target', () => {
  it('rolls forward when the target took the pending value but every answer was lost', async () => {
    const driver = (await setup()) as InPlaceDriver;
    driver.lostApplyAnswers = h.settings.maxStepAttempts;
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await h.pump();

    expect(events('rotation.failed')).toHaveLength(0);
    const succeeded = events('rotation.succeeded');
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]?.data).toMatchObject({ versionId: 'r1', rolledForward: { step: 'applyToTarget', error: { code: 'Target.Timeout' } } });
    expect((await value('ACSCurrent')).version.versionId).toBe('r1');
    expect((await value('ACSCurrent')).secretData).toBe(driver.applied);
    expect((await value('ACSPrevious')).version.versionId).toBe('v1');
    const s = await h.service.describeSecret(secretIdOf('db'));
    expect(s.lastRotation).toMatchObject({ versionId: 'r1', status: 'Succeeded' });
    expect(s.pendingFinalize).toBeNull();
    expect(driver.calls.filter((c) => c === 'finalize')).toHaveLength(1);
    expect(JSON.stringify(h.events.events)).not.toContain(driver.applied as string);

    // A redelivered apply message finds no live job: no second promote, nothing changes.
    const revision = s.revision;
    await h.queue.send({ secretName: 'db', versionId: 'r1', step: 'applyToTarget' });
    await h.pump();
    expect(events('rotation.succeeded')).toHaveLength(1);
    expect((await h.service.describeSecret(secretIdOf('db'))).revision).toBe(revision);
  });

  it('fails as usual, dropping the pending label, when the apply never landed and ACSCurrent still works', async () => {
    const driver = (await setup()) as InPlaceDriver;
    driver.failNext('apply', h.settings.maxStepAttempts);
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await h.pump();

    expect(driver.checks).toBe(1);
    expect(driver.calls.filter((c) => c === 'verify')).toHaveLength(1);
    const failed = events('rotation.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.data).toMatchObject({ versionId: 'r1', step: 'applyToTarget', error: { code: 'Target.Unavailable' } });
    const s = await h.service.describeSecret(secretIdOf('db'));
    expect(s.stages).toEqual({ ACSCurrent: 'v1' });
    expect(s.lastRotation).toMatchObject({ versionId: 'r1', status: 'Failed', error: { code: 'Target.Unavailable' } });
    expect(driver.applied).toBe(INITIAL);
    // An ordinary failure waits a full interval before the next scheduled attempt.
    expect(s.rotation.nextRotationAt).toBe(h.clock.now() + 7 * 86_400 * SECOND);
  });

  it('keeps the pending version labelled and rotates again soon when the target cannot tell', async () => {
    const driver = (await setup()) as InPlaceDriver;
    driver.lostApplyAnswers = h.settings.maxStepAttempts;
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await h.pump(2); // createPending, then the first apply (landed, answer lost)
    driver.unreachableChecks = true;
    await h.pump();

    const failed = events('rotation.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.data).toMatchObject({
      versionId: 'r1',
      error: { code: 'Rotation.TargetStateUncertain' },
      stepError: { code: 'Target.Timeout' },
    });
    const s = await h.service.describeSecret(secretIdOf('db'));
    expect(s.job).toBeNull();
    expect(s.stages).toEqual({ ACSCurrent: 'v1', RotorPending: 'r1' });
    expect(s.lastRotation).toMatchObject({ status: 'Failed', error: { code: 'Rotation.TargetStateUncertain' } });
    // What DescribeSecret shows names the step's own failure, not only the uncertainty.
    expect(s.lastRotation?.error?.message).toMatch(/^The step failed \(Target\.Timeout\) and the target could not tell/);
    // The value the target may hold is not lost: it can still be read.
    expect((await value('RotorPending')).secretData).toBe(driver.applied);
    expect(s.rotation.nextRotationAt).toBe(h.clock.now() + h.settings.retryMaxSeconds * SECOND);

    // Once the target answers again, the next scheduled rotation puts it back into a known state.
    driver.unreachableChecks = false;
    h.clock.advance(h.settings.retryMaxSeconds * SECOND);
    await h.service.scheduleDueRotations();
    await h.pump();
    const after = await h.service.describeSecret(secretIdOf('db'));
    expect(after.lastRotation).toMatchObject({ status: 'Succeeded' });
    expect(after.stages.RotorPending).toBeUndefined();
    expect((await value('ACSCurrent')).secretData).toBe(driver.applied);
  });

  it('leaves a target whose apply keeps ACSCurrent working alone: no extra checks, pending label dropped', async () => {
    const driver = await setup(new RecordingDriver());
    driver.failNext('apply', h.settings.maxStepAttempts);
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await h.pump();
    expect(driver.calls).toEqual(['generate', 'apply', 'apply', 'apply']);
    expect((await h.service.describeSecret(secretIdOf('db'))).stages).toEqual({ ACSCurrent: 'v1' });
  });

  it('the reconciler rolls a stalled rotation forward instead of abandoning it when the target took the pending value', async () => {
    const driver = (await setup()) as InPlaceDriver;
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    expect(await h.pump(2)).toBe(2); // createPending, applyToTarget: the target has the new value
    const loseQueuedMessages = async () => {
      for (let [m] = await h.queue.receive(1, 30); m; [m] = await h.queue.receive(1, 30)) await h.queue.delete(m.receiptHandle);
    };
    const pastLease = () => h.clock.advance(h.settings.leaseSeconds * SECOND + 1);
    await loseQueuedMessages();
    pastLease();
    expect(((await h.service.scheduleDueRotations()) as RotationTickResult).reconcile).toMatchObject({ redriven: 1 });
    await loseQueuedMessages();
    pastLease();
    expect(((await h.service.scheduleDueRotations()) as RotationTickResult).reconcile).toMatchObject({ redriven: 0, abandoned: 0, rolledForward: 1 });

    expect(events('rotation.abandoned')).toHaveLength(0);
    expect(events('rotation.succeeded')[0]?.data).toMatchObject({ versionId: 'r1', rolledForward: { step: 'verify', error: { code: 'Rotation.Stalled' } } });
    expect((await value('ACSCurrent')).version.versionId).toBe('r1');
    expect((await value('ACSCurrent')).secretData).toBe(driver.applied);
    await h.pump();
    expect(driver.calls.filter((c) => c === 'finalize')).toHaveLength(1);
  });
});
