/**
 * The real service over the real embedded adapters (SQLite store and queue, local master key),
 * with a manual clock and an in-memory event log, plus a queue pump that plays the MNS trigger.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKeyProvider } from '../../shared/adapters/local-key/local-key-provider.js';
import { SqliteJobQueue } from '../../shared/adapters/local-queue/sqlite-job-queue.js';
import { MemoryEventPublisher } from '../../shared/adapters/memory-events/memory-event-publisher.js';
import { SqliteSecretStore } from '../../shared/adapters/sqlite/secret-store.js';
import { createDriverRegistry } from '../../shared/adapters/drivers/registry.js';
import { GeneratedPasswordDriver } from '../../shared/adapters/drivers/generated-password/generated-password-driver.js';
import { DEFAULT_SETTINGS, type ServiceSettings } from '../../shared/app/deps.js';
import { createSecretService } from '../../shared/app/secret-service.js';
import type { TargetDriver } from '../../shared/ports/target-driver.js';
import { ManualClock } from './manual-clock.js';

export interface HarnessOptions {
  drivers?: TargetDriver[];
  settings?: Partial<ServiceSettings>;
  /** ServiceDeps.isLeaseOwnerAlive of the harness's service; unset, as in the cloud. */
  isLeaseOwnerAlive?: (owner: string) => boolean;
}

export const createHarness = async (options: HarnessOptions = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-app-'));
  const clock = new ManualClock();
  const store = SqliteSecretStore.open(join(dir, 'state.db'));
  const queue = SqliteJobQueue.open(join(dir, 'queue.db'), { clock, maxReceives: 10 });
  const keys = await LocalKeyProvider.open(dir);
  const events = new MemoryEventPublisher();
  const drivers = createDriverRegistry(options.drivers ?? [new GeneratedPasswordDriver()]);
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const isLeaseOwnerAlive = options.isLeaseOwnerAlive ? { isLeaseOwnerAlive: options.isLeaseOwnerAlive } : {};
  const service = createSecretService({ store, queue, events, keys, drivers, clock, settings, random: () => 0.5, ...isLeaseOwnerAlive });

  /**
   * Delivers queued step messages until none is left, moving the clock over retry delays.
   * Returns how many messages were processed. A handler error leaves the message for redelivery.
   */
  const pump = async (maxMessages = 1000): Promise<number> => {
    let processed = 0;
    while (processed < maxMessages) {
      const [leased] = await queue.receive(1, 30);
      if (!leased) {
        const depth = await queue.depth();
        if (depth.delayed === 0 && depth.inFlight === 0) return processed;
        clock.advance(1000);
        continue;
      }
      processed++;
      try {
        await service.runRotationStep(leased.body);
        await queue.delete(leased.receiptHandle);
      } catch {
        await queue.release(leased.receiptHandle, 1);
      }
    }
    return processed;
  };

  const eventTypes = () => events.events.map((e) => e.type.replace('com.secretrotor.', ''));

  const close = async () => {
    await store.close();
    await queue.close();
    rmSync(dir, { recursive: true, force: true });
  };

  return { dir, clock, store, queue, keys, events, service, settings, pump, eventTypes, close };
};

export type Harness = Awaited<ReturnType<typeof createHarness>>;
