/**
 * Inputs and outputs of the use cases, in domain terms. The HTTP layer (shared/http) parses KMS
 * request parameters into these and formats the results into KMS response fields. Values are
 * validated by the use cases, so any caller (HTTP, timer, tests) gets the same rules. A secret to
 * act on is a SecretId, resolved where the request entered (domain/secret-id.ts).
 */
import type { ListFilter } from '../ports/secret-store.js';
import type { SecretDataType, SecretRecord, SecretType, Tag } from '../domain/secret.js';
import type { SecretId } from '../domain/secret-id.js';
import type { DeputyCaller } from './deputy-check.js';

export interface CreateSecretInput {
  secretName: string;
  versionId: string;
  secretData: string;
  secretDataType?: SecretDataType;
  secretType?: SecretType;
  description?: string;
  encryptionKeyId?: string;
  /** JSON text as received. */
  extendedConfig?: string;
  enableAutomaticRotation?: boolean;
  /** KMS form: N[d|h|m|s]. */
  rotationInterval?: string;
  tags?: Tag[];
  /** Whose permissions the managing secrets and targets the config names are checked against. */
  deputy?: DeputyCaller;
}

export interface VersionView {
  versionId: string;
  createdAt: number;
  stages: string[];
}

export interface SecretValueView {
  secret: SecretRecord;
  version: VersionView;
  /** The decrypted value, in the output format of the secret's type. */
  secretData: string;
}

export interface GetSecretValueInput {
  secretName: SecretId;
  versionId?: string;
  versionStage?: string;
  /** Who asks (an AccessKey ID), when known: named in the event of a refused read. */
  requestedBy?: string;
}

export interface PutSecretValueInput {
  secretName: SecretId;
  versionId: string;
  secretData: string;
  secretDataType?: SecretDataType;
  /** Default [ACSCurrent]. */
  versionStages?: string[];
  /** For a driver-managed value: whose permissions the accounts it names are checked against. */
  deputy?: DeputyCaller;
}

export interface UpdateSecretVersionStageInput {
  secretName: SecretId;
  versionStage: string;
  moveToVersion?: string;
  removeFromVersion?: string;
}

export interface ListSecretsInput {
  pageNumber?: number;
  pageSize?: number;
  filters?: ListFilter[];
  /** Only the secrets the caller may see are listed, paged and counted; absent means all. */
  visible?: (secret: SecretRecord) => boolean;
}

export interface ListSecretsOutput {
  pageNumber: number;
  pageSize: number;
  total: number;
  secrets: SecretRecord[];
}

export interface ListSecretVersionIdsInput {
  secretName: SecretId;
  includeDeprecated?: boolean;
  pageNumber?: number;
  pageSize?: number;
}

export interface ListSecretVersionIdsOutput {
  secretName: string;
  pageNumber: number;
  pageSize: number;
  total: number;
  versions: VersionView[];
}

export interface UpdateRotationPolicyInput {
  secretName: SecretId;
  enableAutomaticRotation: boolean;
  rotationInterval?: string;
}

export interface RotateSecretInput {
  secretName: SecretId;
  /** Idempotency token: the id the new version will get. */
  versionId: string;
  /** Extension ("Use Custom Secret" in the console): the new value instead of a generated one. */
  secretData?: string;
  /** For a custom value: whose permissions the accounts it names are checked against. */
  deputy?: DeputyCaller;
}

export interface RotateSecretOutput {
  secret: SecretRecord;
  versionId: string;
  /** False when the same VersionId was seen before and nothing new was started. */
  started: boolean;
}

export interface DeleteSecretInput {
  secretName: SecretId;
  forceDeleteWithoutRecovery?: boolean;
  /** 7..30, default 30. */
  recoveryWindowInDays?: number;
}

export interface DeleteSecretOutput {
  secretName: string;
  /** Null when deleted at once. */
  plannedDeleteAt: number | null;
}

export interface UpdateSecretInput {
  secretName: SecretId;
  description?: string;
}

export interface GetRandomPasswordInput {
  passwordLength?: number;
  excludeCharacters?: string;
  excludeLowercase?: boolean;
  excludeUppercase?: boolean;
  excludeNumbers?: boolean;
  excludePunctuation?: boolean;
  requireEachIncludedType?: boolean;
}

export interface TickResult {
  /** Rows the store returned for this tick. */
  rowsRead: number;
  /** Rotations started (or secrets purged). */
  acted: number;
  /** Secrets skipped (lost a race, rate-limited, no driver). */
  skipped: number;
}
