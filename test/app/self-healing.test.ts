/**
 * Leases and the reconciler: a rotation whose worker died or whose messages were lost is driven
 * forward from its last durable step on a rotate-timer tick, or rolled back to ACSCurrent as
 * abandoned when it cannot go on. Real service, SQLite store and queue, manual clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDriverRegistry } from '../../shared/adapters/drivers/registry.js';
import type { RotationTickResult } from '../../shared/app/rotate-tick.js';
import { createSecretService } from '../../shared/app/secret-service.js';
import type { ServiceSettings } from '../../shared/app/deps.js';
import { describeSecret as describeAction } from '../../shared/http/actions/describe-secret.js';
import { FINALIZE_PROMOTED, type JobQueue } from '../../shared/ports/job-queue.js';
import type { TargetDriver } from '../../shared/ports/target-driver.js';
import { SECOND } from '../support/manual-clock.js';
import { RecordingDriver } from '../support/recording-driver.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

let h: Harness;
afterEach(async () => h.close());

const CONFIG = '{"SecretSubType":"Recorded"}';

const setup = async (settings: Partial<ServiceSettings> = {}) => {
  const driver = new RecordingDriver();
  h = await createHarness({ drivers: [driver], settings: { maxReconciles: 2, ...settings } });
  await h.service.createSecret({ secretName: 'db', versionId: 'v1', secretData: 'initial-value', extendedConfig: CONFIG });
  return driver;
};

/** The real service over the harness's adapters, with another queue or other drivers. */
const serviceWith = (swap: { queue?: JobQueue; drivers?: TargetDriver[] }) =>
  createSecretService({
    store: h.store,
    queue: swap.queue ?? h.queue,
    events: h.events,
    keys: h.keys,
    drivers: createDriverRegistry(swap.drivers ?? []),
    clock: h.clock,
    settings: h.settings,
    random: () => 0.5,
  });

/** A rotate-timer tick, with the rotate timer's full result. */
const tick = async () => (await h.service.scheduleDueRotations()) as RotationTickResult;
const current = async () => (await h.service.getSecretValue({ secretName: secretIdOf('db') })).secretData;
const pastLease = () => h.clock.advance(h.settings.leaseSeconds * SECOND + 1);
/** Loses every message on the queue, as a dead-lettering or a crashed worker would. */
const loseQueuedMessages = async () => {
  for (let [m] = await h.queue.receive(1, 30); m; [m] = await h.queue.receive(1, 30)) await h.queue.delete(m.receiptHandle);
};
/** DescribeSecret's response fields, through the real action (the HTTP layer's mapping). */
const describeFields = async (secretName = 'db') =>
  (await describeAction.execute({ SecretName: secretName }, { service: h.service, settings: h.settings, secret: secretIdOf(secretName) } as never)) as Record<string, unknown>;

describe('the reconciler', () => {
  it('finishes a rotation whose process died between the claim and queueing its first step', async () => {
    const driver = await setup();
    // The send never returns: the process is gone with the claim stored and nothing queued.
    const dying = serviceWith({ queue: { send: () => new Promise<void>(() => undefined) }, drivers: [driver] });
    void dying.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await new Promise((resolve) => setImmediate(resolve));
    expect((await h.service.describeSecret(secretIdOf('db'))).job).toMatchObject({ versionId: 'r1', step: 'createPending' });
    expect(await h.pump()).toBe(0);

    // Before the lease runs out the rotation is someone's: the tick leaves it alone.
    expect((await tick()).reconcile).toEqual({ expiredRead: 0, redriven: 0, abandoned: 0, rolledForward: 0, finalizesRequeued: 0 });
    pastLease();
    expect((await tick()).reconcile).toMatchObject({ expiredRead: 1, redriven: 1 });
    await h.pump();

    expect((await h.service.describeSecret(secretIdOf('db'))).lastRotation).toMatchObject({ versionId: 'r1', status: 'Succeeded' });
    expect(await current()).toBe(driver.applied);
  });

  it('queues again a finalize whose message was lost after the promote was stored', async () => {
    const driver = await setup();
    const dropsFinalize: JobQueue = {
      send: async (m, o) => (m.step === FINALIZE_PROMOTED ? undefined : h.queue.send(m, o)),
    };
    await serviceWith({ queue: dropsFinalize, drivers: [driver] }).rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    for (let [m] = await h.queue.receive(1, 30); m; [m] = await h.queue.receive(1, 30)) {
      await serviceWith({ queue: dropsFinalize, drivers: [driver] }).runRotationStep(m.body);
      await h.queue.delete(m.receiptHandle);
    }
    expect(driver.calls).toEqual(['generate', 'apply', 'verify']);
    expect((await h.service.describeSecret(secretIdOf('db'))).pendingFinalize).toMatchObject({ versionId: 'r1', reconciles: 0 });

    pastLease();
    expect((await tick()).reconcile).toMatchObject({ finalizesRequeued: 1 });
    await h.pump();
    expect(driver.calls).toEqual(['generate', 'apply', 'verify', 'finalize']);
    expect((await h.service.describeSecret(secretIdOf('db'))).pendingFinalize).toBeNull();
    pastLease();
    expect((await tick()).reconcile.expiredRead).toBe(0);
  });

  it('re-drives a rotation whose step messages are all lost, then abandons it with ACSCurrent kept', async () => {
    const driver = await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    expect(await h.pump(2)).toBe(2); // createPending, applyToTarget: the target has the new value
    const abandonedValue = driver.applied;

    for (let redrive = 1; redrive <= h.settings.maxReconciles; redrive++) {
      await loseQueuedMessages();
      pastLease();
      expect((await tick()).reconcile).toMatchObject({ redriven: 1, abandoned: 0 });
      expect((await h.service.describeSecret(secretIdOf('db'))).job).toMatchObject({ step: 'verify', reconciles: redrive });
    }
    await loseQueuedMessages();
    pastLease();
    expect((await tick()).reconcile).toMatchObject({ redriven: 0, abandoned: 1 });

    const s = await h.service.describeSecret(secretIdOf('db'));
    expect(s.job).toBeNull();
    expect(s.stages.RotorPending).toBeUndefined();
    expect(s.lastRotation).toMatchObject({ versionId: 'r1', status: 'Abandoned', error: { code: 'Rotation.Stalled' } });
    expect(await current()).toBe('initial-value');
    const abandoned = h.events.events.filter((e) => e.type === 'com.secretrotor.rotation.abandoned');
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0]?.data).toMatchObject({ versionId: 'r1', step: 'verify', reconciles: 2, reason: 'stalled' });
    expect(JSON.stringify(h.events.events)).not.toContain(abandonedValue);
    expect(await describeFields()).toMatchObject({ RotationStatus: 'Abandoned', LastRotationError: { Code: 'Rotation.Stalled' } });
    // Nothing left behind: the lock is free and nothing is in the reconciler's index.
    expect((await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r2' })).started).toBe(true);
  });

  it('abandons at once a stalled rotation whose driver is gone', async () => {
    await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await loseQueuedMessages();
    pastLease();
    const result = (await serviceWith({ drivers: [] }).scheduleDueRotations()) as RotationTickResult;
    expect(result.reconcile).toMatchObject({ abandoned: 1 });
    expect((await h.service.describeSecret(secretIdOf('db'))).lastRotation).toMatchObject({ status: 'Abandoned', error: { code: 'Rejected.Unavailable' } });
  });

  it('abandons a stalled custom-value rotation whose value was never stored', async () => {
    const driver = await setup();
    // Dies after the claim, before the custom value is stored.
    const dying = serviceWith({ queue: h.queue, drivers: [driver] });
    const stalledStore = h.store;
    const putVersion = stalledStore.putVersion.bind(stalledStore);
    stalledStore.putVersion = () => new Promise(() => undefined);
    void dying.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1', secretData: 'custom-value-never-stored' });
    await new Promise((resolve) => setImmediate(resolve));
    stalledStore.putVersion = putVersion;
    pastLease();
    expect((await tick()).reconcile).toMatchObject({ abandoned: 1 });
    expect((await h.service.describeSecret(secretIdOf('db'))).lastRotation).toMatchObject({ status: 'Abandoned', error: { code: 'Rotation.CustomValueMissing' } });
    expect(await current()).toBe('initial-value');
  });
});

describe('a duplicate of an earlier step message', () => {
  it('does not re-run the current step during its retry backoff', async () => {
    const driver = await setup({ retryBaseSeconds: 60, retryMaxSeconds: 60 });
    driver.failNext('apply', 1);
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    const [first] = await h.queue.receive(1, 30);
    await h.service.runRotationStep(first!.body); // createPending
    const [apply] = await h.queue.receive(1, 30);
    await h.service.runRotationStep(apply!.body); // apply fails: retried in 30 s (60 * 0.5)
    await h.queue.delete(apply!.receiptHandle);
    expect(driver.calls).toEqual(['generate', 'apply']);

    await h.service.runRotationStep(first!.body); // a late duplicate
    await h.queue.delete(first!.receiptHandle);
    expect(await h.queue.depth()).toMatchObject({ visible: 0, delayed: 1 });
    expect(driver.calls).toEqual(['generate', 'apply']);
    await h.pump();
    expect(driver.calls.filter((c) => c === 'apply')).toHaveLength(2);
    expect((await h.service.describeSecret(secretIdOf('db'))).lastRotation?.status).toBe('Succeeded');
  });
});

describe('a deletion scheduled before the target was touched', () => {
  it('ends the rotation as Abandoned', async () => {
    await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await h.service.deleteSecret({ secretName: secretIdOf('db') });
    await h.pump();
    await h.service.restoreSecret(secretIdOf('db'));
    expect((await h.service.describeSecret(secretIdOf('db'))).lastRotation).toMatchObject({
      status: 'Abandoned',
      error: { code: 'Rejected.ResourceInDeleteWindow' },
    });
  });
});
