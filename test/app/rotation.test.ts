import { afterEach, describe, expect, it } from 'vitest';
import { KmsError } from '../../shared/domain/errors.js';
import { GeneratedPasswordDriver } from '../../shared/adapters/drivers/generated-password/generated-password-driver.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { HOUR, SECOND } from '../support/manual-clock.js';
import { RecordingDriver } from '../support/recording-driver.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

let h: Harness;
afterEach(async () => h.close());

const setup = async (config = '{"SecretSubType":"Recorded"}') => {
  const driver = new RecordingDriver();
  h = await createHarness({ drivers: [driver, new GeneratedPasswordDriver()], settings: { maxStepAttempts: 3 } });
  await h.service.createSecret({ secretName: 'db', versionId: 'v1', secretData: 'initial-value', extendedConfig: config });
  return driver;
};

const current = async () => (await h.service.getSecretValue({ secretName: secretIdOf('db') })).secretData;

describe('manual rotation', () => {
  it('runs the four steps, promotes the new value and publishes every step', async () => {
    const driver = await setup();
    const out = await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    expect(out.started).toBe(true);
    expect((await h.service.describeSecret(secretIdOf('db'))).job?.step).toBe('createPending');
    // The four steps, then the driver's finalize once the promote is stored.
    expect(await h.pump()).toBe(5);
    expect(driver.calls).toEqual(['generate', 'apply', 'verify', 'finalize']);
    const value = await current();
    expect(value).toBe(driver.applied);
    expect(value).not.toBe('initial-value');
    expect((await h.service.getSecretValue({ secretName: secretIdOf('db'), versionStage: 'ACSPrevious' })).secretData).toBe('initial-value');
    const s = await h.service.describeSecret(secretIdOf('db'));
    expect(s.job).toBeNull();
    expect(s.lastRotation).toMatchObject({ versionId: 'r1', status: 'Succeeded' });
    expect(h.eventTypes()).toEqual([
      'secret.created',
      'rotation.started',
      ...['createPending', 'applyToTarget', 'verify', 'promote'].flatMap(() => ['rotation.step.started', 'rotation.step.succeeded']),
      'rotation.succeeded',
    ]);
    const steps = h.events.events.filter((e) => e.type.endsWith('step.succeeded')).map((e) => e.data.step);
    expect(steps).toEqual(['createPending', 'applyToTarget', 'verify', 'promote']);
    expect(JSON.stringify(h.events.events)).not.toContain(value);
    expect(JSON.stringify(h.events.events)).not.toContain('initial-value');
  });

  it('uses a custom value when given one', async () => {
    const driver = await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1', secretData: 'my-custom-pass' });
    await h.pump();
    expect(await current()).toBe('my-custom-pass');
    expect(driver.calls).not.toContain('generate');
  });

  it('one rotation at a time; the same VersionId again is an idempotent success', async () => {
    await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    const again = await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    expect(again.started).toBe(false);
    await expect(h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r2' })).rejects.toMatchObject({ code: 'Rejected.RotationInProgress' });
    await h.pump();
    expect((await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' })).started).toBe(false);
    expect((await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r2' })).started).toBe(true);
  });

  it('duplicate deliveries of every step message change nothing', async () => {
    const driver = await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    // Deliver each message three times before acknowledging it.
    for (;;) {
      const [m] = await h.queue.receive(1, 30);
      if (!m) break;
      for (let i = 0; i < 3; i++) await h.service.runRotationStep(m.body);
      await h.queue.delete(m.receiptHandle);
    }
    await h.pump();
    expect(driver.calls.filter((c) => c === 'apply')).toHaveLength(1);
    expect((await h.service.listSecretVersionIds({ secretName: secretIdOf('db'), includeDeprecated: true })).total).toBe(2);
    expect(await current()).toBe(driver.applied);
  });

  it('retries a failing step with backoff, then succeeds', async () => {
    const driver = await setup();
    driver.failNext('apply', 2);
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await h.pump();
    expect(driver.calls.filter((c) => c === 'apply')).toHaveLength(3);
    expect(await current()).toBe(driver.applied);
    const failed = h.events.events.filter((e) => e.type.endsWith('step.failed'));
    expect(failed.map((e) => [e.data.attempt, e.data.willRetry])).toEqual([
      [1, true],
      [2, true],
    ]);
  });

  it('marks the rotation failed after the retry budget, keeps ACSCurrent, and shows the error', async () => {
    const driver = await setup();
    driver.failNext('verify', 99);
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await h.pump();
    expect(driver.calls.filter((c) => c === 'verify')).toHaveLength(3);
    expect(await current()).toBe('initial-value');
    const s = await h.service.describeSecret(secretIdOf('db'));
    expect(s.job).toBeNull();
    expect(s.stages.RotorPending).toBeUndefined();
    expect(s.lastRotation).toMatchObject({ versionId: 'r1', status: 'Failed', error: { code: 'Target.Unavailable' } });
    const last = h.events.events.at(-1);
    expect(last?.type).toBe('com.secretrotor.rotation.failed');
    expect(last?.data).toMatchObject({ kmsEventName: 'Secret:RotateSecret:Failure', error: { code: 'Target.Unavailable' } });
    // A failed rotation does not hold the lock.
    driver.failNext('verify', 0);
    expect((await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r2' })).started).toBe(true);
  });

  it('a non-retryable target error fails at once', async () => {
    const driver = await setup();
    driver.failNext('apply', 1, false);
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await h.pump();
    expect(driver.calls.filter((c) => c === 'apply')).toHaveLength(1);
    expect((await h.service.describeSecret(secretIdOf('db'))).lastRotation?.status).toBe('Failed');
  });

  it('a message lost after a step committed is re-driven by a duplicate of the earlier step once the lease ran out', async () => {
    await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    const [first] = await h.queue.receive(1, 30);
    await h.service.runRotationStep(first!.body);
    // Simulate a crash that lost the queued successor: drop it, and redeliver the first message.
    const [successor] = await h.queue.receive(1, 30);
    await h.queue.delete(successor!.receiptHandle);
    // While the lease holds, the job may just be waiting out a backoff: the duplicate queues nothing.
    await h.service.runRotationStep(first!.body);
    expect(await h.queue.depth()).toMatchObject({ visible: 0, delayed: 0 });
    h.clock.advance(h.settings.leaseSeconds * SECOND);
    await h.service.runRotationStep(first!.body);
    await h.queue.delete(first!.receiptHandle);
    await h.pump();
    const s = await h.service.describeSecret(secretIdOf('db'));
    expect(s.lastRotation?.status).toBe('Succeeded');
    expect(s.pendingFinalize).toBeNull();
  });

  it('is refused for a secret pending deletion, and for a plain Generic secret', async () => {
    await setup();
    await h.service.createSecret({ secretName: 'plain', versionId: 'v1', secretData: 'x' });
    await expect(h.service.rotateSecret({ secretName: secretIdOf('plain'), versionId: 'r1' })).rejects.toMatchObject({ code: 'Rejected.Unavailable' });
    await h.service.deleteSecret({ secretName: secretIdOf('db') });
    await expect(h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' })).rejects.toMatchObject({
      code: 'Rejected.ResourceInDeleteWindow',
    });
  });

  it('a deletion scheduled mid-rotation abandons it and keeps ACSCurrent', async () => {
    await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await h.service.deleteSecret({ secretName: secretIdOf('db') });
    await h.pump();
    await h.service.restoreSecret(secretIdOf('db'));
    expect(await current()).toBe('initial-value');
    expect(h.eventTypes()).toContain('rotation.abandoned');
  });

  it('at most 50 rotations per hour', async () => {
    await setup();
    for (let i = 0; i < 50; i++) {
      await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: `r${i}` });
      await h.pump();
    }
    await expect(h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r50' })).rejects.toMatchObject({ code: 'Rejected.LimitExceeded' });
    h.clock.advance(HOUR);
    expect((await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r50' })).started).toBe(true);
  });
});

describe('scheduled rotation', () => {
  it('the timer starts only due secrets, and rotates the generated password', async () => {
    h = await createHarness();
    const config = '{"SecretSubType":"GeneratedPassword","PasswordLength":20,"ExcludePunctuation":true}';
    for (const name of ['due', 'later'])
      await h.service.createSecret({
        secretName: name,
        versionId: 'v1',
        secretData: 'initial',
        extendedConfig: config,
        enableAutomaticRotation: true,
        rotationInterval: name === 'due' ? '6h' : '7d',
      });
    await h.service.createSecret({ secretName: 'plain', versionId: 'v1', secretData: 'x' });
    expect(await h.service.scheduleDueRotations()).toMatchObject({ rowsRead: 0, acted: 0, skipped: 0 });
    h.clock.advance(6 * HOUR);
    const tickAt = h.clock.now();
    expect(await h.service.scheduleDueRotations()).toMatchObject({ rowsRead: 1, acted: 1, skipped: 0, deferred: 0 });
    // A second tick while it runs starts nothing new.
    expect((await h.service.scheduleDueRotations()).acted).toBe(0);
    await h.pump();
    const value = (await h.service.getSecretValue({ secretName: secretIdOf('due') })).secretData;
    expect(value).toMatch(/^[A-Za-z0-9]{20}$/);
    const s = await h.service.describeSecret(secretIdOf('due'));
    expect(s.rotation.lastRotatedAt).toBeGreaterThanOrEqual(tickAt);
    expect(s.rotation.nextRotationAt).toBe((s.rotation.lastRotatedAt as number) + 6 * HOUR);
    expect((await h.service.getSecretValue({ secretName: secretIdOf('later') })).secretData).toBe('initial');
  });

  it('a secret pending deletion is not rotated by the timer', async () => {
    h = await createHarness();
    await h.service.createSecret({
      secretName: 'gen',
      versionId: 'v1',
      secretData: 'initial',
      extendedConfig: '{"SecretSubType":"GeneratedPassword"}',
      enableAutomaticRotation: true,
      rotationInterval: '6h',
    });
    await h.service.deleteSecret({ secretName: secretIdOf('gen') });
    h.clock.advance(7 * HOUR);
    expect((await h.service.scheduleDueRotations()).rowsRead).toBe(0);
  });
});

describe('errors', () => {
  it('are KmsErrors with codes', async () => {
    await setup();
    await expect(h.service.rotateSecret({ secretName: secretIdOf('nope'), versionId: 'r1' })).rejects.toBeInstanceOf(KmsError);
  });
});
