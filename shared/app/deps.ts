import type { Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { KeyProvider } from '../ports/key-provider.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { DeputyPolicy } from '../ports/deputy-policy.js';
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
  /**
   * How long a rotation may go without a committed step before the reconciler re-drives it
   * (added to any queue delay). Longer than the slowest step, or live rotations get re-driven.
   */
  leaseSeconds: number;
  /** Re-drives of one stalled step (or of one unconfirmed finalize) before the reconciler gives up. */
  maxReconciles: number;
  /** Per driver kind: scheduled rotations in flight at once, and started per rotate-timer tick. */
  rotationLimits: RotationLimits;
  /** Per driver kind overrides of rotationLimits (driver kinds: see shared/adapters/drivers). */
  rotationLimitsByKind: Record<string, Partial<RotationLimits>>;
  /** Scheduled starts of one tick are spread over up to this many seconds (about ten a second per kind). */
  startJitterSeconds: number;
  /** A due rotation still not started this long after its date is overdue: one event per occurrence. */
  overdueAfterSeconds: number;
  /** A due secret no driver serves is looked at again this much later. */
  noDriverRetrySeconds: number;
  /** Seconds between rotate-timer ticks: deferred rotations are spread over later ticks by this. */
  tickIntervalSeconds: number;
  /** Most drift checks one tick runs. */
  driftChecksPerTick: number;
}

export interface RotationLimits {
  maxConcurrent: number;
  startsPerTick: number;
}

export const DEFAULT_SETTINGS: ServiceSettings = {
  region: 'local',
  accountId: '000000000000',
  maxStepAttempts: 5,
  retryBaseSeconds: 2,
  retryMaxSeconds: 300,
  rotationsPerHour: 50,
  tickBatchSize: 1000,
  leaseSeconds: 900,
  maxReconciles: 3,
  rotationLimits: { maxConcurrent: 100, startsPerTick: 200 },
  // Targets behind Alibaba Cloud OpenAPI quotas start gentler; generated passwords have no target to spare.
  rotationLimitsByKind: {
    'generated-password': { maxConcurrent: 1000, startsPerTick: 1000 },
    'ram-access-key': { maxConcurrent: 10, startsPerTick: 20 },
    'rds-account': { maxConcurrent: 10, startsPerTick: 20 },
    ecs: { maxConcurrent: 10, startsPerTick: 20 },
  },
  startJitterSeconds: 30,
  overdueAfterSeconds: 3600,
  noDriverRetrySeconds: 3600,
  tickIntervalSeconds: 60,
  driftChecksPerTick: 100,
};

export interface ServiceDeps {
  store: SecretStore;
  queue: JobQueue;
  events: EventPublisher;
  keys: KeyProvider;
  drivers: DriverRegistry;
  clock: Clock;
  settings: ServiceSettings;
  /**
   * The current policies of the AccessKey that created a secret, for the check before a rotation
   * touches its target. Unset: secrets created by an AccessKey are not rotated (fail closed).
   */
  deputyPolicy?: DeputyPolicy;
  /** Source of randomness for retry jitter; injectable so tests are deterministic. */
  random?: () => number;
  /** Names this worker in rotation leases; defaults to host, process id and a random suffix. */
  workerId?: string;
  /**
   * False when the worker named in a lease is known to be gone, so the reconciler takes the
   * rotation over without waiting for the lease to run out. Only a runtime that can tell gives it
   * (the local one: same host, process not running); unset, a lease is trusted until it expires.
   */
  isLeaseOwnerAlive?: (owner: string) => boolean;
  /**
   * Test-only crash seam (shared/runtime/fault-point.ts): awaited at the boundaries of every
   * rotation step, where it may never return so a test can kill the process there. Unset in use.
   */
  faultPoint?: (point: string, secretName: string) => Promise<void>;
}
