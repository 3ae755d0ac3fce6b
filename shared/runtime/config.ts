/**
 * Runtime configuration, read once from environment variables. Every value is validated at start:
 * a bad one stops the process with a message naming the variable (never echoing its value, as
 * some of them are credentials).
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_SETTINGS, type ServiceSettings } from '../app/deps.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Where state lives. Only `local` (SQLite, a key file and an NDJSON event log in the data dir)
 * is wired today; the cloud adapters (Tablestore, MNS, KMS) plug in under `alibaba` in
 * container.ts `buildAdapters`, which is the one place that chooses.
 */
export const BACKENDS = ['local', 'alibaba'] as const;
export type Backend = (typeof BACKENDS)[number];

/**
 * How the local runtime holds its store file (secrets.db) while it runs. `exclusive`: to itself,
 * which spares every SQL statement SQLite's shared-memory locking (about 5 µs each, several per
 * read); other programs cannot open the file until the runtime stops. `shared`: other programs may
 * read it meanwhile (the sqlite3 shell, a backup), at that cost.
 */
export const STORE_LOCKINGS = ['exclusive', 'shared'] as const;
export type StoreLocking = (typeof STORE_LOCKINGS)[number];

export interface RuntimeConfig {
  backend: Backend;
  host: string;
  port: number;
  /** Absolute path. */
  dataDir: string;
  region: string;
  accountId: string;
  /** The root AccessKey; both unset means "generate one into the data dir". */
  rootAccessKey: { accessKeyId: string; accessKeySecret: string } | null;
  logLevel: LogLevel;
  maxStepAttempts: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  queueVisibilitySeconds: number;
  queueMaxReceives: number;
  /** The rotation step queue; the local runtime serves the eventbridge triggers on this queue name. */
  queueName: string;
  /**
   * Local runtime only (ROTOR_QUEUE_POLL_MS): how long its queue trigger waits before polling an
   * empty queue again. Lower means quicker rotations, higher fewer idle wake-ups; the end-to-end
   * test sets it high to hold a rotation between its start and its first step.
   */
  queuePollMs: number;
  /** Local runtime only (ROTOR_STORE_LOCKING); `exclusive` when absent. */
  storeLocking?: StoreLocking;
  /** Set when backend is alibaba: where the cloud adapters connect. */
  cloud: CloudConfig | null;
  /** Leases, reconciler and backpressure tunables (ROTOR_LEASE_SECONDS, ROTOR_ROTATION_*); defaults when absent. */
  rotationTuning?: Partial<ServiceSettings>;
}

export interface CloudConfig {
  tablestore: { endpoint: string; instanceName: string; tablePrefix: string };
  mns: { endpoint: string | undefined; accountId: string; topicName: string };
  kms: { endpoint: string | undefined; keyId: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const integer = (min: number, max: number) =>
  z.coerce
    .number({ error: 'expected a number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `expected at least ${min}` })
    .max(max, { error: `expected at most ${max}` });

const nonEmpty = z.string().trim().min(1, { error: 'must not be empty' });

/** `kind=maxConcurrent/startsPerTick,...`, e.g. `ram-access-key=5/10,rds-account=20/40`. */
const KIND_LIMIT = /^([a-z0-9-]{1,64})=(\d{1,7})\/(\d{1,7})$/;
const kindLimits = z
  .string()
  .refine((value) => value.split(',').every((part) => KIND_LIMIT.test(part.trim()) && !/=0*\/|\/0*$/.test(part.trim())), {
    error: 'expected kind=maxConcurrent/startsPerTick[,...] with positive numbers, e.g. ram-access-key=5/10',
  })
  .transform((value): ServiceSettings['rotationLimitsByKind'] =>
    Object.fromEntries(
      value.split(',').map((part) => {
        const [, kind, maxConcurrent, startsPerTick] = KIND_LIMIT.exec(part.trim()) as RegExpExecArray;
        return [kind as string, { maxConcurrent: Number(maxConcurrent), startsPerTick: Number(startsPerTick) }];
      }),
    ),
  );

const CLOUD_REQUIRED = ['ROTOR_OTS_ENDPOINT', 'ROTOR_OTS_INSTANCE', 'ROTOR_KMS_KEY_ID', 'ROTOR_ACCESS_KEY_ID', 'ROTOR_ACCESS_KEY_SECRET'] as const;

const envSchema = z
  .object({
    ROTOR_BACKEND: z.enum(BACKENDS, { error: `expected one of ${BACKENDS.join(', ')}` }).default('local'),
    HOST: nonEmpty.default('127.0.0.1'),
    PORT: integer(0, 65535).default(9000),
    ROTOR_DATA_DIR: nonEmpty.default('./.rotor'),
    ROTOR_REGION: z
      .string()
      .regex(/^[a-z0-9-]+$/, { error: 'expected a region id such as cn-hangzhou' })
      .default(DEFAULT_SETTINGS.region),
    ROTOR_ACCOUNT_ID: z.string().regex(/^\d{1,32}$/, { error: 'expected digits only' }).default(DEFAULT_SETTINGS.accountId),
    ROTOR_ACCESS_KEY_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{8,128}$/, { error: 'expected 8-128 letters, digits, ".", "_" or "-"' })
      .optional(),
    ROTOR_ACCESS_KEY_SECRET: z.string().min(16, { error: 'expected at least 16 characters' }).max(256).optional(),
    ROTOR_LOG_LEVEL: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    ROTOR_MAX_STEP_ATTEMPTS: integer(1, 100).default(DEFAULT_SETTINGS.maxStepAttempts),
    ROTOR_RETRY_BASE_SECONDS: integer(1, 3600).default(DEFAULT_SETTINGS.retryBaseSeconds),
    ROTOR_RETRY_MAX_SECONDS: integer(1, 86400).default(DEFAULT_SETTINGS.retryMaxSeconds),
    ROTOR_QUEUE_VISIBILITY_SECONDS: integer(1, 43200).default(60),
    ROTOR_QUEUE_MAX_RECEIVES: integer(1, 1000).default(10),
    ROTOR_QUEUE_NAME: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,255}$/, { error: 'expected an MNS queue name (letters, digits, "-")' })
      .default('secret-rotor-rotation'),
    ROTOR_QUEUE_POLL_MS: integer(10, 3_600_000).default(500),
    ROTOR_STORE_LOCKING: z.enum(STORE_LOCKINGS, { error: `expected one of ${STORE_LOCKINGS.join(', ')}` }).default('exclusive'),
    ROTOR_LEASE_SECONDS: integer(60, 86_400).default(DEFAULT_SETTINGS.leaseSeconds),
    ROTOR_MAX_RECONCILES: integer(0, 100).default(DEFAULT_SETTINGS.maxReconciles),
    ROTOR_ROTATION_CONCURRENCY: integer(1, 1_000_000).default(DEFAULT_SETTINGS.rotationLimits.maxConcurrent),
    ROTOR_ROTATION_STARTS_PER_TICK: integer(1, 1_000_000).default(DEFAULT_SETTINGS.rotationLimits.startsPerTick),
    ROTOR_ROTATION_KIND_LIMITS: kindLimits.optional(),
    ROTOR_ROTATION_START_JITTER_SECONDS: integer(0, 3600).default(DEFAULT_SETTINGS.startJitterSeconds),
    ROTOR_ROTATION_OVERDUE_SECONDS: integer(60, 31_536_000).default(DEFAULT_SETTINGS.overdueAfterSeconds),
    // Cloud backend (ROTOR_BACKEND=alibaba). Credentials come from the function's role (FC context).
    ROTOR_OTS_ENDPOINT: z.string().url({ error: 'expected a URL such as https://<instance>.<region>.ots.aliyuncs.com' }).optional(),
    ROTOR_OTS_INSTANCE: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{2,15}$/, { error: 'expected a Tablestore instance name' }).optional(),
    ROTOR_OTS_TABLE_PREFIX: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,31}$/, { error: 'expected letters, digits and _' }).default('rotor_'),
    ROTOR_MNS_ENDPOINT: z.string().url({ error: 'expected a URL such as https://<account>.mns.<region>.aliyuncs.com' }).optional(),
    ROTOR_EVENTS_TOPIC: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,255}$/, { error: 'expected an MNS topic name' }).default('secret-rotor-events'),
    ROTOR_KMS_ENDPOINT: nonEmpty.optional(),
    ROTOR_KMS_KEY_ID: nonEmpty.optional(),
  })
  .superRefine((env, ctx) => {
    if ((env.ROTOR_ACCESS_KEY_ID === undefined) !== (env.ROTOR_ACCESS_KEY_SECRET === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.ROTOR_ACCESS_KEY_ID === undefined ? 'ROTOR_ACCESS_KEY_ID' : 'ROTOR_ACCESS_KEY_SECRET'],
        message: 'ROTOR_ACCESS_KEY_ID and ROTOR_ACCESS_KEY_SECRET are set together or not at all',
      });
    }
    if (env.ROTOR_BACKEND === 'alibaba') {
      // No data dir survives on Function Compute: the root key and the cloud resources must be named.
      for (const name of CLOUD_REQUIRED) {
        if (env[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'is required when ROTOR_BACKEND=alibaba' });
      }
    }
    if (env.ROTOR_RETRY_MAX_SECONDS < env.ROTOR_RETRY_BASE_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['ROTOR_RETRY_MAX_SECONDS'],
        message: 'must not be less than ROTOR_RETRY_BASE_SECONDS',
      });
    }
  });

/** An exported but empty variable counts as unset, as shells make that easy to do by accident. */
const withoutEmptyValues = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): RuntimeConfig => {
  const parsed = envSchema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0] ?? 'environment')}: ${i.message}`));
  }
  const e = parsed.data;
  return {
    backend: e.ROTOR_BACKEND,
    host: e.HOST,
    port: e.PORT,
    dataDir: resolve(cwd, e.ROTOR_DATA_DIR),
    region: e.ROTOR_REGION,
    accountId: e.ROTOR_ACCOUNT_ID,
    rootAccessKey:
      e.ROTOR_ACCESS_KEY_ID !== undefined && e.ROTOR_ACCESS_KEY_SECRET !== undefined
        ? { accessKeyId: e.ROTOR_ACCESS_KEY_ID, accessKeySecret: e.ROTOR_ACCESS_KEY_SECRET }
        : null,
    logLevel: e.ROTOR_LOG_LEVEL,
    maxStepAttempts: e.ROTOR_MAX_STEP_ATTEMPTS,
    retryBaseSeconds: e.ROTOR_RETRY_BASE_SECONDS,
    retryMaxSeconds: e.ROTOR_RETRY_MAX_SECONDS,
    queueVisibilitySeconds: e.ROTOR_QUEUE_VISIBILITY_SECONDS,
    queueMaxReceives: e.ROTOR_QUEUE_MAX_RECEIVES,
    queueName: e.ROTOR_QUEUE_NAME,
    queuePollMs: e.ROTOR_QUEUE_POLL_MS,
    storeLocking: e.ROTOR_STORE_LOCKING,
    rotationTuning: {
      leaseSeconds: e.ROTOR_LEASE_SECONDS,
      maxReconciles: e.ROTOR_MAX_RECONCILES,
      rotationLimits: { maxConcurrent: e.ROTOR_ROTATION_CONCURRENCY, startsPerTick: e.ROTOR_ROTATION_STARTS_PER_TICK },
      rotationLimitsByKind: { ...DEFAULT_SETTINGS.rotationLimitsByKind, ...e.ROTOR_ROTATION_KIND_LIMITS },
      startJitterSeconds: e.ROTOR_ROTATION_START_JITTER_SECONDS,
      overdueAfterSeconds: e.ROTOR_ROTATION_OVERDUE_SECONDS,
    },
    cloud:
      e.ROTOR_BACKEND === 'alibaba'
        ? {
            tablestore: { endpoint: e.ROTOR_OTS_ENDPOINT ?? '', instanceName: e.ROTOR_OTS_INSTANCE ?? '', tablePrefix: e.ROTOR_OTS_TABLE_PREFIX },
            mns: { endpoint: e.ROTOR_MNS_ENDPOINT, accountId: e.ROTOR_ACCOUNT_ID, topicName: e.ROTOR_EVENTS_TOPIC },
            kms: { endpoint: e.ROTOR_KMS_ENDPOINT, keyId: e.ROTOR_KMS_KEY_ID ?? '' },
          }
        : null,
  };
};
