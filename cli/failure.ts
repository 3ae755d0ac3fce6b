/**
 * Turns whatever a command threw into an exit code and a one-line message for stderr.
 *
 * Messages must never echo a secret. The service's own messages name parameters, not values, but the
 * SDK's HTTP layer puts the whole request URL (with every signed parameter) into network errors, so
 * those are described from their error code alone, and every message is redacted before printing.
 */
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';

export interface Failure {
  exitCode: ExitCodeValue;
  message: string;
}

/** The fields of a KMS error body, as the SDK attaches it to the error it throws (`data`). */
interface ApiErrorBody {
  Code?: unknown;
  Message?: unknown;
  RequestId?: unknown;
  HttpStatus?: unknown;
}

const NOT_FOUND_CODE = /(^|\.)(NotFound|ResourceNotFound|KeyNotFound)$|^EntityNotExist(\.|$)/;
const CONFLICT_CODES = new Set([
  'Rejected.ResourceExist',
  'Rejected.ResourceInDeleteWindow',
  'Rejected.RotationInProgress',
  'Rejected.ConcurrentUpdate',
  'EntityAlreadyExist',
]);
const AUTH_CODES = new Set(['SignatureDoesNotMatch', 'IncompleteSignature', 'IllegalTimestamp', 'SignatureNonceUsed']);

/** Network failures the HTTP layer reports through `code` (Node system errors) or `name`. */
const NETWORK_ERROR = /^(E[A-Z_]+|ERR_TLS_\w+|CERT_\w+|UNABLE_TO_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/;

export const exitCodeForApiError = (code: string, httpStatus: number | undefined): ExitCodeValue => {
  // The caller's own key being unknown is an authentication failure, not a missing resource.
  if (code.startsWith('InvalidAccessKeyId') || AUTH_CODES.has(code)) return ExitCode.accessDenied;
  if (code === 'InvalidAction.NotFound') return ExitCode.apiError;
  if (NOT_FOUND_CODE.test(code)) return ExitCode.notFound;
  if (code.startsWith('Forbidden.') || httpStatus === 401 || httpStatus === 403) return ExitCode.accessDenied;
  if (CONFLICT_CODES.has(code) || httpStatus === 409) return ExitCode.conflict;
  if (httpStatus === 404) return ExitCode.notFound;
  return ExitCode.apiError;
};

const asApiError = (e: unknown): { code: string; message: string; requestId?: string; httpStatus?: number } | null => {
  if (typeof e !== 'object' || e === null) return null;
  const data = (e as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return null;
  const body = data as ApiErrorBody;
  if (typeof body.Code !== 'string') return null;
  return {
    code: body.Code,
    message: typeof body.Message === 'string' ? body.Message : '',
    requestId: typeof body.RequestId === 'string' ? body.RequestId : undefined,
    httpStatus: typeof body.HttpStatus === 'number' ? body.HttpStatus : undefined,
  };
};

const networkCode = (e: unknown): string | null => {
  if (typeof e !== 'object' || e === null) return null;
  const { code, name } = e as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && NETWORK_ERROR.test(code)) return code;
  if (name === 'RequestTimeoutError') return 'timed out';
  return null;
};

const URL_QUERY = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s?]*)\?\S*/gi;

/** Drops URL query strings (signed request parameters) and every known secret from a message. */
export const redact = (text: string, secrets: readonly string[] = []): string => {
  let out = text.replace(URL_QUERY, '$1?…');
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
};

export interface DescribeContext {
  /** host[:port] the request went to, for connection errors. */
  endpoint?: string;
  /** Values that must not appear in any message (the value being sent, the AccessKey secret). */
  secrets?: readonly string[];
}

export const describeFailure = (e: unknown, ctx: DescribeContext = {}): Failure => {
  const secrets = ctx.secrets ?? [];
  if (e instanceof CliError) return { exitCode: e.exitCode, message: redact(e.message, secrets) };

  const api = asApiError(e);
  if (api) {
    const exitCode = exitCodeForApiError(api.code, api.httpStatus);
    const hint = api.code === 'InvalidAction.NotFound' ? ' (this endpoint does not offer that action)' : '';
    const request = api.requestId ? ` (RequestId ${api.requestId})` : '';
    return { exitCode, message: redact(`${api.code}: ${api.message}${hint}${request}`, secrets) };
  }

  const network = networkCode(e);
  if (network) {
    return { exitCode: ExitCode.connection, message: `cannot reach ${ctx.endpoint ?? 'the endpoint'}: ${network}` };
  }
  if (e instanceof SyntaxError) {
    return {
      exitCode: ExitCode.apiError,
      message: `${ctx.endpoint ?? 'the endpoint'} did not answer with a KMS API response; is the endpoint right?`,
    };
  }
  const name = e instanceof Error ? e.name : typeof e;
  const message = e instanceof Error ? e.message : String(e);
  return { exitCode: ExitCode.apiError, message: redact(`unexpected ${name}: ${message}`, secrets) };
};
