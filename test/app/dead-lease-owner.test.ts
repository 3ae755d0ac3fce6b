/**
 * Leases whose holder is known to be gone (ServiceDeps.isLeaseOwnerAlive, given by the local
 * runtime): the reconciler takes such a rotation over at once instead of after the lease, both
 * when asked directly (the local runtime's start) and when a message of the dead worker comes
 * back. Without the check, or for a holder it cannot tell about, the lease is trusted until it
 * runs out, as in the cloud. Real service, SQLite store and queue, manual clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDriverRegistry } from '../../shared/adapters/drivers/registry.js';
import { createSecretService } from '../../shared/app/secret-service.js';
import type { SecretService } from '../../shared/app/service.js';
import { FINALIZE_PROMOTED, type JobQueue } from '../../shared/ports/job-queue.js';
import { SECOND } from '../support/manual-clock.js';
import { RecordingDriver } from '../support/recording-driver.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const DEAD_WORKER = 'host-a:4242:0badf00d';
const CONFIG = '{"SecretSubType":"Recorded"}';
const NOTHING: Awaited<ReturnType<SecretService['reconcileStalledRotations']>> = { expiredRead: 1, redriven: 0, abandoned: 0, rolledForward: 0, finalizesRequeued: 0 };

let h: Harness;
afterEach(async () => h.close());

const setup = async (isLeaseOwnerAlive?: (owner: string) => boolean) => {
  const driver = new RecordingDriver();
  h = await createHarness({ drivers: [driver], ...(isLeaseOwnerAlive ? { isLeaseOwnerAlive } : {}) });
  await h.service.createSecret({ secretName: 'db', versionId: 'v1', secretData: 'initial-value', extendedConfig: CONFIG });
  return driver;
};
const deadWorkerIsGone = (owner: string) => owner !== DEAD_WORKER;

/** The worker that dies: same store, queue and driver, its own name in the leases; its sends past `keep` never return. */
const dyingWorker = (driver: RecordingDriver, keep: (step: string) => boolean): SecretService => {
  const queue: JobQueue = { send: (m, o) => (keep(m.step) ? h.queue.send(m, o) : new Promise<void>(() => undefined)) };
  return createSecretService({
    store: h.store,
    queue,
    events: h.events,
    keys: h.keys,
    drivers: createDriverRegistry([driver]),
    clock: h.clock,
    settings: h.settings,
    random: () => 0.5,
    workerId: DEAD_WORKER,
  });
};

const untilJobAt = async (step: string): Promise<void> => {
  while ((await h.service.describeSecret(secretIdOf('db'))).job?.step !== step) await new Promise((resolve) => setImmediate(resolve));
};

/**
 * The dead worker ran createPending from the queue, stored it, and died before queueing
 * applyToTarget: its message is back on the queue unacknowledged, as a restart leaves it.
 */
const dieAfterCreatePending = async (driver: RecordingDriver): Promise<void> => {
  const dying = dyingWorker(driver, (step) => step === 'createPending');
  await dying.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
  const [message] = await h.queue.receive(1, 30);
  void dying.runRotationStep(message!.body);
  await untilJobAt('applyToTarget');
  await h.queue.release(message!.receiptHandle, 0);
};

const lastRotation = async () => (await h.service.describeSecret(secretIdOf('db'))).lastRotation;

describe('a lease whose holder is known to be gone', () => {
  it('is taken over at once by the reconciler: a claim whose first step was never queued', async () => {
    const driver = await setup(deadWorkerIsGone);
    void dyingWorker(driver, () => false).rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    await untilJobAt('createPending');
    const claimedAt = h.clock.now();

    expect(await h.service.reconcileStalledRotations()).toEqual({ ...NOTHING, redriven: 1 });
    await h.pump();
    expect(await lastRotation()).toMatchObject({ versionId: 'r1', status: 'Succeeded' });
    expect(driver.calls).toEqual(['generate', 'apply', 'verify', 'finalize']);
    // Nothing waited for the lease.
    expect(h.clock.now() - claimedAt).toBeLessThan(h.settings.leaseSeconds * SECOND);
  });

  it('is taken over when the dead worker’s step message comes back after the step was stored', async () => {
    const driver = await setup(deadWorkerIsGone);
    await dieAfterCreatePending(driver);

    // Only the queue: no reconciler tick runs here.
    await h.pump();
    expect(await lastRotation()).toMatchObject({ versionId: 'r1', status: 'Succeeded' });
    expect(driver.calls).toEqual(['generate', 'apply', 'verify', 'finalize']);
  });

  it('queues again a finalize whose promote was stored by the dead worker', async () => {
    const driver = await setup(deadWorkerIsGone);
    const dying = dyingWorker(driver, (step) => step !== FINALIZE_PROMOTED);
    await dying.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    const nextStep: Record<string, string> = { createPending: 'applyToTarget', applyToTarget: 'verify', verify: 'promote' };
    for (let [m] = await h.queue.receive(1, 30); m; [m] = await h.queue.receive(1, 30)) {
      void dying.runRotationStep(m.body);
      if (m.body.step === 'promote') {
        while ((await h.service.describeSecret(secretIdOf('db'))).pendingFinalize?.versionId !== 'r1') await new Promise((resolve) => setImmediate(resolve));
      } else {
        await untilJobAt(nextStep[m.body.step]!);
      }
      // The promote message too is gone with the worker (dead-lettered, say): only the reconciler can queue the finalize.
      await h.queue.delete(m.receiptHandle);
    }

    expect(await h.service.reconcileStalledRotations()).toEqual({ ...NOTHING, finalizesRequeued: 1 });
    await h.pump();
    expect(driver.calls).toEqual(['generate', 'apply', 'verify', 'finalize']);
    expect((await h.service.describeSecret(secretIdOf('db'))).pendingFinalize).toBeNull();
  });

  it('is left alone while its holder lives, and this process’s own lease always is', async () => {
    const driver = await setup(() => false);
    // Held by this service itself: the check says no one is alive, yet the holder is the caller.
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    expect(await h.service.reconcileStalledRotations()).toEqual(NOTHING);
    await h.pump();
    expect(await lastRotation()).toMatchObject({ versionId: 'r1', status: 'Succeeded' });
    expect(driver.calls).toEqual(['generate', 'apply', 'verify', 'finalize']);

    await h.close();
    const other = await setup(() => true);
    await dieAfterCreatePending(other);
    expect(await h.service.reconcileStalledRotations()).toEqual(NOTHING);
    await h.pump();
    expect((await h.service.describeSecret(secretIdOf('db'))).job).toMatchObject({ versionId: 'r1', step: 'applyToTarget' });
  });
});

describe('without a way to tell (the cloud)', () => {
  it('the lease is trusted until it runs out, then the rotation is re-driven', async () => {
    const driver = await setup();
    await dieAfterCreatePending(driver);

    await h.pump();
    expect(await h.service.reconcileStalledRotations()).toEqual({ ...NOTHING, expiredRead: 0 });
    expect((await h.service.describeSecret(secretIdOf('db'))).job).toMatchObject({ versionId: 'r1', step: 'applyToTarget' });

    h.clock.advance(h.settings.leaseSeconds * SECOND + 1);
    expect(await h.service.reconcileStalledRotations()).toEqual({ ...NOTHING, redriven: 1 });
    await h.pump();
    expect(await lastRotation()).toMatchObject({ versionId: 'r1', status: 'Succeeded' });
  });
});
