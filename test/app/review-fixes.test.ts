/** Failure paths found in review: each test is a scenario that used to leave the secret wrong. */
import { afterEach, describe, expect, it } from 'vitest';
import { sealSecretValue } from '../../shared/app/envelope.js';
import { createSecretService } from '../../shared/app/secret-service.js';
import { STEP_AT_REST_MS } from '../../shared/app/start-rotation.js';
import { createDriverRegistry } from '../../shared/adapters/drivers/registry.js';
import type { JobQueue } from '../../shared/ports/job-queue.js';
import type { SecretStore } from '../../shared/ports/secret-store.js';
import { HOUR } from '../support/manual-clock.js';
import { RecordingDriver } from '../support/recording-driver.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

let h: Harness;
afterEach(async () => h.close());

const CONFIG = '{"SecretSubType":"Recorded"}';

const setup = async () => {
  const driver = new RecordingDriver();
  h = await createHarness({ drivers: [driver] });
  await h.service.createSecret({ secretName: 'db', versionId: 'v1', secretData: 'initial-value', extendedConfig: CONFIG });
  return driver;
};

/** The real service over the harness's adapters, with one of them swapped. */
const serviceWith = (driver: RecordingDriver, swap: { queue?: JobQueue; store?: SecretStore }) =>
  createSecretService({
    store: swap.store ?? h.store,
    queue: swap.queue ?? h.queue,
    events: h.events,
    keys: h.keys,
    drivers: createDriverRegistry([driver]),
    clock: h.clock,
    settings: h.settings,
  });

const current = async () => (await h.service.getSecretValue({ secretName: secretIdOf('db') })).secretData;

describe('a rotation that fails to start does not keep the secret locked', () => {
  it('when queueing the first step fails, the claim is taken back and the same request can be retried', async () => {
    const driver = await setup();
    let failures = 1;
    const flakyQueue: JobQueue = {
      send: async (m, o) => {
        if (failures-- > 0) throw new Error('queue unavailable');
        return h.queue.send(m, o);
      },
    };
    const service = serviceWith(driver, { queue: flakyQueue });
    await expect(service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' })).rejects.toThrow(/queue unavailable/);
    expect((await h.service.describeSecret(secretIdOf('db'))).job).toBeNull();
    expect((await service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' })).started).toBe(true);
    await h.pump();
    expect((await h.service.describeSecret(secretIdOf('db'))).lastRotation).toMatchObject({ versionId: 'r1', status: 'Succeeded' });
  });

  it('the same VersionId again while its step message was lost queues the step once more, once the step is at rest', async () => {
    await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    const [lost] = await h.queue.receive(1, 30);
    await h.queue.delete(lost!.receiptHandle);
    // Right away, a repeat is a retry of a call whose step is surely still on its way: nothing is queued.
    expect((await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' })).started).toBe(false);
    expect(await h.queue.receive(10, 30)).toEqual([]);
    h.clock.advance(STEP_AT_REST_MS);
    expect((await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' })).started).toBe(false);
    await h.pump();
    expect((await h.service.describeSecret(secretIdOf('db'))).lastRotation).toMatchObject({ versionId: 'r1', status: 'Succeeded' });
  });
});

describe('the rotate timer', () => {
  it('does not rotate a secret that stopped being due after the tick listed it', async () => {
    const driver = new RecordingDriver();
    h = await createHarness({ drivers: [driver] });
    await h.service.createSecret({
      secretName: 'db',
      versionId: 'v1',
      secretData: 'initial-value',
      extendedConfig: CONFIG,
      enableAutomaticRotation: true,
      rotationInterval: '6h',
    });
    h.clock.advance(6 * HOUR);
    const stale = await h.store.listDueForRotation(h.clock.now(), 10);
    expect(stale).toHaveLength(1);
    await h.service.updateRotationPolicy({ secretName: secretIdOf('db'), enableAutomaticRotation: false });
    // A tick that listed the secret before the policy changed.
    const staleStore = new Proxy(h.store, {
      get: (target, prop, receiver) =>
        prop === 'listDueForRotation' ? async () => stale : Reflect.get(target, prop, receiver) as unknown,
    });
    const tick = await serviceWith(driver, { store: staleStore }).scheduleDueRotations();
    expect(tick).toMatchObject({ rowsRead: 1, acted: 0, skipped: 1, deferred: 0 });
    expect((await h.service.describeSecret(secretIdOf('db'))).job).toBeNull();
    expect(await h.pump()).toBe(0);
  });
});

describe('deletion scheduled mid-rotation', () => {
  it('after the target took the new value, the rotation rolls forward instead of abandoning', async () => {
    const driver = await setup();
    await h.service.rotateSecret({ secretName: secretIdOf('db'), versionId: 'r1' });
    expect(await h.pump(3)).toBe(3); // createPending, applyToTarget, verify
    await h.service.deleteSecret({ secretName: secretIdOf('db'), recoveryWindowInDays: 7 });
    await h.pump();
    await h.service.restoreSecret(secretIdOf('db'));
    expect(await current()).toBe(driver.applied);
    expect(h.eventTypes()).not.toContain('rotation.abandoned');
  });
});

describe('write paths', () => {
  it('PutSecretValue retried after an interrupted put labels the version it left', async () => {
    await setup();
    const envelope = await sealSecretValue(h.keys, { secretName: 'db', versionId: 'v2' }, 'two');
    await h.store.putVersion({ secretName: 'db', versionId: 'v2', createdAt: h.clock.now(), envelope });
    const out = await h.service.putSecretValue({ secretName: secretIdOf('db'), versionId: 'v2', secretData: 'two' });
    expect(out.version.stages).toEqual(['ACSCurrent']);
    expect(await current()).toBe('two');
  });

  it('UpdateSecret without a Description keeps the stored one', async () => {
    await setup();
    await h.service.updateSecret({ secretName: secretIdOf('db'), description: 'orders database' });
    await h.service.updateSecret({ secretName: secretIdOf('db') });
    expect((await h.service.describeSecret(secretIdOf('db'))).description).toBe('orders database');
  });
});
