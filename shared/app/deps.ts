import type { Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { KeyProvider } from '../ports/key-provider.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { DriverRegistry } from '../ports/target-driver.js';

/** Tunables of the use cases; every one has a default in DEFAULT_SETTINGS. */
export interface ServiceSettings {
  region: string;
  accountId: string;
  /** Attempts per rotation step before the rotation is marked failed. */
  maxStepAttempts: number;
  /** First retry delay; doubles per attempt up to retryMaxSeconds, with jitter. */
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  /** KMS allows at most 50 rotations per secret per hour. */
  rotationsPerHour: number;
  /** Most rows one scheduler or purge tick reads. */
  tickBatchSize: number;
}

export const DEFAULT_SETTINGS: ServiceSettings = {
  region: 'local',
  accountId: '000000000000',
  maxStepAttempts: 5,
  retryBaseSeconds: 2,
  retryMaxSeconds: 300,
  rotationsPerHour: 50,
  tickBatchSize: 1000,
};

export interface ServiceDeps {
  store: SecretStore;
  queue: JobQueue;
  events: EventPublisher;
  keys: KeyProvider;
  drivers: DriverRegistry;
  clock: Clock;
  settings: ServiceSettings;
  /** Source of randomness for retry jitter; injectable so tests are deterministic. */
  random?: () => number;
}
