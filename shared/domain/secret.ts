/** The secret model: what a secret is, independent of where it is stored. */
import { ownValue } from './own-record.js';

export const SECRET_TYPES = ['Generic', 'Rds', 'RAMCredentials', 'ECS', 'Redis', 'PolarDB'] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

export type SecretDataType = 'text' | 'binary';

export const STAGE_CURRENT = 'ACSCurrent';
export const STAGE_PREVIOUS = 'ACSPrevious';
/** Our own stage for the version a rotation is bringing in; KMS defines no pending stage. */
export const STAGE_PENDING = 'RotorPending';

export interface Tag {
  key: string;
  value: string;
}

export const ROTATION_STEPS = ['createPending', 'applyToTarget', 'verify', 'promote'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export type RotationTrigger = 'manual' | 'schedule';

export interface ErrorInfo {
  code: string;
  message: string;
}

/**
 * Who is driving a rotation, and until when. Renewed at every committed step; a lease that runs
 * out means the rotation stalled (a worker died, a message was lost) and the reconciler takes over.
 */
export interface Lease {
  owner: string;
  expiresAt: number;
}

/** A rotation in flight. At most one per secret; its presence is the lock. */
export interface RotationJob {
  versionId: string;
  step: RotationStep;
  /** Attempts made at the current step (1 on the first try). */
  attempt: number;
  trigger: RotationTrigger;
  startedAt: number;
  stepStartedAt: number;
  /** True when the caller supplied the new value (console "Use Custom Secret"). */
  customValue: boolean;
  lastError: ErrorInfo | null;
  /** Absent on jobs stored before leases existed: those count as expired at stepStartedAt. */
  lease?: Lease;
  /** Times the reconciler re-drove the current step after its lease ran out. */
  reconciles?: number;
  /** The kind of the driver serving the rotation: the unit of concurrency caps. */
  targetKind?: string;
}

/**
 * A stored promote whose driver finalize is not confirmed yet: kept on the secret so the
 * reconciler can queue the finalize again if its message is lost.
 */
export interface PendingFinalize {
  versionId: string;
  lease: Lease;
  reconciles: number;
}

/** A due rotation that could not start yet (caps, rate, no driver): how long it has waited. */
export interface RotationBacklog {
  /** When the rotation first became due. */
  dueSince: number;
  deferrals: number;
  /** The overdue event for this occurrence went out. */
  overdueReported: boolean;
  /** The due time the last deferral set: a different one means the policy changed, a new occurrence. */
  deferredUntil?: number;
}

/** Unsupported: the secret's driver cannot check its current credential. */
export type DriftStatus = 'InSync' | 'Drifted' | 'Unsupported';

/** The last drift check: does ACSCurrent still authenticate against the target? */
export interface DriftState {
  status: DriftStatus;
  checkedAt: number;
  nextCheckAt: number;
  error: ErrorInfo | null;
}

/** How the last finished rotation ended; shown by DescribeSecret. */
export interface RotationOutcome {
  versionId: string;
  /** Abandoned: the reconciler gave up on a stalled rotation, or deletion stopped it; ACSCurrent was kept. */
  status: 'Succeeded' | 'Failed' | 'Abandoned';
  finishedAt: number;
  error: ErrorInfo | null;
}

export interface RotationPolicy {
  enabled: boolean;
  intervalSeconds: number | null;
  lastRotatedAt: number | null;
  nextRotationAt: number | null;
}

export interface SecretRecord {
  name: string;
  type: SecretType;
  description: string;
  encryptionKeyId: string;
  /** ExtendedConfig as a JSON text, exactly as accepted. */
  extendedConfig: string | null;
  tags: Tag[];
  dataType: SecretDataType;
  createdAt: number;
  updatedAt: number;
  /**
   * stage name -> version id. A stage names exactly one version. Keys are caller labels: read one
   * with stageHolder, build with own-record.ts, never index with a caller's label.
   */
  stages: Record<string, string>;
  rotation: RotationPolicy;
  plannedDeleteAt: number | null;
  job: RotationJob | null;
  lastRotation: RotationOutcome | null;
  /** Start (ms) and count of rotations in the current one-hour rate window. */
  rotationWindow: { startedAt: number; count: number };
  /** Optimistic-concurrency counter, bumped by every stored change. */
  revision: number;
  pendingFinalize?: PendingFinalize | null;
  backlog?: RotationBacklog | null;
  drift?: DriftState | null;
  /**
   * The AccessKey that created the secret, when not the root key: that key's current policies are
   * checked again before each rotation touches a target (absent or null: root-created, unrestricted).
   */
  createdBy?: string | null;
}

/** Envelope-encrypted secret value. All binary fields base64. */
export interface Envelope {
  alg: 'AES-256-GCM';
  keyId: string;
  wrappedKey: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

/** A version is written once and never changed; stage labels live on the secret. */
export interface VersionRecord {
  secretName: string;
  versionId: string;
  createdAt: number;
  envelope: Envelope;
}

/**
 * The version `stage` labels, if any. Any label the grammar allows is an ordinary label, including
 * `constructor` or `__proto__` (KMS takes any custom label that matches it): see own-record.ts.
 */
export const stageHolder = (stages: Readonly<Record<string, string>>, stage: string): string | undefined =>
  ownValue(stages, stage);

export const stagesOf = (secret: SecretRecord, versionId: string): string[] =>
  Object.entries(secret.stages)
    .filter(([, v]) => v === versionId)
    .map(([stage]) => stage)
    .sort(stageOrder);

const stageRank = (s: string): number => (s === STAGE_CURRENT ? 0 : s === STAGE_PREVIOUS ? 1 : 2);
const stageOrder = (a: string, b: string): number => stageRank(a) - stageRank(b) || a.localeCompare(b);

export const isPendingDeletion = (secret: SecretRecord): boolean => secret.plannedDeleteAt !== null;

/**
 * When the scheduler must pick this secret up, or null. Stores persist this as an indexed
 * column so a tick reads only due rows.
 */
export const rotationDueAt = (secret: SecretRecord): number | null =>
  secret.rotation.enabled && secret.plannedDeleteAt === null && secret.job === null
    ? secret.rotation.nextRotationAt
    : null;

/**
 * When the reconciler must look at this secret, or null: the lease of the rotation in flight, or
 * else of an unconfirmed finalize (not while deletion is pending: finalize waits for a restore).
 * Indexed like rotationDueAt, so the reconciler reads only expired rows.
 */
export const leaseDueAt = (secret: SecretRecord): number | null => {
  if (secret.job) return secret.job.lease?.expiresAt ?? secret.job.stepStartedAt;
  if (secret.pendingFinalize && secret.plannedDeleteAt === null) return secret.pendingFinalize.lease.expiresAt;
  return null;
};

/** When the purge timer must remove this secret, or null. Indexed like rotationDueAt. */
export const purgeDueAt = (secret: SecretRecord): number | null => secret.plannedDeleteAt;

export const secretArn = (region: string, accountId: string, name: string): string =>
  `acs:kms:${region}:${accountId}:secret/${name}`;
