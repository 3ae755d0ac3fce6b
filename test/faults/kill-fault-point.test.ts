/**
 * The crash tests' fault points (shared/runtime/fault-point.ts) and the step runner's seam, in
 * process: unset means no wrapping; a bad point is refused naming the variable; an armed point
 * writes its marker and never returns; driver calls pass enter: before and during: after the real
 * call. And the engine bug the kill matrix found: a runtime that dies after storing a promote and
 * before queuing its finalize must still finalize when the promote message comes back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalKeyProvider } from '../../shared/adapters/local-key/local-key-provider.js';
import { SqliteJobQueue } from '../../shared/adapters/local-queue/sqlite-job-queue.js';
import { MemoryEventPublisher } from '../../shared/adapters/memory-events/memory-event-publisher.js';
import { SqliteSecretStore } from '../../shared/adapters/sqlite/secret-store.js';
import { createDriverRegistry } from '../../shared/adapters/drivers/registry.js';
import { DEFAULT_SETTINGS } from '../../shared/app/deps.js';
import { createSecretService } from '../../shared/app/secret-service.js';
import { FAULT_MARKER_ENV, FAULT_POINT_ENV, faultPointsFromEnv } from '../../shared/runtime/fault-point.js';
import type { DriverSecret, TargetDriver } from '../../shared/ports/target-driver.js';
import { ManualClock } from '../support/manual-clock.js';
import { RecordingDriver } from '../support/recording-driver.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const dirs: string[] = [];
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-fault-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const SECRET: DriverSecret = { name: 'app/recorded', type: 'Generic', extendedConfig: { SecretSubType: 'Recorded' } };
const settled = <T>(promise: Promise<T>, ms: number): Promise<'settled' | 'pending'> =>
  Promise.race([promise.then(() => 'settled' as const), new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);

describe('fault points from the environment', () => {
  it('are off unless ROTOR_FAULT_POINT is set', () => {
    expect(faultPointsFromEnv({})).toBeNull();
    expect(faultPointsFromEnv({ [FAULT_POINT_ENV]: '' })).toBeNull();
  });

  it('refuse an unknown point, naming the variable', () => {
    expect(() => faultPointsFromEnv({ [FAULT_POINT_ENV]: 'after:lunch' })).toThrow(/^ROTOR_FAULT_POINT: expected one of before:createPending/);
  });

  it('pass every other point at once; at the armed one write the marker and never return', async () => {
    const marker = join(scratch(), 'marker');
    const faults = faultPointsFromEnv({ [FAULT_POINT_ENV]: 'after:verify', [FAULT_MARKER_ENV]: marker })!;
    expect(await settled(faults.reach('before:verify', 'app/x'), 50)).toBe('settled');
    expect(await settled(faults.reach('after:verify', 'app/x'), 100)).toBe('pending');
    expect(readFileSync(marker, 'utf8')).toBe('{"point":"after:verify","secretName":"app/x"}\n');
  });

  it('wrap driver calls: enter: before the real call, during: after it, and keep an absent cleanup absent', async () => {
    const marker = join(scratch(), 'marker');
    const inner = new RecordingDriver();
    const registry = faultPointsFromEnv({ [FAULT_POINT_ENV]: 'during:apply', [FAULT_MARKER_ENV]: marker })!.wrapDrivers(createDriverRegistry([inner]));
    const driver = registry.driverFor(SECRET) as TargetDriver;
    expect(driver.cleanup).toBeUndefined();
    expect(await settled(driver.generate({ secret: SECRET, currentValue: null }), 50)).toBe('settled');
    const applying = driver.apply({ secret: SECRET, pendingValue: 'new', currentValue: null, previousValue: null });
    expect(await settled(applying, 100)).toBe('pending');
    // The target changed; the engine never heard back.
    expect(inner.applied).toBe('new');
    expect(inner.calls).toEqual(['generate', 'apply']);
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toEqual({ point: 'during:apply', secretName: SECRET.name });
  });
});

describe('the step runner seam', () => {
  /** The real service over SQLite; the fault point throws once where a crash would stop the process. */
  const serviceCrashingOnceAt = async (point: string) => {
    const dir = scratch();
    const clock = new ManualClock();
    const store = SqliteSecretStore.open(join(dir, 'state.db'));
    const queue = SqliteJobQueue.open(join(dir, 'queue.db'), { clock, maxReceives: 10 });
    const driver = new RecordingDriver();
    const reached: string[] = [];
    let crashed = false;
    const service = createSecretService({
      store,
      queue,
      events: new MemoryEventPublisher(),
      keys: await LocalKeyProvider.open(dir),
      drivers: createDriverRegistry([driver]),
      clock,
      settings: DEFAULT_SETTINGS,
      random: () => 0.5,
      faultPoint: async (p) => {
        reached.push(p);
        if (p === point && !crashed) {
          crashed = true;
          throw new Error(`crashed at ${p}`);
        }
      },
    });
    /** Delivers until the queue is empty; a thrown step leaves its message unacknowledged, as a killed process does. */
    const pump = async () => {
      for (let i = 0; i < 100; i++) {
        const [m] = await queue.receive(1, 30);
        if (!m) {
          const depth = await queue.depth();
          if (depth.delayed === 0 && depth.inFlight === 0) return;
          clock.advance(1000);
          continue;
        }
        try {
          await service.runRotationStep(m.body);
          await queue.delete(m.receiptHandle);
        } catch {
          await queue.release(m.receiptHandle, 0);
        }
      }
    };
    const close = async () => {
      await store.close();
      await queue.close();
    };
    return { service, driver, reached, pump, close };
  };

  it('reaches before: and after: of every step and of the finalize, in order', async () => {
    const h = await serviceCrashingOnceAt('none');
    try {
      await h.service.createSecret({ secretName: SECRET.name, versionId: 'v0', secretData: 'initial', extendedConfig: JSON.stringify(SECRET.extendedConfig) });
      await h.service.rotateSecret({ secretName: secretIdOf(SECRET.name), versionId: 'r1' });
      await h.pump();
      expect(h.reached).toEqual(
        ['createPending', 'applyToTarget', 'verify', 'promote', 'finalizePromoted'].flatMap((s) => [`before:${s}`, `after:${s}`]),
      );
    } finally {
      await h.close();
    }
  });

  it('a crash after the promote is stored and before its finalize is queued: the promote comes back and the finalize still runs', async () => {
    const h = await serviceCrashingOnceAt('after:promote');
    try {
      await h.service.createSecret({ secretName: SECRET.name, versionId: 'v0', secretData: 'initial', extendedConfig: JSON.stringify(SECRET.extendedConfig) });
      await h.service.rotateSecret({ secretName: secretIdOf(SECRET.name), versionId: 'r1' });
      await h.pump();
      expect((await h.service.describeSecret(secretIdOf(SECRET.name))).stages).toMatchObject({ ACSCurrent: 'r1', ACSPrevious: 'v0' });
      expect(h.driver.calls).toEqual(['generate', 'apply', 'verify', 'finalize']);
    } finally {
      await h.close();
    }
  });
});
