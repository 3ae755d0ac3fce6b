/**
 * What follows a stored promote: the driver's finalize (a `finalizePromoted` message), and the
 * delayed cleanup it may ask for (FinalizeResponse.cleanupAfterSeconds): the engine queues a
 * `retirePrevious` message for the outgoing ACSCurrent and hands that value to
 * `driver.cleanup` once the delay has passed, never for ACSCurrent and never for a secret that is
 * being deleted. Runs on the real service with the SQLite queue and a manual clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { asRotationMessage, encodeJsonBody } from '../../shared/adapters/mns/message-body.js';
import { TargetError } from '../../shared/domain/errors.js';
import { RETIRE_PREVIOUS } from '../../shared/ports/job-queue.js';
import type { CleanupRequest } from '../../shared/ports/target-driver.js';
import { rotationMessagesFromEvents } from '../../shared/runtime/trigger.js';
import { SECOND } from '../support/manual-clock.js';
import { RecordingDriver } from '../support/recording-driver.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const DELAY_SECONDS = 120;

/** A target that keeps the outgoing credential valid for a while after promote. */
class WindowedDriver extends RecordingDriver {
  readonly cleanups: CleanupRequest[] = [];
  cleanupFailures = 0;

  override async finalize() {
    await super.finalize();
    return { cleanupAfterSeconds: DELAY_SECONDS };
  }

  async cleanup(req: CleanupRequest) {
    if (this.cleanupFailures > 0) {
      this.cleanupFailures--;
      throw new TargetError('Target.Unavailable', 'The target refused cleanup.', true);
    }
    this.cleanups.push(req);
    return {};
  }
}

let h: Harness;
afterEach(async () => h.close());

const setup = async () => {
  const driver = new WindowedDriver();
  h = await createHarness({ drivers: [driver] });
  await h.service.createSecret({ secretName: 'db', versionId: 'v1', secretData: 'initial-value', extendedConfig: '{"SecretSubType":"Recorded"}' });
  return driver;
};

const value = async (versionStage = 'ACSCurrent') => (await h.service.getSecretValue({ secretName: secretIdOf('db'), versionStage })).secretData;

describe('delayed retirement of ACSPrevious', () => {
  it('calls cleanup with the outgoing value once the delay has passed, not before', async () => {
    const driver = await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    expect(await h.pump(5)).toBe(5);
    expect(driver.cleanups).toEqual([]);
    h.clock.advance((DELAY_SECONDS - 1) * SECOND);
    expect(await h.queue.receive(1, 30)).toEqual([]);
    h.clock.advance(SECOND);
    expect(await h.pump()).toBe(1);
    expect(driver.cleanups).toEqual([expect.objectContaining({ retiredValue: 'initial-value', currentValue: await value() })]);
    expect(driver.cleanups[0]?.secret.name).toBe('db');
  });

  it('queues nothing extra for a driver whose finalize asks for no cleanup', async () => {
    const driver = new RecordingDriver();
    h = await createHarness({ drivers: [driver] });
    await h.service.createSecret({ secretName: 'db', versionId: 'v1', secretData: 'x', extendedConfig: '{"SecretSubType":"Recorded"}' });
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    expect(await h.pump()).toBe(5);
    expect(await h.queue.depth()).toMatchObject({ delayed: 0, inFlight: 0 });
  });

  it('never retires ACSCurrent, and does nothing for a secret scheduled for deletion', async () => {
    const driver = await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await h.pump(5);
    await h.service.runRotationStep({ secretName: 'db', versionId: 'r1', step: RETIRE_PREVIOUS });
    await h.service.runRotationStep({ secretName: 'db', versionId: 'no-such-version', step: RETIRE_PREVIOUS });
    await h.service.runRotationStep({ secretName: 'no-such-secret', versionId: 'v1', step: RETIRE_PREVIOUS });
    expect(driver.cleanups).toEqual([]);
    await h.service.deleteSecret({ secretName: secretIdOf('db'), recoveryWindowInDays: 7 });
    expect(await h.pump()).toBe(1);
    expect(driver.cleanups).toEqual([]);
  });

  it('a failed cleanup is thrown, so the queue delivers it again, and a repeated one is harmless', async () => {
    const driver = await setup();
    driver.cleanupFailures = 1;
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await h.pump();
    expect(driver.cleanupFailures).toBe(0);
    expect(driver.cleanups).toHaveLength(1);
    await h.service.runRotationStep({ secretName: 'db', versionId: 'v1', step: RETIRE_PREVIOUS });
    expect(driver.cleanups).toHaveLength(2);
    expect(driver.cleanups.every((c) => c.retiredValue === 'initial-value')).toBe(true);
    expect(await value('ACSPrevious')).toBe('initial-value');
  });

  it('the MNS body decoder and the FC queue trigger accept the retirePrevious message', () => {
    const message = { secretName: 'db', versionId: 'v1', step: RETIRE_PREVIOUS };
    expect(asRotationMessage(message)).toEqual(message);
    const event = { messageBody: encodeJsonBody(message), messageId: 'm1' };
    expect(rotationMessagesFromEvents([event])).toEqual([message]);
  });
});

describe('finalize after the promote', () => {
  it('runs only once ACSCurrent names the new version, and stands aside for a newer rotation', async () => {
    const driver = new RecordingDriver();
    h = await createHarness({ drivers: [driver] });
    await h.service.createSecret({ secretName: 'db', versionId: 'v1', secretData: 'x', extendedConfig: '{"SecretSubType":"Recorded"}' });
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    expect(await h.pump(4)).toBe(4);
    // Promote is stored, finalize not run yet: ACSCurrent is already the new version.
    expect(driver.calls).toEqual(['generate', 'apply', 'verify']);
    expect((await h.service.getSecretValue({ secretName: secretIdOf('db') })).version.versionId).toBe('r1');
    // A second rotation starts before the finalize message is processed: the finalize waits, and
    // once that rotation has promoted, the older finalize finds ACSCurrent moved on and does nothing.
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r2' });
    await h.service.runRotationStep({ secretName: 'db', versionId: 'r1', step: 'finalizePromoted' });
    expect(driver.calls).toEqual(['generate', 'apply', 'verify']);
    await h.pump();
    expect(driver.calls.filter((c) => c === 'finalize')).toHaveLength(1);
    expect((await h.service.describeSecret(secretIdOf('db'))).lastRotation).toMatchObject({ versionId: 'r2', status: 'Succeeded' });
  });

  it('still runs when the rotation it waited for fails', async () => {
    const driver = new RecordingDriver();
    h = await createHarness({ drivers: [driver] });
    await h.service.createSecret({ secretName: 'db', versionId: 'v1', secretData: 'x', extendedConfig: '{"SecretSubType":"Recorded"}' });
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    expect(await h.pump(4)).toBe(4);
    driver.failNext('verify', 1, false);
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r2' });
    await h.pump();
    expect((await h.service.describeSecret(secretIdOf('db'))).lastRotation).toMatchObject({ versionId: 'r2', status: 'Failed' });
    expect((await h.service.getSecretValue({ secretName: secretIdOf('db') })).version.versionId).toBe('r1');
    expect(driver.calls.filter((c) => c === 'finalize')).toHaveLength(1);
  });
});
