/**
 * Wiring from configuration, once per process (an FC instance, or the local runtime serving every
 * function). Handlers call getContainer(); the local runtime and tests build one explicitly with
 * createContainer and install it with provideContainer.
 */
import { join } from 'node:path';
import { GeneratedPasswordDriver } from '../adapters/drivers/generated-password/generated-password-driver.js';
import { createDriverRegistry } from '../adapters/drivers/registry.js';
import { createSqlDrivers } from '../adapters/drivers/sql/drivers.js';
import { createLinuxHostDriver } from '../adapters/drivers/ssh/drivers.js';
import type { OperatorLog } from '../adapters/drivers/redacting-driver.js';
import { createRdsDriver, rdsConnectionFromEnv } from '../adapters/drivers/rds/drivers.js';
import { createRamAccessKeyDriver, ramEndpointFromEnv } from '../adapters/drivers/ram/drivers.js';
import { createEcsSecretDriver, ecsEndpointFromEnv } from '../adapters/drivers/ecs/drivers.js';
import type { QueueDepth } from '../adapters/local-queue/sqlite-job-queue.js';
import type { LocalTopicPublisher } from '../adapters/local-events/local-topic.js';
import type { AlertDedupStore } from '../ports/alert-dedup-store.js';
import { DataKeyCache } from '../adapters/support/data-key-cache.js';
import type { ServiceDeps, ServiceSettings } from '../app/deps.js';
import { DEFAULT_SETTINGS } from '../app/deps.js';
import { createSecretService } from '../app/secret-service.js';
import type { SecretService } from '../app/service.js';
import { createAccessKeyService, type AccessKeyService } from '../app/access-keys.js';
import { createAuditTrail, type AuditTrail } from '../app/audit-trail.js';
import { EventTypes } from '../domain/events.js';
import { resolveSecretReference, type SecretScope } from '../domain/secret-id.js';
import { auditRecordOf } from '../http/audit.js';
import { policyAccess } from '../http/authorize.js';
import type { KmsApiDeps } from '../http/kms-api.js';
import type { DeputyPolicy } from '../ports/deputy-policy.js';
import type { CredentialResolver } from '../http/types.js';
import type { AccessKeyStore } from '../ports/access-key-store.js';
import type { AuditLog } from '../ports/audit-log.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { EventPublisher, RotorEvent } from '../ports/event-publisher.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { JobQueueConsumer } from '../ports/job-queue-consumer.js';
import type { KeyProvider } from '../ports/key-provider.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { DriverRegistry } from '../ports/target-driver.js';
import { loadConfig, type RuntimeConfig, type StoreLocking } from './config.js';
import type { openSqlite as openSqliteFn, SqliteDatabase } from '../adapters/support/sqlite.js';
import { createLogger, setRootLogger, type Logger } from './logger.js';
import { invocationCredentials } from './invocation-credentials.js';
import { accessKeyCredentialResolver } from './credential-resolver.js';
import { loadRootCredentials, type RootCredentials } from './root-credentials.js';
import { faultPointsFromEnv } from './fault-point.js';

/** The consumer side the local runtime drives; in the cloud the MNS trigger plays this part. */
export interface LocalQueue extends JobQueueConsumer {
  recoverInFlight(): Promise<number>;
  depth(): Promise<QueueDepth>;
  close(): Promise<void>;
}

export interface Container {
  readonly config: RuntimeConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: SecretStore;
  readonly queue: JobQueue;
  /** Set on the local backend only. */
  readonly localQueue: LocalQueue | null;
  readonly keys: KeyProvider;
  readonly events: EventPublisher;
  /** The events topic's local subscriptions; set on the local backend only (in the cloud, MNS). */
  readonly localTopic: LocalTopicPublisher | null;
  /** Alerts sent recently, for the alerts function's de-duplication. */
  readonly alertDedup: AlertDedupStore;
  readonly drivers: DriverRegistry;
  readonly service: SecretService;
  readonly rootCredentials: RootCredentials;
  /** The root key, or an active stored AccessKey with its policies. */
  readonly credentials: CredentialResolver;
  /** AccessKeys other than the root key, and their policies. */
  readonly accessKeys: AccessKeyService;
  readonly auditLog: AuditLog;
  /** Appends to the audit log and publishes the audit event. */
  readonly auditTrail: AuditTrail;
  /** What the KMS RPC surface needs; allowedActions narrows it for single-purpose functions. */
  kmsApi(options?: KmsApiOptions): KmsApiDeps;
  close(): Promise<void>;
}

export type KmsApiOptions = Pick<KmsApiDeps, 'allowedActions' | 'onCall' | 'onUnexpectedError'>;

/** Test seams: anything given here is used instead of what the configuration would build. */
export interface ContainerOverrides {
  clock?: Clock;
  logger?: Logger;
  drivers?: DriverRegistry;
  random?: () => number;
  /** See ServiceDeps.isLeaseOwnerAlive: given by the local runtime only. */
  isLeaseOwnerAlive?: (owner: string) => boolean;
}

interface Adapters {
  store: SecretStore;
  accessKeyStore: AccessKeyStore;
  auditLog: AuditLog;
  queue: JobQueue;
  localQueue: LocalQueue | null;
  keys: KeyProvider;
  events: EventPublisher;
  localTopic: LocalTopicPublisher | null;
  alertDedup: AlertDedupStore;
  close(): Promise<void>;
}

export const STORE_FILE = 'secrets.db';
export const QUEUE_FILE = 'queue.db';
export const EVENTS_FILE = 'events.ndjson';

const logEvent =
  (logger: Logger) =>
  (event: RotorEvent): void => {
    // Every API call already has its request log line; its audit event would only repeat it.
    if (event.type === EventTypes.auditApiCall) return;
    // `data` never holds a secret value (port contract), so the event can be logged whole.
    logger.info({ cloudEvent: { id: event.id, type: event.type, subject: event.subject, data: event.data } }, 'event');
  };

/** The store file is in use by another program: held exclusively, it cannot be shared with it. */
export class StoreFileBusyError extends Error {
  constructor(file: string) {
    super(
      `The store file ${file} is in use by another program, and this runtime holds it exclusively. ` +
        'Close that program (a sqlite3 shell, a backup), or set ROTOR_STORE_LOCKING=shared to let both use it.',
    );
    this.name = 'StoreFileBusyError';
  }
}

const openStoreFile = (open: typeof openSqliteFn, file: string, locking: StoreLocking): SqliteDatabase => {
  try {
    return open(file, { exclusive: locking === 'exclusive' });
  } catch (error) {
    if (locking === 'exclusive' && (error as { code?: unknown }).code === 'SQLITE_BUSY') throw new StoreFileBusyError(file);
    throw error;
  }
};

// Adapters are imported when chosen, so a cloud bundle never loads SQLite and a local run never loads cloud SDKs.
const buildLocalAdapters = async (config: RuntimeConfig, clock: Clock, logger: Logger): Promise<Adapters> => {
  const [
    { SqliteSecretStore },
    { SqliteAccessKeyStore },
    { SqliteAuditLog },
    { SqliteJobQueue },
    { LocalKeyProvider },
    { NdjsonEventPublisher },
    { LocalTopicPublisher },
    { SqliteAlertDedupStore },
    { openSqlite },
  ] = await Promise.all([
    import('../adapters/sqlite/secret-store.js'),
    import('../adapters/sqlite/access-key-store.js'),
    import('../adapters/sqlite/audit-log.js'),
    import('../adapters/local-queue/sqlite-job-queue.js'),
    import('../adapters/local-key/local-key-provider.js'),
    import('../adapters/local-events/ndjson-event-publisher.js'),
    import('../adapters/local-events/local-topic.js'),
    import('../adapters/sqlite/alert-dedup-store.js'),
    import('../adapters/support/sqlite.js'),
  ]);
  // AccessKeys, the audit log and alert dedup live in the store's file, in tables of their own, and
  // share one connection: exclusive locking admits no other, and SQLite drops a connection's page
  // cache whenever another one has written to the file.
  const storeDb = openStoreFile(openSqlite, join(config.dataDir, STORE_FILE), config.storeLocking ?? 'exclusive');
  let store: SecretStore | null = null;
  let accessKeyStore: AccessKeyStore | null = null;
  let auditLog: AuditLog | null = null;
  let alertDedup: AlertDedupStore | null = null;
  const closeStores = async () => {
    // Each flushes what it has batched before the shared connection goes.
    await alertDedup?.close();
    await auditLog?.close();
    await accessKeyStore?.close();
    await store?.close();
    storeDb.close();
  };
  try {
    const secretStore = SqliteSecretStore.attach(storeDb);
    store = secretStore;
    accessKeyStore = SqliteAccessKeyStore.attach(storeDb);
    // Every API call awaits its audit record before it is answered: the nonce it claimed is
    // committed with that record, so a crash after the answer cannot let the request be replayed.
    auditLog = SqliteAuditLog.attach(storeDb, [secretStore.pendingNonces]);
    alertDedup = SqliteAlertDedupStore.attach(storeDb);
    const queue = SqliteJobQueue.open(join(config.dataDir, QUEUE_FILE), {
      clock,
      maxReceives: config.queueMaxReceives,
      queueName: config.queueName,
    });
    try {
      const keys = await LocalKeyProvider.open(config.dataDir);
      // The topic's subscriptions (mns_topic triggers) are served by the local runtime through localTopic.
      const eventFile = new NdjsonEventPublisher(join(config.dataDir, EVENTS_FILE), logEvent(logger));
      const events = new LocalTopicPublisher(eventFile);
      return {
        store,
        accessKeyStore,
        auditLog,
        alertDedup,
        queue,
        localQueue: queue,
        localTopic: events,
        keys,
        events,
        close: async () => {
          await queue.close();
          eventFile.close();
          await closeStores();
        },
      };
    } catch (e) {
      await queue.close();
      throw e;
    }
  } catch (e) {
    await closeStores();
    throw e;
  }
};

/** Tablestore for state, MNS for the step queue and the events topic, KMS for data keys. */
const buildAlibabaAdapters = async (config: RuntimeConfig, clock: Clock): Promise<Adapters> => {
  const cloud = config.cloud;
  if (!cloud) throw new Error('ROTOR_BACKEND=alibaba needs the cloud settings (see README, Configuration).');
  const [
    { TablestoreSecretStore },
    { TablestoreAccessKeyStore },
    { TablestoreAuditLog },
    { TablestoreAlertDedupStore },
    { createRotatingTablestoreClient },
    { createCloudAdapters },
  ] = await Promise.all([
    import('../adapters/tablestore/secret-store.js'),
    import('../adapters/tablestore/access-key-store.js'),
    import('../adapters/tablestore/audit-log.js'),
    import('../adapters/tablestore/alert-dedup-store.js'),
    import('../adapters/tablestore/rotating-client.js'),
    import('./cloud-adapters.js'),
  ]);
  const credentials = () => invocationCredentials();
  const tables = {
    client: createRotatingTablestoreClient(cloud.tablestore, credentials),
    tablePrefix: cloud.tablestore.tablePrefix,
  };
  const store = TablestoreSecretStore.create(tables);
  const accessKeyStore = TablestoreAccessKeyStore.create(tables);
  const auditLog = TablestoreAuditLog.create(tables);
  const alertDedup = TablestoreAlertDedupStore.create(tables);
  const { queue, events, keys } = await createCloudAdapters(
    {
      region: config.region,
      mns: {
        accountId: cloud.mns.accountId,
        ...(cloud.mns.endpoint ? { endpoint: cloud.mns.endpoint } : {}),
        queueName: config.queueName,
        maxReceives: config.queueMaxReceives,
        topicName: cloud.mns.topicName,
      },
      kms: { keyId: cloud.kms.keyId, ...(cloud.kms.endpoint ? { endpoint: cloud.kms.endpoint } : {}) },
    },
    credentials,
    { clock },
  );
  return {
    store,
    accessKeyStore,
    auditLog,
    alertDedup,
    queue,
    localQueue: null,
    localTopic: null,
    keys,
    events,
    close: () => store.close(),
  };
};

/** The one place that chooses adapters by backend. */
const buildAdapters = (config: RuntimeConfig, clock: Clock, logger: Logger): Promise<Adapters> => {
  switch (config.backend) {
    case 'local':
      return buildLocalAdapters(config, clock, logger);
    case 'alibaba':
      return buildAlibabaAdapters(config, clock);
  }
};

/** A managing credential named in a secret's ExtendedConfig (a name or an ARN), resolved like any reference. */
const managingValue = async (service: SecretService, reference: string, scope: SecretScope): Promise<string> =>
  (await service.getSecretValue({ secretName: resolveSecretReference(reference, scope) })).secretData;

/** Callers see a failed connection or login only as Target.Unavailable; what really happened is logged here. */
const targetFailureLog =
  (logger: Logger): OperatorLog =>
  (report) =>
    logger.warn({ targetFailure: report }, 'target connection or login failed');

/**
 * Every driver that needs no per-deployment setup. The SQL drivers read their managing credential
 * from another secret, through the service built after them (hence the late binding).
 */
const defaultDrivers = (service: () => SecretService, scope: SecretScope, logger: Logger): DriverRegistry =>
  createDriverRegistry([
    new GeneratedPasswordDriver(),
    ...createSqlDrivers({ resolveSecret: (reference) => managingValue(service(), reference, scope), operatorLog: targetFailureLog(logger) }),
    createLinuxHostDriver({ resolveSecret: (reference) => managingValue(service(), reference, scope), operatorLog: targetFailureLog(logger) }),
    createRdsDriver({ credentials: () => invocationCredentials(), connection: rdsConnectionFromEnv() }),
    createRamAccessKeyDriver({ credentials: () => invocationCredentials(), ...ramEndpointFromEnv() }),
    createEcsSecretDriver({ credentials: () => invocationCredentials(), ...ecsEndpointFromEnv() }),
  ]);

/**
 * A stored key's policies as they are now, for the rotations of the secrets it created. No request:
 * conditions on the source address or transport do not hold; the time is now.
 */
const storedKeyPolicy = (accessKeys: AccessKeyService, clock: Clock): DeputyPolicy => ({
  accessOf: async (accessKeyId) => {
    const stored = await accessKeys.resolve(accessKeyId);
    return stored ? policyAccess(stored.policies, { sourceIp: '', secureTransport: false, currentTime: clock.now() }) : null;
  },
});

const serviceSettings = (config: RuntimeConfig): ServiceSettings => ({
  ...DEFAULT_SETTINGS,
  ...config.rotationTuning,
  region: config.region,
  accountId: config.accountId,
  maxStepAttempts: config.maxStepAttempts,
  retryBaseSeconds: config.retryBaseSeconds,
  retryMaxSeconds: config.retryMaxSeconds,
});

export const createContainer = async (config: RuntimeConfig, overrides: ContainerOverrides = {}): Promise<Container> => {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const clock = overrides.clock ?? systemClock;
  const rootCredentials = loadRootCredentials(config);
  const adapters = await buildAdapters(config, clock, logger);
  // Unwrapped data keys are reused briefly (in memory only): a hot secret is not unwrapped per read.
  const keys = new DataKeyCache(adapters.keys);
  const accessKeys = createAccessKeyService({ store: adapters.accessKeyStore, keys, clock });
  const credentials = accessKeyCredentialResolver(rootCredentials, config.accountId, accessKeys);
  const auditTrail = createAuditTrail({ log: adapters.auditLog, events: adapters.events });
  let service: SecretService | null = null;
  const registry =
    overrides.drivers ??
    defaultDrivers(
      () => {
        if (!service) throw new Error('The secret service is not built yet.');
        return service;
      },
      config,
      logger,
    );
  // Crash tests only: set through ROTOR_FAULT_POINT, never in use.
  const faults = faultPointsFromEnv();
  const drivers = faults ? faults.wrapDrivers(registry) : registry;
  const deps: ServiceDeps = {
    store: adapters.store,
    queue: adapters.queue,
    events: adapters.events,
    keys,
    drivers,
    clock,
    settings: serviceSettings(config),
    deputyPolicy: storedKeyPolicy(accessKeys, clock),
    ...(overrides.random ? { random: overrides.random } : {}),
    ...(overrides.isLeaseOwnerAlive ? { isLeaseOwnerAlive: overrides.isLeaseOwnerAlive } : {}),
    ...(faults ? { faultPoint: faults.reach } : {}),
  };
  service = createSecretService(deps);
  let closed: Promise<void> | null = null;

  return {
    config,
    logger,
    clock,
    store: adapters.store,
    queue: adapters.queue,
    localQueue: adapters.localQueue,
    localTopic: adapters.localTopic,
    alertDedup: adapters.alertDedup,
    keys,
    events: adapters.events,
    drivers,
    service,
    rootCredentials,
    credentials,
    accessKeys,
    auditLog: adapters.auditLog,
    auditTrail,
    kmsApi: (options = {}) => ({
      service,
      credentials,
      nonces: adapters.store,
      clock,
      settings: { region: config.region, accountId: config.accountId },
      accessControl: { accessKeys, auditLog: adapters.auditLog },
      audit: (call) => auditTrail.record(auditRecordOf(call)),
      ...options,
    }),
    close: () =>
      (closed ??= adapters.close().finally(() => {
        keys.clear();
      })),
  };
};

let current: Promise<Container> | null = null;

/** The process's container, built from the environment on first use. */
export const getContainer = (): Promise<Container> => {
  if (!current) {
    const building = (async () => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel });
      setRootLogger(logger);
      return createContainer(config, { logger });
    })();
    // A failed build is not cached: the next invocation tries again (and reports again).
    current = building.catch((e: unknown) => {
      current = null;
      throw e;
    });
  }
  return current;
};

/**
 * Installs a container built elsewhere (the local runtime, tests); null forgets it. Returns an
 * undo that puts back what was installed before, unless something else was installed since.
 */
export const provideContainer = (container: Container | null): (() => void) => {
  const previous = current;
  const mine = container ? Promise.resolve(container) : null;
  current = mine;
  if (container) setRootLogger(container.logger);
  return () => {
    if (current === mine) current = previous;
  };
};

export const setContainerForTests = provideContainer;
