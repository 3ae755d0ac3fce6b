import { createHash } from 'node:crypto';
import {
  ConflictError,
  invalidParameter,
  secretExists,
  secretInDeleteWindow,
  versionIdConflict,
} from '../domain/errors.js';
import { validateDriftTag } from '../domain/drift.js';
import { EventTypes } from '../domain/events.js';
import { STAGE_CURRENT, STAGE_PREVIOUS, type SecretRecord, type SecretType } from '../domain/secret.js';
import {
  parseExtendedConfig,
  parseRotationInterval,
  requireValue,
  validateDataType,
  validateDescription,
  validateSecretData,
  validateSecretName,
  validateSecretType,
  validateTags,
  validateVersionId,
} from '../domain/validation.js';
import { parseManagedScope } from '../domain/deputy/index.js';
import type { CreateSecretInput } from './commands.js';
import { checkCaller } from './deputy-check.js';
import type { UseCaseContext } from './context.js';

const AUTO_NAME = '$Auto';
/** A restricted caller whose key id was not passed: no key has this id, so its rotations are refused. */
const UNKNOWN_CREATOR = '(unknown)';

/** RAM secrets are created as `$Auto` and named after their RAM user (KMS rule). */
const resolveName = (requested: string, type: SecretType, config: Record<string, unknown> | null): string => {
  if (type !== 'RAMCredentials') {
    if (requested === AUTO_NAME) throw invalidParameter('SecretName', '$Auto is only for RAMCredentials secrets');
    return requested;
  }
  if (requested !== AUTO_NAME) throw invalidParameter('SecretName', 'of a RAMCredentials secret must be $Auto');
  const user = config?.UserName;
  if (typeof user !== 'string' || user === '') throw invalidParameter('ExtendedConfig.UserName', 'is required for RAMCredentials');
  return `acs/ram/user/${user}`;
};

/** The id of the version a driver's initial ACSPrevious value gets: derived, so a retried create finds it. */
const previousVersionId = (versionId: string): string =>
  `initial-previous-${createHash('sha256').update(versionId).digest('hex').slice(0, 16)}`;

/** Writes a first version; one left by an earlier, interrupted create must hold the same value. */
const storeInitialVersion = async (ctx: UseCaseContext, name: string, versionId: string, value: string, createdAt: number) => {
  const envelope = await ctx.seal(name, versionId, value);
  const written = await ctx.deps.store.putVersion({ secretName: name, versionId, createdAt, envelope });
  if (written === 'exists' && (await ctx.reveal(name, versionId)) !== value) throw versionIdConflict(name, versionId);
};

export const createSecret = async (ctx: UseCaseContext, input: CreateSecretInput) => {
  const type = validateSecretType(input.secretType);
  const requestedName = requireValue('SecretName', input.secretName);
  const versionId = requireValue('VersionId', input.versionId);
  validateVersionId(versionId);
  if (input.secretData === undefined) requireValue('SecretData', undefined);
  validateSecretData(input.secretData);
  const dataType = validateDataType(input.secretDataType);
  if (type !== 'Generic' && dataType !== 'text') throw invalidParameter('SecretDataType', `must be text for ${type} secrets`);
  const config = parseExtendedConfig(input.extendedConfig, type);
  const name = resolveName(requestedName, type, config);
  validateSecretName(name, type);
  const now = ctx.now();
  const draft: SecretRecord = {
    name,
    type,
    description: validateDescription(input.description),
    encryptionKeyId: input.encryptionKeyId ?? '',
    extendedConfig: config ? JSON.stringify(config) : null,
    tags: validateDriftTag(validateTags(input.tags)),
    dataType,
    createdAt: now,
    updatedAt: now,
    stages: { [STAGE_CURRENT]: versionId },
    rotation: { enabled: false, intervalSeconds: null, lastRotatedAt: null, nextRotationAt: null },
    plannedDeleteAt: null,
    job: null,
    lastRotation: null,
    rotationWindow: { startedAt: now, count: 0 },
    revision: 0,
  };
  const driver = config ? ctx.driverFor(draft) : null;
  driver?.validateConfig(ctx.driverSecret(draft));
  parseManagedScope(config);
  // Before anything reaches a target: initialVersions may already act on it (RDS one-click creation).
  // Who may comes first, then what the value says, as on every write path.
  await checkCaller(ctx, input.deputy, driver, draft, [input.secretData]);
  if (input.deputy && !input.deputy.access.unrestricted) draft.createdBy = input.deputy.accessKeyId ?? UNKNOWN_CREATOR;
  // The target (a database account, say) is recorded now: no later value may move the secret to another.
  if (driver?.fixTarget) draft.extendedConfig = JSON.stringify(driver.fixTarget({ secret: ctx.driverSecret(draft), secretData: input.secretData }));
  await driver?.checkWrittenValue?.({ secret: ctx.driverSecret(draft), value: input.secretData, currentValue: null });
  if (input.enableAutomaticRotation) {
    if (!driver) throw invalidParameter('EnableAutomaticRotation', 'this secret has no rotation target');
    if (!input.rotationInterval) throw invalidParameter('RotationInterval', 'is required when automatic rotation is enabled');
    const intervalSeconds = parseRotationInterval(input.rotationInterval);
    draft.rotation = { enabled: true, intervalSeconds, lastRotatedAt: null, nextRotationAt: now + intervalSeconds * 1000 };
  } else if (input.rotationInterval) {
    parseRotationInterval(input.rotationInterval);
  }

  const existing = await ctx.deps.store.getSecret(name);
  if (existing) throw existing.plannedDeleteAt !== null ? secretInDeleteWindow(name) : secretExists(name);

  const initial = driver?.initialVersions
    ? await driver.initialVersions({ secret: ctx.driverSecret(draft), secretData: input.secretData })
    : { current: input.secretData };
  await storeInitialVersion(ctx, name, versionId, initial.current, now);
  if (initial.previous !== undefined) {
    const previousId = previousVersionId(versionId);
    await storeInitialVersion(ctx, name, previousId, initial.previous, now - 1);
    draft.stages[STAGE_PREVIOUS] = previousId;
  }
  let secret: SecretRecord;
  try {
    secret = await ctx.deps.store.createSecret(draft);
  } catch (error) {
    if (error instanceof ConflictError) throw secretExists(name);
    throw error;
  }
  await ctx.emit(EventTypes.secretCreated, secret, { versionId, automaticRotation: secret.rotation.enabled });
  return { secret, versionId };
};
