/**
 * The real service over whichever store and queue a fault test gives it (SQLite or Tablestore,
 * SQLite queue or MNS), with a local master key, in-memory events and a manual clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDriverRegistry } from '../../shared/adapters/drivers/registry.js';
import { LocalKeyProvider } from '../../shared/adapters/local-key/local-key-provider.js';
import { MemoryEventPublisher } from '../../shared/adapters/memory-events/memory-event-publisher.js';
import { DEFAULT_SETTINGS, type ServiceSettings } from '../../shared/app/deps.js';
import { createSecretService } from '../../shared/app/secret-service.js';
import type { JobQueue } from '../../shared/ports/job-queue.js';
import type { SecretStore } from '../../shared/ports/secret-store.js';
import type { TargetDriver } from '../../shared/ports/target-driver.js';
import type { ManualClock } from '../support/manual-clock.js';

export interface FaultServiceOptions {
  store: SecretStore;
  queue: JobQueue;
  clock: ManualClock;
  drivers: TargetDriver[];
  settings?: Partial<ServiceSettings>;
}

export const createFaultService = async (options: FaultServiceOptions) => {
  const keyDir = mkdtempSync(join(tmpdir(), 'rotor-faults-key-'));
  const keys = await LocalKeyProvider.open(keyDir);
  const events = new MemoryEventPublisher();
  const service = createSecretService({
    store: options.store,
    queue: options.queue,
    events,
    keys,
    drivers: createDriverRegistry(options.drivers),
    clock: options.clock,
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    random: () => 0.5,
  });
  const count = (type: string): number => events.events.filter((e) => e.type === `com.secretrotor.${type}`).length;
  return { service, events, keys, count, removeKeyDir: () => rmSync(keyDir, { recursive: true, force: true }) };
};
