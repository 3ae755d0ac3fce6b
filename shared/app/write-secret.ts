/** Changes to a secret other than rotation: values and stages (Generic), description, rotation policy. */
import { invalidParameter, operationNotSupported, rotationInProgress, versionIdConflict } from '../domain/errors.js';
import { EventTypes } from '../domain/events.js';
import { STAGE_CURRENT, stagesOf, type SecretRecord } from '../domain/secret.js';
import { stagesAfterPut, stagesAfterUpdate } from '../domain/stages.js';
import type { SecretId } from '../domain/secret-id.js';
import {
  parseRotationInterval,
  requireValue,
  validateDataType,
  validateDescription,
  validateSecretData,
  validateVersionId,
} from '../domain/validation.js';
import type {
  PutSecretValueInput,
  UpdateRotationPolicyInput,
  UpdateSecretInput,
  UpdateSecretVersionStageInput,
  VersionView,
} from './commands.js';
import type { UseCaseContext } from './context.js';
import { checkCaller } from './deputy-check.js';
import { checkWrittenValue } from './written-value.js';

const labelNewVersion = (ctx: UseCaseContext, name: SecretId, versionId: string, labels: string[]) =>
  ctx.update(name, (s) => ({ ...s, updatedAt: ctx.now(), stages: stagesAfterPut(s, versionId, labels) }), (n) => ctx.loadActive(n));

const requireGeneric = (secret: SecretRecord, action: string): void => {
  if (secret.type !== 'Generic') throw operationNotSupported(`${action} is available only for Generic secrets.`);
};

export const putSecretValue = async (
  ctx: UseCaseContext,
  input: PutSecretValueInput,
): Promise<{ secret: SecretRecord; version: VersionView }> => {
  const found = await ctx.loadActive(input.secretName);
  requireGeneric(found, 'PutSecretValue');
  // A driver-managed value names the account a rotation resets: the caller must be allowed on it.
  await checkCaller(ctx, input.deputy, ctx.driverFor(found), found, [input.secretData ?? null]);
  const versionId = requireValue('VersionId', input.versionId);
  validateVersionId(versionId);
  if (input.secretData === undefined) requireValue('SecretData', undefined);
  validateSecretData(input.secretData);
  validateDataType(input.secretDataType);
  const labels = input.versionStages?.length ? input.versionStages : [STAGE_CURRENT];
  stagesAfterPut(found, versionId, labels);
  await checkWrittenValue(ctx, found, input.secretData);

  const existing = await ctx.deps.store.getVersion(found.name, versionId);
  if (existing) {
    if ((await ctx.reveal(found.name, versionId)) !== input.secretData) throw versionIdConflict(found.name, versionId);
    // A version with no stage was left by an interrupted put of this very request: finish it.
    const secret = stagesOf(found, versionId).length > 0 ? found : await labelNewVersion(ctx, input.secretName, versionId, labels);
    return { secret, version: { versionId, createdAt: existing.createdAt, stages: stagesOf(secret, versionId) } };
  }
  const now = ctx.now();
  const envelope = await ctx.seal(found.name, versionId, input.secretData);
  await ctx.deps.store.putVersion({ secretName: found.name, versionId, createdAt: now, envelope });
  const secret = await labelNewVersion(ctx, input.secretName, versionId, labels);
  await ctx.emit(EventTypes.valuePut, secret, { versionId, versionStages: stagesOf(secret, versionId) });
  return { secret, version: { versionId, createdAt: now, stages: stagesOf(secret, versionId) } };
};

export const updateSecretVersionStage = async (ctx: UseCaseContext, input: UpdateSecretVersionStageInput) => {
  const found = await ctx.loadActive(input.secretName);
  requireGeneric(found, 'UpdateSecretVersionStage');
  const versionStage = requireValue('VersionStage', input.versionStage);
  const moveTo = input.moveToVersion || undefined;
  const versions = new Set((await ctx.deps.store.listVersions(found.name)).map((v) => v.versionId));
  const update = { versionStage, moveToVersion: moveTo, removeFromVersion: input.removeFromVersion || undefined };
  const secret = await ctx.update(
    input.secretName,
    (s) => ({ ...s, updatedAt: ctx.now(), stages: stagesAfterUpdate(s, update, (id) => versions.has(id)) }),
    (n) => ctx.loadActive(n),
  );
  await ctx.emit(EventTypes.stageUpdated, secret, { versionStage, moveToVersion: moveTo ?? null });
  return secret;
};

export const updateSecret = async (ctx: UseCaseContext, input: UpdateSecretInput) => {
  const name = input.secretName;
  // No Description given changes nothing (it does not clear the stored one).
  const description = input.description === undefined ? undefined : validateDescription(input.description);
  const secret = await ctx.update(name, (s) =>
    description === undefined || s.description === description ? s : { ...s, description, updatedAt: ctx.now() },
  );
  await ctx.emit(EventTypes.secretUpdated, secret);
  return secret;
};

/**
 * The first rotation after enabling is due one interval after the last rotation (or creation);
 * when that moment has passed it is due now (KMS rule).
 */
export const updateRotationPolicy = async (ctx: UseCaseContext, input: UpdateRotationPolicyInput) => {
  const found = await ctx.loadActive(input.secretName);
  if (!ctx.driverFor(found))
    throw operationNotSupported('UpdateSecretRotationPolicy is unavailable: this secret has no rotation target.');
  if (found.type === 'RAMCredentials' && found.job) throw rotationInProgress(found.name);
  let intervalSeconds: number | null = null;
  if (input.enableAutomaticRotation) {
    if (!input.rotationInterval) throw invalidParameter('RotationInterval', 'is required when automatic rotation is enabled');
    intervalSeconds = parseRotationInterval(input.rotationInterval);
  } else if (input.rotationInterval) {
    intervalSeconds = parseRotationInterval(input.rotationInterval);
  }
  const now = ctx.now();
  const secret = await ctx.update(
    input.secretName,
    (s) => {
      const interval = intervalSeconds ?? s.rotation.intervalSeconds;
      const anchor = s.rotation.lastRotatedAt ?? s.createdAt;
      const rotation = input.enableAutomaticRotation
        ? { ...s.rotation, enabled: true, intervalSeconds: interval, nextRotationAt: Math.max(now, anchor + (interval ?? 0) * 1000) }
        : { ...s.rotation, enabled: false, intervalSeconds: interval, nextRotationAt: null };
      return { ...s, updatedAt: now, rotation };
    },
    (n) => ctx.loadActive(n),
  );
  await ctx.emit(EventTypes.rotationPolicyUpdated, secret, {
    automaticRotation: secret.rotation.enabled,
    rotationIntervalSeconds: secret.rotation.intervalSeconds,
  });
  return secret;
};
