/**
 * The local runtime: every function of s.yaml in one process, with its triggers emulated (HTTP,
 * timers, the rotation queue, the events topic's subscriptions) over the local adapters. Startable from tests in-process.
 */
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type RuntimeConfig } from '../config.js';
import { createContainer, provideContainer, type Container } from '../container.js';
import { unexpectedErrorFields, type Logger } from '../logger.js';
import { Invoker, loadFunctions } from './invoker.js';
import { lockDataDir } from './data-dir-lock.js';
import { localLeaseOwnerCheck } from './lease-owners.js';
import { startQueuePoller, type QueuePoller } from './queue-poller.js';
import { parseFcSchedule } from './schedule.js';
import { loadServerlessSpec, type QueueTriggerSpec, type ServerlessSpec, type TimerTriggerSpec } from './s-yaml.js';
import { createLocalServer } from './server.js';
import { startTimers, type RunningTimers, type TimerTarget } from './timers.js';
import { DEFAULT_EVENTS_TOPIC, startTopicSubscriptions } from './topic-triggers.js';
import type { TopicSubscription } from './topic-subscriptions.js';

/** The repository root: s.yaml and functions/ live there. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface LocalRuntimeOptions {
  /** Default: loadConfig(env). */
  config?: RuntimeConfig;
  /** Environment for the configuration and for s.yaml's env() expressions. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: s.yaml in the project root. */
  sYamlPath?: string;
  /** A container built by the caller (tests); the caller then also closes it. */
  container?: Container;
  /** Emulate timer triggers. Default true. */
  timers?: boolean;
  /** Emulate the MNS queue trigger over the local queue. Default true. */
  queue?: boolean;
  /** How long stop() waits for running invocations. Default 10 s. */
  drainTimeoutMs?: number;
  /** Pause between polls of an empty queue. Default 500 ms. */
  queueIdleMs?: number;
  /** Emulate mns_topic triggers on the events topic. Default true. */
  topics?: boolean;
  /** Pauses before retrying a failed topic push. Default 1 s, 2 s, 4 s. */
  topicRetryDelaysMs?: readonly number[];
}

export interface LocalRuntime {
  url: string;
  config: RuntimeConfig;
  container: Container;
  spec: ServerlessSpec;
  invoker: Invoker;
  /** Stops accepting, waits (bounded) for running invocations, closes the stores. Idempotent. */
  stop(): Promise<void>;
}

const timerTargets = (spec: ServerlessSpec): TimerTarget[] =>
  spec.functions.flatMap((fn) =>
    fn.triggers.filter((t): t is TimerTriggerSpec => t.type === 'timer').map((trigger) => ({ functionName: fn.functionName, trigger })),
  );

const queueTargets = (spec: ServerlessSpec): { functionName: string; trigger: QueueTriggerSpec }[] =>
  spec.functions.flatMap((fn) =>
    fn.triggers.filter((t): t is QueueTriggerSpec => t.type === 'mns-queue').map((trigger) => ({ functionName: fn.functionName, trigger })),
  );

const startPollers = (spec: ServerlessSpec, container: Container, invoker: Invoker, log: Logger, idleMs?: number): QueuePoller[] => {
  const queue = container.localQueue;
  const { config } = container;
  return queueTargets(spec).flatMap(({ functionName, trigger }) => {
    if (!queue || trigger.queueName !== config.queueName) {
      log.warn({ fn: functionName, triggerName: trigger.name, queueName: trigger.queueName }, 'queue trigger not served locally: not the rotation queue');
      return [];
    }
    const fn = invoker.find(functionName);
    if (!fn) return [];
    return [
      startQueuePoller({
        queue,
        functionName,
        trigger,
        invoke: (event) => invoker.invoke(fn, event),
        logger: log,
        region: config.region,
        accountId: config.accountId,
        visibilitySeconds: config.queueVisibilitySeconds,
        retryBaseSeconds: config.retryBaseSeconds,
        retryMaxSeconds: config.retryMaxSeconds,
        ...(idleMs !== undefined ? { idleMs } : {}),
        now: () => container.clock.now(),
      }),
    ];
  });
};

/**
 * The reconciler, once before any step runs: a rotation the last run left between two steps (its
 * next message never queued) resumes now, not a lease and a timer tick later; being first, it
 * races no step. A failure here only leaves the rotation to the timer, so it does not stop the start.
 */
const resumeStalledRotations = async (container: Container, log: Logger): Promise<void> => {
  try {
    const result = await container.service.reconcileStalledRotations();
    if (result.redriven + result.abandoned + result.rolledForward + result.finalizesRequeued > 0) log.info({ reconcile: result }, 'rotations left by the last run resumed');
  } catch (err) {
    log.warn({ ...unexpectedErrorFields(err) }, 'resuming rotations left by the last run failed; the rotate timer retries');
  }
};

const listen = (server: ReturnType<typeof createLocalServer>, host: string, port: number): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });

const urlOf = (address: AddressInfo): string =>
  `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

export const startLocalRuntime = async (options: LocalRuntimeOptions = {}): Promise<LocalRuntime> => {
  const env = options.env ?? process.env;
  const config = options.config ?? options.container?.config ?? loadConfig(env);
  // The local backend's files are this host's alone, so a lease held by a process gone from it is
  // dead. A cloud store is shared with workers elsewhere: there a lease is trusted until it expires.
  const leaseOwners = config.backend === 'local' ? { isLeaseOwnerAlive: localLeaseOwnerCheck() } : {};
  // Taken before any file of the directory is opened; a cloud backend's state is meant to be shared.
  const lock = config.backend === 'local' ? lockDataDir(config.dataDir) : null;
  // Undone in reverse order by stop(), or at once if starting fails half way.
  const undo: (() => Promise<void> | void)[] = [];
  const unwind = async (): Promise<void> => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  if (lock) undo.push(() => lock.release());

  try {
    const container = options.container ?? (await createContainer(config, leaseOwners));
    if (!options.container) undo.push(() => container.close());
    const log = container.logger.child({ component: 'local-runtime' });
    const spec = loadServerlessSpec(options.sYamlPath ?? join(PROJECT_ROOT, 's.yaml'), env);
    // Refuse a bad timer expression before anything is listening.
    for (const t of timerTargets(spec)) parseFcSchedule(t.trigger.cronExpression);
    const invoker = new Invoker(await loadFunctions(spec), {
      region: config.region,
      accountId: config.accountId,
      logger: container.logger,
    });

    const recovered = (await container.localQueue?.recoverInFlight()) ?? 0;
    if (recovered > 0) log.info({ messages: recovered }, 'in-flight rotation steps from the last run are visible again');
    await resumeStalledRotations(container, log);

    const { accessKeyId, accessKeySecret } = container.rootCredentials;
    const server = createLocalServer({
      invoker,
      logger: log,
      accountId: config.accountId,
      invokeKey: { accessKeyId, accessKeySecret },
      now: () => container.clock.now(),
    });
    const address = await listen(server, config.host, config.port);
    let timers: RunningTimers | null = null;
    let pollers: QueuePoller[] = [];
    let subscriptions: TopicSubscription[] = [];
    undo.push(() => {
      server.closeAllConnections();
    });
    // Installed only now that nothing can fail, so a failed start leaves another runtime's container alone.
    undo.push(provideContainer(container));
    // Registered after the server so they run before it closes: stop accepting, then drain.
    undo.push(async () => {
      server.close();
      server.closeIdleConnections();
      for (const subscription of subscriptions) subscription.stop();
      const quiet = Promise.all([timers?.stop(), ...pollers.map((p) => p.stop())]);
      const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
      // Signal everything first, then drain: a timer or poller waiting on an invocation must not hold up the bound.
      if (await invoker.close(drainTimeoutMs)) await quiet;
      else log.warn({ inFlight: invoker.inFlightCount, drainTimeoutMs }, 'stopping with invocations still running');
    });

    const invokeByName = (name: string, event: Buffer): Promise<unknown> => {
      const fn = invoker.find(name);
      return fn ? invoker.invoke(fn, event) : Promise.reject(new Error(`no function ${name}`));
    };
    if (options.timers !== false) timers = startTimers(timerTargets(spec), { invoke: invokeByName, logger: log });
    if (options.queue !== false) pollers = startPollers(spec, container, invoker, log, options.queueIdleMs);
    if (options.topics !== false) {
      subscriptions = startTopicSubscriptions(spec, container, invoker, log, {
        eventsTopic: env.ROTOR_EVENTS_TOPIC || DEFAULT_EVENTS_TOPIC,
        ...(options.topicRetryDelaysMs ? { retryDelaysMs: options.topicRetryDelaysMs } : {}),
      });
    }

    let stopped: Promise<void> | null = null;
    return {
      url: urlOf(address),
      config,
      container,
      spec,
      invoker,
      stop: () => (stopped ??= unwind()),
    };
  } catch (e) {
    await unwind();
    throw e;
  }
};
