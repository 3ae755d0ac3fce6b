/**
 * TEST DOUBLE of SecretService for the HTTP-surface tests: plain maps, just enough behaviour for
 * every KMS action to round-trip. It is NOT the real service (shared/app), which is tested on its
 * own; rotation here only records a job, it never runs steps.
 */
import { randomInt } from 'node:crypto';
import type { SecretService } from '../../shared/app/service.js';
import type { ReconcileResult } from '../../shared/app/reconcile.js';
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
} from '../../shared/app/commands.js';
import {
  invalidParameter,
  missingParameter,
  operationNotSupported,
  secretExists,
  secretInDeleteWindow,
  secretNotFound,
  versionIdConflict,
  versionNotFound,
} from '../../shared/domain/errors.js';
import { matchesFilters } from '../../shared/domain/list-filter.js';
import { withoutEntry } from '../../shared/domain/own-record.js';
import { moveStage } from '../../shared/domain/stages.js';
import {
  STAGE_CURRENT,
  stageHolder,
  stagesOf,
  type RotationJob,
  type RotationOutcome,
  type SecretRecord,
} from '../../shared/domain/secret.js';
import type { Clock } from '../../shared/ports/clock.js';

interface StoredVersion {
  versionId: string;
  createdAt: number;
  data: string;
}

interface Entry {
  secret: SecretRecord;
  versions: StoredVersion[];
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

const intervalSeconds = (text: string): number => {
  const match = /^(\d+)([smhd]?)$/.exec(text);
  if (!match) throw invalidParameter('RotationInterval', 'must be N[d|h|m|s].');
  return Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
};

export class InMemorySecretServiceForHttpTests implements SecretService {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  /** Lets a test put a secret into a rotation state the double cannot reach by itself. */
  setRotationState(name: string, state: { job?: RotationJob | null; lastRotation?: RotationOutcome | null }): void {
    const entry = this.entry(name);
    entry.secret = { ...entry.secret, ...state };
  }

  async createSecret(input: CreateSecretInput): Promise<{ secret: SecretRecord; versionId: string }> {
    const existing = this.entries.get(input.secretName);
    if (existing) {
      throw existing.secret.plannedDeleteAt !== null
        ? secretInDeleteWindow(input.secretName)
        : secretExists(input.secretName);
    }
    const now = this.clock.now();
    const enabled = input.enableAutomaticRotation ?? false;
    if (enabled && !input.rotationInterval) throw missingParameter('RotationInterval');
    const seconds = input.rotationInterval ? intervalSeconds(input.rotationInterval) : null;
    const secret: SecretRecord = {
      name: input.secretName,
      type: input.secretType ?? 'Generic',
      description: input.description ?? '',
      encryptionKeyId: input.encryptionKeyId ?? 'local-default-key',
      extendedConfig: input.extendedConfig ?? null,
      tags: input.tags ?? [],
      dataType: input.secretDataType ?? 'text',
      createdAt: now,
      updatedAt: now,
      stages: { [STAGE_CURRENT]: input.versionId },
      rotation: {
        enabled,
        intervalSeconds: seconds,
        lastRotatedAt: null,
        nextRotationAt: enabled && seconds !== null ? now + seconds * 1000 : null,
      },
      plannedDeleteAt: null,
      job: null,
      lastRotation: null,
      rotationWindow: { startedAt: now, count: 0 },
      revision: 1,
    };
    this.entries.set(secret.name, {
      secret,
      versions: [{ versionId: input.versionId, createdAt: now, data: input.secretData }],
    });
    return { secret, versionId: input.versionId };
  }

  async getSecretValue(input: GetSecretValueInput): Promise<SecretValueView> {
    const entry = this.live(input.secretName);
    const stage = input.versionStage ?? (input.versionId ? undefined : STAGE_CURRENT);
    const versionId = stage !== undefined ? stageHolder(entry.secret.stages, stage) : input.versionId;
    const version = entry.versions.find((v) => v.versionId === versionId);
    if (!version || (input.versionId && input.versionId !== version.versionId)) {
      throw versionNotFound(input.secretName, stage ? `stage ${stage}` : `id ${input.versionId}`);
    }
    return { secret: entry.secret, version: this.view(entry, version), secretData: version.data };
  }

  async putSecretValue(input: PutSecretValueInput): Promise<{ secret: SecretRecord; version: VersionView }> {
    const entry = this.live(input.secretName);
    if (entry.secret.type !== 'Generic') throw operationNotSupported('PutSecretValue works only for Generic secrets.');
    const same = entry.versions.find((v) => v.versionId === input.versionId);
    if (same) {
      if (same.data !== input.secretData) throw versionIdConflict(input.secretName, input.versionId);
      return { secret: entry.secret, version: this.view(entry, same) };
    }
    const version = { versionId: input.versionId, createdAt: this.clock.now(), data: input.secretData };
    entry.versions.push(version);
    for (const stage of input.versionStages ?? [STAGE_CURRENT]) this.moveStage(entry, stage, version.versionId);
    return { secret: entry.secret, version: this.view(entry, version) };
  }

  async updateSecretVersionStage(input: UpdateSecretVersionStageInput): Promise<SecretRecord> {
    const entry = this.live(input.secretName);
    if (input.moveToVersion) {
      if (!entry.versions.some((v) => v.versionId === input.moveToVersion)) {
        throw versionNotFound(input.secretName, `id ${input.moveToVersion}`);
      }
      this.moveStage(entry, input.versionStage, input.moveToVersion);
    } else if (input.removeFromVersion) {
      this.touch(entry, { stages: withoutEntry(entry.secret.stages, input.versionStage) });
    } else {
      throw missingParameter('MoveToVersion');
    }
    return entry.secret;
  }

  async describeSecret(secretName: string): Promise<SecretRecord> {
    return this.entry(secretName).secret;
  }

  async updateSecret(input: UpdateSecretInput): Promise<SecretRecord> {
    const entry = this.live(input.secretName);
    if (input.description !== undefined) this.touch(entry, { description: input.description });
    return entry.secret;
  }

  async listSecrets(input: ListSecretsInput): Promise<ListSecretsOutput> {
    const pageNumber = input.pageNumber ?? 1;
    const pageSize = input.pageSize ?? 10;
    const all = [...this.entries.values()]
      .map((e) => e.secret)
      .filter((s) => matchesFilters(s, input.filters ?? []) && (input.visible?.(s) ?? true))
      .sort((a, b) => a.name.localeCompare(b.name));
    const secrets = all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    return { pageNumber, pageSize, total: all.length, secrets };
  }

  async listSecretVersionIds(input: ListSecretVersionIdsInput): Promise<ListSecretVersionIdsOutput> {
    const entry = this.entry(input.secretName);
    const pageNumber = input.pageNumber ?? 1;
    const pageSize = input.pageSize ?? 20;
    const views = entry.versions
      .map((v) => this.view(entry, v))
      .filter((v) => input.includeDeprecated || v.stages.length > 0);
    return {
      secretName: entry.secret.name,
      pageNumber,
      pageSize,
      total: views.length,
      versions: views.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
    };
  }

  async updateRotationPolicy(input: UpdateRotationPolicyInput): Promise<SecretRecord> {
    const entry = this.live(input.secretName);
    if (entry.secret.type === 'Generic') throw operationNotSupported('Generic secrets are rotated with PutSecretValue.');
    if (input.enableAutomaticRotation && !input.rotationInterval) throw missingParameter('RotationInterval');
    const seconds = input.rotationInterval ? intervalSeconds(input.rotationInterval) : entry.secret.rotation.intervalSeconds;
    const base = entry.secret.rotation.lastRotatedAt ?? this.clock.now();
    this.touch(entry, {
      rotation: {
        ...entry.secret.rotation,
        enabled: input.enableAutomaticRotation,
        intervalSeconds: seconds,
        nextRotationAt: input.enableAutomaticRotation && seconds !== null ? base + seconds * 1000 : null,
      },
    });
    return entry.secret;
  }

  async rotateSecret(input: RotateSecretInput): Promise<RotateSecretOutput> {
    const entry = this.live(input.secretName);
    if (entry.secret.type === 'Generic') throw operationNotSupported('RotateSecret is unavailable for Generic secrets.');
    if (entry.secret.job?.versionId === input.versionId || entry.versions.some((v) => v.versionId === input.versionId)) {
      return { secret: entry.secret, versionId: input.versionId, started: false };
    }
    const now = this.clock.now();
    this.touch(entry, {
      job: {
        versionId: input.versionId,
        step: 'createPending',
        attempt: 1,
        trigger: 'manual',
        startedAt: now,
        stepStartedAt: now,
        customValue: input.secretData !== undefined,
        lastError: null,
      },
    });
    return { secret: entry.secret, versionId: input.versionId, started: true };
  }

  async deleteSecret(input: DeleteSecretInput): Promise<DeleteSecretOutput> {
    const entry = this.live(input.secretName);
    if (input.forceDeleteWithoutRecovery) {
      this.entries.delete(input.secretName);
      return { secretName: input.secretName, plannedDeleteAt: null };
    }
    const days = input.recoveryWindowInDays ?? 30;
    if (days < 7 || days > 30) throw invalidParameter('RecoveryWindowInDays', 'must be from 7 to 30.');
    const plannedDeleteAt = this.clock.now() + days * 86_400_000;
    this.touch(entry, { plannedDeleteAt });
    return { secretName: input.secretName, plannedDeleteAt };
  }

  async restoreSecret(secretName: string): Promise<SecretRecord> {
    const entry = this.entry(secretName);
    this.touch(entry, { plannedDeleteAt: null });
    return entry.secret;
  }

  async getRandomPassword(input: GetRandomPasswordInput): Promise<string> {
    const length = input.passwordLength ?? 32;
    if (length < 8 || length > 128) throw invalidParameter('PasswordLength', 'must be from 8 to 128.');
    let pool = '';
    if (!input.excludeLowercase) pool += 'abcdefghijklmnopqrstuvwxyz';
    if (!input.excludeUppercase) pool += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    if (!input.excludeNumbers) pool += '0123456789';
    if (!input.excludePunctuation) pool += '!#$%&()*+,-./:;<=>?@[]^_{|}~';
    const allowed = [...pool].filter((c) => !(input.excludeCharacters ?? '').includes(c));
    return Array.from({ length }, () => allowed[randomInt(allowed.length)]).join('');
  }

  async runRotationStep(): Promise<void> {
    throw new Error('InMemorySecretServiceForHttpTests does not run rotations');
  }

  async scheduleDueRotations(): Promise<TickResult> {
    throw new Error('InMemorySecretServiceForHttpTests does not schedule rotations');
  }

  async purgeExpired(): Promise<TickResult> {
    throw new Error('InMemorySecretServiceForHttpTests does not purge');
  }

  async reconcileStalledRotations(): Promise<ReconcileResult> {
    throw new Error('InMemorySecretServiceForHttpTests does not reconcile');
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw secretNotFound(name);
    return entry;
  }

  private live(name: string): Entry {
    const entry = this.entry(name);
    if (entry.secret.plannedDeleteAt !== null) throw secretInDeleteWindow(name);
    return entry;
  }

  private view(entry: Entry, version: StoredVersion): VersionView {
    return { versionId: version.versionId, createdAt: version.createdAt, stages: stagesOf(entry.secret, version.versionId) };
  }

  /** Moving ACSCurrent demotes the old current version to ACSPrevious, as KMS does. */
  private moveStage(entry: Entry, stage: string, versionId: string): void {
    this.touch(entry, { stages: moveStage(entry.secret.stages, stage, versionId) });
  }

  private touch(entry: Entry, change: Partial<SecretRecord>): void {
    entry.secret = { ...entry.secret, ...change, updatedAt: this.clock.now(), revision: entry.secret.revision + 1 };
  }
}
