/**
 * RAM and gateway error codes → TargetError. Messages name the action and the code, never a key
 * secret (RAM's own messages hold none either, but we do not rely on that).
 */
import { TargetError } from '../../../domain/errors.js';
import { classifyError } from '../classify-error.js';
import { ramErrorCode } from './ram-api.js';

/** The key is unknown, disabled, or the signature made with its secret does not match. */
export const AUTHENTICATION_CODES = new Set([
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId.Inactive',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
]);

/** The key authenticated, but its policies do not allow the action. */
export const isPermissionDenied = (code: string | null): boolean =>
  code !== null && (code === 'NoPermission' || code.startsWith('NoPermission.') || code.startsWith('Forbidden'));

export const isGone = (code: string | null): boolean => code === 'EntityNotExist.User.AccessKey';

const classify = (code: string | null, error: unknown): { code: string; retryable: boolean } => {
  if (code === null) return classifyError(error);
  if (AUTHENTICATION_CODES.has(code)) return { code: 'Target.AuthenticationFailed', retryable: false };
  if (isPermissionDenied(code)) return { code: 'Target.PermissionDenied', retryable: false };
  // A key deleted a moment ago may still count against the limit while RAM propagates the delete.
  if (code === 'LimitExceeded.User.AccessKey') return { code: 'Target.Unavailable', retryable: true };
  if (code.startsWith('EntityNotExist') || code.startsWith('LimitExceeded') || code.startsWith('InvalidParameter')) {
    return { code: 'Target.Rejected', retryable: false };
  }
  if (/Throttling|ServiceUnavailable|InternalError/i.test(code)) return { code: 'Target.Unavailable', retryable: true };
  return { code: 'Target.Failed', retryable: true };
};

export const ramTargetError = (action: string, error: unknown): TargetError => {
  if (error instanceof TargetError) return error;
  const code = ramErrorCode(error);
  const target = classify(code, error);
  return new TargetError(target.code, `RAM ${action} failed${code ? ` with ${code}` : ''}.`, target.retryable);
};

/** Runs one RAM call and turns its failure into a TargetError. */
export const ramCall = async <T>(action: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw ramTargetError(action, error);
  }
};
