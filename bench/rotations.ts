/**
 * Generic generated-password rotations end to end: RotateSecret, four queued steps each, promote.
 * Every driver call is timed, so the orchestration overhead (everything but the driver) is reported
 * on its own: the store writes, the queue, the events, the envelope encryption.
 */
import { performance } from 'node:perf_hooks';
import { createDefaultDriverRegistry } from '../shared/adapters/drivers/registry.js';
import type { DriverRegistry, TargetDriver } from '../shared/ports/target-driver.js';
import { createEmbeddedService } from './embedded-service.js';
import { secretIdOf } from '../shared/domain/secret-id.js';

const CONFIG = '{"SecretSubType":"GeneratedPassword"}';

/** The registry's drivers, with the time spent inside their async calls added up. */
const timedDrivers = (inner: DriverRegistry, spent: { ms: number; calls: number }): DriverRegistry => ({
  driverFor: (secret) => {
    const driver = inner.driverFor(secret);
    if (!driver) return null;
    return new Proxy(driver, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function' || prop === 'supports' || prop === 'validateConfig') return value;
        return async (...args: unknown[]) => {
          const started = performance.now();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            spent.ms += performance.now() - started;
            spent.calls++;
          }
        };
      },
    }) as TargetDriver;
  },
});

export const benchRotations = async (secrets: number) => {
  const spent = { ms: 0, calls: 0 };
  const env = await createEmbeddedService(undefined, timedDrivers(createDefaultDriverRegistry(), spent));
  try {
    for (let i = 0; i < secrets; i++) {
      await env.service.createSecret({ secretName: `gen-${i}`, versionId: 'v1', secretData: 'initial', extendedConfig: CONFIG });
    }
    spent.ms = 0;
    spent.calls = 0;
    const started = performance.now();
    for (let i = 0; i < secrets; i++) await env.service.rotateSecret({ secretName: secretIdOf(`gen-${i}`), versionId: 'r1' });
    const steps = await env.drain();
    const elapsedMs = performance.now() - started;
    const succeeded = env.events.events.filter((e) => e.type === 'com.secretrotor.rotation.succeeded').length;
    if (succeeded !== secrets) throw new Error(`only ${succeeded} of ${secrets} rotations succeeded`);
    return {
      secrets,
      steps,
      elapsedMs,
      perSecond: (secrets / elapsedMs) * 1000,
      msPerRotation: elapsedMs / secrets,
      driverCalls: spent.calls,
      driverMsPerRotation: spent.ms / secrets,
      overheadMsPerRotation: (elapsedMs - spent.ms) / secrets,
    };
  } finally {
    await env.close();
  }
};
