/**
 * The values of a managed RAM secret. In: CreateSecret's SecretData
 * `{"AccessKeys":[{"AccessKeyId","AccessKeySecret"}, ...]}`. Out (every version):
 * `{"AccessKeyId","AccessKeySecret","GenerateTimestamp"}` with a RAM-style UTC time.
 */
import { invalidParameter, TargetError } from '../../../domain/errors.js';

export interface AccessKeyValue {
  AccessKeyId: string;
  AccessKeySecret: string;
  GenerateTimestamp: string;
}

export interface AccessKeyPair {
  AccessKeyId: string;
  AccessKeySecret: string;
}

/** 2023-03-25T10:42:40Z: second precision, as KMS shows it. */
export const ramTimestamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const formatAccessKey = (pair: AccessKeyPair, generatedAt: string): string =>
  JSON.stringify({ AccessKeyId: pair.AccessKeyId, AccessKeySecret: pair.AccessKeySecret, GenerateTimestamp: generatedAt });

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const asPair = (value: unknown): AccessKeyPair | null => {
  if (!isRecord(value)) return null;
  const { AccessKeyId, AccessKeySecret } = value;
  if (typeof AccessKeyId !== 'string' || AccessKeyId === '' || typeof AccessKeySecret !== 'string' || AccessKeySecret === '') return null;
  return { AccessKeyId, AccessKeySecret };
};

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

/** A stored value's key pair; throws a TargetError (quoting nothing) when it has none. */
export const requireAccessKey = (value: string, what: string): AccessKeyPair => {
  const pair = asPair(parseJson(value));
  if (!pair) throw new TargetError('Target.InvalidSecretData', `The ${what} is not {"AccessKeyId","AccessKeySecret",...}.`, false);
  return pair;
};

/** The AccessKey ID of a stored value, or null when it has none (a value healing rotations must tolerate). */
export const accessKeyIdOf = (value: string | null | undefined): string | null =>
  value ? (asPair(parseJson(value))?.AccessKeyId ?? null) : null;

/** CreateSecret's SecretData: one or two key pairs of the user (a RAM user has at most two). */
export const parseSecretData = (secretData: string): AccessKeyPair[] => {
  const parsed = parseJson(secretData);
  const keys = isRecord(parsed) ? parsed.AccessKeys : undefined;
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > 2) {
    throw invalidParameter('SecretData', 'must be {"AccessKeys":[{"AccessKeyId","AccessKeySecret"}]} with one or two keys');
  }
  const pairs = keys.map(asPair);
  if (pairs.some((p) => p === null)) throw invalidParameter('SecretData', 'every AccessKeys entry needs AccessKeyId and AccessKeySecret');
  const valid = pairs as AccessKeyPair[];
  if (valid.length === 2 && valid[0]?.AccessKeyId === valid[1]?.AccessKeyId) throw invalidParameter('SecretData', 'names one AccessKey twice');
  return valid;
};
