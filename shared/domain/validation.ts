/** KMS's input rules, in one place. Each function throws a KmsError naming the bad parameter. */
import { invalidParameter, missingParameter } from './errors.js';
import { SECRET_TYPES, STAGE_PENDING, type SecretDataType, type SecretType, type Tag } from './secret.js';
import { MAX_SECRET_NAME_LENGTH, SECRET_NAME_PATTERN, type SecretId } from './secret-id.js';

const VERSION_ID_PATTERN = /^[A-Za-z0-9_/+=.@-]+$/;
export { MAX_SECRET_NAME_LENGTH };
export const MAX_VERSION_ID_LENGTH = 64;
export const MAX_SECRET_DATA_BYTES = 30_720;
export const MAX_EXTENDED_CONFIG_CHARS = 1_024;
export const MAX_DESCRIPTION_CHARS = 1_024;
export const MAX_TAGS = 20;
export const MAX_TAG_CHARS = 128;
export const MIN_ROTATION_SECONDS = 6 * 3600;
export const MAX_ROTATION_SECONDS = 8760 * 3600;
export const MIN_RECOVERY_DAYS = 7;
export const MAX_RECOVERY_DAYS = 30;
export const DEFAULT_RECOVERY_DAYS = 30;
export const MAX_STAGE_CHARS = 64;

export const requireValue = (name: string, value: string | undefined): string => {
  if (value === undefined || value === '') throw missingParameter(name);
  return value;
};

export const validateSecretType = (value: string | undefined): SecretType => {
  if (value === undefined || value === '') return 'Generic';
  const found = SECRET_TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
  if (!found) throw invalidParameter('SecretType', `must be one of ${SECRET_TYPES.join(', ')}`);
  return found;
};

/** Name rules per type: ECS names start acs/ecs/, RAM names are generated, others must not start acs/. */
export const validateSecretName = (name: string, type: SecretType): SecretId => {
  if (name.length > MAX_SECRET_NAME_LENGTH)
    throw invalidParameter('SecretName', `must be at most ${MAX_SECRET_NAME_LENGTH} characters`);
  if (!SECRET_NAME_PATTERN.test(name))
    throw invalidParameter('SecretName', 'may contain only letters, digits and _/+=.-@');
  if (type === 'ECS' && !name.startsWith('acs/ecs/'))
    throw invalidParameter('SecretName', 'of an ECS secret must start with acs/ecs/');
  if (type !== 'ECS' && type !== 'RAMCredentials' && name.startsWith('acs/'))
    throw invalidParameter('SecretName', 'must not start with acs/');
  return name as SecretId;
};

export const validateVersionId = (versionId: string, parameter = 'VersionId'): void => {
  if (versionId.length > MAX_VERSION_ID_LENGTH)
    throw invalidParameter(parameter, `must be at most ${MAX_VERSION_ID_LENGTH} characters`);
  if (!VERSION_ID_PATTERN.test(versionId))
    throw invalidParameter(parameter, 'may contain only letters, digits and _/+=.-@');
};

export const validateSecretData = (data: string): void => {
  if (Buffer.byteLength(data, 'utf8') > MAX_SECRET_DATA_BYTES)
    throw invalidParameter('SecretData', `must be at most ${MAX_SECRET_DATA_BYTES} bytes`);
};

export const validateDataType = (value: string | undefined): SecretDataType => {
  if (value === undefined || value === '' || value === 'text') return 'text';
  if (value === 'binary') return 'binary';
  throw invalidParameter('SecretDataType', 'must be text or binary');
};

export const validateDescription = (value: string | undefined): string => {
  const text = value ?? '';
  if (text.length > MAX_DESCRIPTION_CHARS)
    throw invalidParameter('Description', `must be at most ${MAX_DESCRIPTION_CHARS} characters`);
  return text;
};

/** Parses ExtendedConfig JSON text into an object; required for every type but Generic. */
export const parseExtendedConfig = (
  text: string | undefined,
  type: SecretType,
): Record<string, unknown> | null => {
  if (text === undefined || text === '') {
    if (type === 'Generic') return null;
    throw missingParameter('ExtendedConfig');
  }
  if (text.length > MAX_EXTENDED_CONFIG_CHARS)
    throw invalidParameter('ExtendedConfig', `must be at most ${MAX_EXTENDED_CONFIG_CHARS} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameter('ExtendedConfig', 'is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalidParameter('ExtendedConfig', 'must be a JSON object');
  return parsed as Record<string, unknown>;
};

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };

/** RotationInterval `N[d|h|m|s]` (seconds when no unit), 6 h to 8,760 h. Returns seconds. */
export const parseRotationInterval = (value: string): number => {
  const match = /^(\d{1,12})([dhms]?)$/.exec(value.trim());
  if (!match) throw invalidParameter('RotationInterval', 'must be an integer followed by d, h, m or s');
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
  if (seconds < MIN_ROTATION_SECONDS || seconds > MAX_ROTATION_SECONDS)
    throw invalidParameter('RotationInterval', 'must be between 6 hours and 8760 hours');
  return seconds;
};

export const validateRecoveryWindow = (days: number | undefined): number => {
  if (days === undefined) return DEFAULT_RECOVERY_DAYS;
  if (!Number.isInteger(days) || days < MIN_RECOVERY_DAYS || days > MAX_RECOVERY_DAYS)
    throw invalidParameter(
      'RecoveryWindowInDays',
      `must be an integer from ${MIN_RECOVERY_DAYS} to ${MAX_RECOVERY_DAYS}`,
    );
  return days;
};

export const validateTags = (tags: Tag[] | undefined): Tag[] => {
  const list = tags ?? [];
  if (list.length > MAX_TAGS) throw invalidParameter('Tags', `at most ${MAX_TAGS} tags`);
  const seen = new Set<string>();
  for (const tag of list) {
    if (!tag.key || tag.key.length > MAX_TAG_CHARS || tag.value.length > MAX_TAG_CHARS)
      throw invalidParameter('Tags', `keys are 1 to ${MAX_TAG_CHARS} characters, values at most ${MAX_TAG_CHARS}`);
    if (/^(aliyun|acs:)/i.test(tag.key)) throw invalidParameter('Tags', 'keys must not start with aliyun or acs:');
    if (seen.has(tag.key)) throw invalidParameter('Tags', 'keys must be unique');
    seen.add(tag.key);
  }
  return list;
};

/** Stage labels callers may set. The pending stage is the rotation engine's own. */
export const validateStageName = (stage: string, parameter = 'VersionStage'): void => {
  if (!stage || stage.length > MAX_STAGE_CHARS || !/^[A-Za-z0-9_.-]+$/.test(stage))
    throw invalidParameter(parameter, `must be 1 to ${MAX_STAGE_CHARS} letters, digits, _ . or -`);
  if (stage === STAGE_PENDING) throw invalidParameter(parameter, `${STAGE_PENDING} is reserved for rotations`);
};

export const validatePage = (
  parameter: string,
  value: number | undefined,
  fallback: number,
  max: number,
): number => {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw invalidParameter(parameter, `must be an integer from 1 to ${max}`);
  return n;
};
