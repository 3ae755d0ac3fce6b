/** The secret model: what a secret is, independent of where it is stored. */

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
}

/** How the last finished rotation ended; shown by DescribeSecret. */
export interface RotationOutcome {
  versionId: string;
  status: 'Succeeded' | 'Failed';
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
  /** stage name -> version id. A stage names exactly one version. */
  stages: Record<string, string>;
  rotation: RotationPolicy;
  plannedDeleteAt: number | null;
  job: RotationJob | null;
  lastRotation: RotationOutcome | null;
  /** Start (ms) and count of rotations in the current one-hour rate window. */
  rotationWindow: { startedAt: number; count: number };
  /** Optimistic-concurrency counter, bumped by every stored change. */
  revision: number;
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

/** When the purge timer must remove this secret, or null. Indexed like rotationDueAt. */
export const purgeDueAt = (secret: SecretRecord): number | null => secret.plannedDeleteAt;

export const secretArn = (region: string, accountId: string, name: string): string =>
  `acs:kms:${region}:${accountId}:secret/${name}`;
