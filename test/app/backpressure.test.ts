/**
 * Backpressure on the rotate timer: per driver kind caps on rotations in flight and on starts per
 * tick, jittered starts, due secrets that cannot start moved out of the way (no starvation), and a
 * visible backlog with one overdue event per occurrence. Real service, SQLite store and queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GeneratedPasswordDriver } from '../../shared/adapters/drivers/generated-password/generated-password-driver.js';
import type { ServiceSettings } from '../../shared/app/deps.js';
import type { RotationTickResult } from '../../shared/app/rotate-tick.js';
import { describeSecret as describeAction } from '../../shared/http/actions/describe-secret.js';
import { makeRotatingSecret } from '../support/fixtures.js';
import { HOUR, SECOND } from '../support/manual-clock.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

let h: Harness;
afterEach(async () => h.close());

const GENERATED = '{"SecretSubType":"GeneratedPassword"}';
const KIND = 'generated-password';

const setup = async (settings: Partial<ServiceSettings>, secrets: number) => {
  h = await createHarness({ drivers: [new GeneratedPasswordDriver()], settings });
  for (let i = 0; i < secrets; i++) {
    await h.service.createSecret({
      secretName: `s${String(i).padStart(3, '0')}`,
      versionId: 'v1',
      secretData: 'initial',
      extendedConfig: GENERATED,
      enableAutomaticRotation: true,
      rotationInterval: '6h',
    });
  }
  h.clock.advance(6 * HOUR);
};

const tick = async () => (await h.service.scheduleDueRotations()) as RotationTickResult;
const limits = (maxConcurrent: number, startsPerTick: number): Partial<ServiceSettings> => ({
  rotationLimitsByKind: { [KIND]: { maxConcurrent, startsPerTick } },
});
const inFlight = async () => (await h.store.countRotationsInFlight())[KIND] ?? 0;
const rotated = async () => (await h.store.listSecrets({ offset: 0, limit: 1000, filters: [] })).items.filter((s) => s.lastRotation?.status === 'Succeeded').length;

describe('per-kind caps', () => {
  it('never has more rotations of a kind in flight than its cap, and gets through the whole batch', async () => {
    await setup(limits(4, 100), 10);
    const first = await tick();
    expect(first).toMatchObject({ rowsRead: 10, acted: 4, deferred: 6, skipped: 6, inFlight: {} });
    expect(await inFlight()).toBe(4);
    // A second tick while those run starts nothing more: the cap is full.
    expect(await tick()).toMatchObject({ rowsRead: 0, acted: 0 });
    for (let round = 0; round < 10 && (await rotated()) < 10; round++) {
      await h.pump();
      h.clock.advance(h.settings.tickIntervalSeconds * SECOND * 3);
      const t = await tick();
      expect(t.acted).toBeLessThanOrEqual(4);
      expect(await inFlight()).toBeLessThanOrEqual(4);
    }
    await h.pump();
    expect(await rotated()).toBe(10);
    expect(h.eventTypes().filter((t) => t === 'rotation.started')).toHaveLength(10);
  });

  it('starts at most startsPerTick in one tick, and spreads the starts over the jitter window', async () => {
    await setup({ ...limits(1000, 25), startJitterSeconds: 30 }, 40);
    const t = await tick();
    expect(t).toMatchObject({ acted: 25, deferred: 15 });
    const depth = await h.queue.depth();
    // With random() = 0.5 the n-th start waits floor(0.5 * min(30, n / 10)) s: the first ones at once, later ones delayed.
    expect(depth.visible).toBeGreaterThan(0);
    expect(depth.delayed).toBeGreaterThan(0);
    expect(depth.visible + depth.delayed).toBe(25);
    h.clock.advance(2 * SECOND);
    expect((await h.queue.depth()).delayed).toBe(0);
  });

  it('manual rotations are not held back by the cap, but count toward it', async () => {
    await setup(limits(1, 100), 2);
    await h.service.rotateSecret({ secretName: secretIdOf('s000'), versionId: 'm1' });
    await h.service.rotateSecret({ secretName: secretIdOf('s001'), versionId: 'm2' });
    expect(await inFlight()).toBe(2);
    await h.pump();
    expect(await rotated()).toBe(2);
  });
});

describe('a due secret that cannot start', () => {
  it('does not starve the rest of a tick batch: it is deferred out of the head of the due index', async () => {
    h = await createHarness({ drivers: [new GeneratedPasswordDriver()], settings: { tickBatchSize: 1 } });
    // An RDS secret, and no RDS driver in this service: it can never be claimed here.
    await h.store.createSecret(makeRotatingSecret(h.clock.now() - HOUR, { name: 'orphan' }));
    await h.service.createSecret({
      secretName: 'ok',
      versionId: 'v1',
      secretData: 'initial',
      extendedConfig: GENERATED,
      enableAutomaticRotation: true,
      rotationInterval: '6h',
    });
    h.clock.advance(6 * HOUR);
    expect(await tick()).toMatchObject({ rowsRead: 1, acted: 0, deferred: 1 });
    expect(await tick()).toMatchObject({ rowsRead: 1, acted: 1, deferred: 0 });
    await h.pump();
    expect((await h.service.describeSecret(secretIdOf('ok'))).lastRotation?.status).toBe('Succeeded');
    const orphan = await h.service.describeSecret(secretIdOf('orphan'));
    expect(orphan.rotation.nextRotationAt).toBeGreaterThan(h.clock.now() + h.settings.noDriverRetrySeconds * SECOND - 1);
  });

  it('is reported overdue once per occurrence, and its backlog shows in DescribeSecret', async () => {
    await setup({ ...limits(1, 100), overdueAfterSeconds: 600 }, 2);
    await h.service.rotateSecret({ secretName: secretIdOf('s000'), versionId: 'hold' });
    // s000 holds the only slot; a failing pump is not needed: the job simply stays in flight.
    const overdueEvents = () => h.events.events.filter((e) => e.type === 'com.secretrotor.rotation.overdue');
    expect(await tick()).toMatchObject({ deferred: 1, overdue: 0 });
    h.clock.advance(11 * 60 * SECOND);
    expect(await tick()).toMatchObject({ deferred: 1, overdue: 1 });
    expect(overdueEvents()).toHaveLength(1);
    expect(overdueEvents()[0]?.data).toMatchObject({ secretName: 's001', reason: 'concurrency', deferrals: 2 });
    h.clock.advance(10 * 60 * SECOND);
    expect(await tick()).toMatchObject({ deferred: 1, overdue: 1 });
    expect(overdueEvents()).toHaveLength(1);

    const fields = (await describeAction.execute({ SecretName: 's001' }, { service: h.service, settings: h.settings, secret: secretIdOf('s001') } as never)) as Record<
      string,
      unknown
    >;
    expect(fields).toMatchObject({ RotationStatus: 'Normal', RotationBacklog: { Deferrals: 3, Overdue: true } });

    // Once it starts, the backlog is gone; a later occurrence would be reported again.
    await h.pump();
    h.clock.advance(h.settings.tickIntervalSeconds * 2 * SECOND);
    expect(await tick()).toMatchObject({ acted: 1 });
    expect((await h.service.describeSecret(secretIdOf('s001'))).backlog).toBeNull();
  });
});
