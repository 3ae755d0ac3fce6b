import type {
  CreateSecretInput,
  DeleteSecretInput,
  DeleteSecretOutput,
  GetRandomPasswordInput,
  GetSecretValueInput,
  ListSecretVersionIdsInput,
  ListSecretVersionIdsOutput,
  ListSecretsInput,
  ListSecretsOutput,
  PutSecretValueInput,
  RotateSecretInput,
  RotateSecretOutput,
  SecretValueView,
  TickResult,
  UpdateRotationPolicyInput,
  UpdateSecretInput,
  UpdateSecretVersionStageInput,
  VersionView,
} from './commands.js';
import type { SecretRecord } from '../domain/secret.js';
import type { SecretId } from '../domain/secret-id.js';
import type { RotationMessage } from '../ports/job-queue.js';
import type { ReconcileResult } from './reconcile.js';

/** Every use case, as the handlers and the HTTP surface see them. */
export interface SecretService {
  createSecret(input: CreateSecretInput): Promise<{ secret: SecretRecord; versionId: string }>;
  getSecretValue(input: GetSecretValueInput): Promise<SecretValueView>;
  putSecretValue(input: PutSecretValueInput): Promise<{ secret: SecretRecord; version: VersionView }>;
  updateSecretVersionStage(input: UpdateSecretVersionStageInput): Promise<SecretRecord>;
  describeSecret(secret: SecretId): Promise<SecretRecord>;
  updateSecret(input: UpdateSecretInput): Promise<SecretRecord>;
  listSecrets(input: ListSecretsInput): Promise<ListSecretsOutput>;
  listSecretVersionIds(input: ListSecretVersionIdsInput): Promise<ListSecretVersionIdsOutput>;
  updateRotationPolicy(input: UpdateRotationPolicyInput): Promise<SecretRecord>;
  rotateSecret(input: RotateSecretInput): Promise<RotateSecretOutput>;
  deleteSecret(input: DeleteSecretInput): Promise<DeleteSecretOutput>;
  restoreSecret(secret: SecretId): Promise<SecretRecord>;
  getRandomPassword(input: GetRandomPasswordInput): Promise<string>;

  /** Queue trigger: run one rotation step; enqueues the next one. */
  runRotationStep(message: RotationMessage): Promise<void>;
  /** Rotate timer: start the rotations that are due. */
  scheduleDueRotations(limit?: number): Promise<TickResult>;
  /** The rotate timer's reconciler alone: the local runtime runs it as it starts, for what its last run left. */
  reconcileStalledRotations(limit?: number): Promise<ReconcileResult>;
  /** Purge timer: remove secrets whose recovery window has passed. */
  purgeExpired(limit?: number): Promise<TickResult>;
}
