/** The real service over the embedded adapters in a temp dir, for in-process benchmarks. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultDriverRegistry } from '../shared/adapters/drivers/registry.js';
import { LocalKeyProvider } from '../shared/adapters/local-key/local-key-provider.js';
import { SqliteJobQueue } from '../shared/adapters/local-queue/sqlite-job-queue.js';
import { MemoryEventPublisher } from '../shared/adapters/memory-events/memory-event-publisher.js';
import { SqliteSecretStore } from '../shared/adapters/sqlite/secret-store.js';
import { DEFAULT_SETTINGS } from '../shared/app/deps.js';
import { createSecretService } from '../shared/app/secret-service.js';
import type { Clock } from '../shared/ports/clock.js';
import type { DriverRegistry } from '../shared/ports/target-driver.js';

export const createEmbeddedService = async (
  clock: Clock = { now: () => Date.now() },
  drivers: DriverRegistry = createDefaultDriverRegistry(),
) => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-bench-'));
  const store = SqliteSecretStore.open(join(dir, 'secrets.db'));
  const queue = SqliteJobQueue.open(join(dir, 'queue.db'), { clock });
  const keys = await LocalKeyProvider.open(dir);
  const events = new MemoryEventPublisher();
  const service = createSecretService({
    store,
    queue,
    events,
    keys,
    drivers,
    clock,
    settings: DEFAULT_SETTINGS,
  });

  /** Runs queued steps until the queue is empty; returns how many ran. */
  const drain = async (): Promise<number> => {
    let ran = 0;
    for (;;) {
      const batch = await queue.receive(16, 60);
      if (batch.length === 0) return ran;
      for (const m of batch) {
        await service.runRotationStep(m.body);
        await queue.delete(m.receiptHandle);
        ran++;
      }
    }
  };

  const close = async () => {
    await store.close();
    await queue.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, store, queue, events, service, drain, close };
};
