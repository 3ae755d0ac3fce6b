/**
 * Translating SDK errors. The SDK rejects with `code` = the HTTP status (a number) and the raw
 * protobuf error body as `message`, so the service's error code is found inside the message.
 */
import type { UnavailableMark } from '../../ports/unavailable.js';

export interface SdkError {
  code?: unknown;
  message?: unknown;
  headers?: Record<string, string | undefined>;
}

const OTS_CODE = /OTS[A-Za-z]+/;

/** The SDK's transport failures and the service's own "try later" codes. */
const UNAVAILABLE_CODES = new Set([
  'NetworkingError',
  'TimeoutError',
  'RequestTimeout',
  'OTSServerBusy',
  'OTSServerUnavailable',
  'OTSTimeout',
  'OTSPartitionUnavailable',
  'OTSQuotaExhausted',
  'OTSCapacityUnitExhausted',
]);

const asSdkError = (error: unknown): SdkError => (typeof error === 'object' && error !== null ? error : {});

/** A conditional write whose row-existence or column condition did not hold. */
export const isConditionFailure = (error: unknown): boolean => {
  const { code, message } = asSdkError(error);
  return code === 403 && typeof message === 'string' && message.includes('OTSConditionCheckFail');
};

/**
 * A failed Tablestore call, named by its operation, service code and HTTP status. It carries no
 * service message and no request data: the store's requests hold secret records and envelopes.
 */
export class TablestoreError extends Error implements UnavailableMark {
  /** No answer, a timeout, or the service saying it is busy: worth the same request later. */
  readonly unavailable: boolean;

  constructor(
    readonly operation: string,
    /** The service code (e.g. OTSServerBusy), or the SDK's own (NetworkingError, TimeoutError). */
    readonly code: string,
    readonly httpStatus: number | null,
    readonly requestId: string | null,
    detail?: string,
  ) {
    const status = httpStatus === null ? '' : ` (HTTP ${httpStatus})`;
    const request = requestId ? ` [request ${requestId}]` : '';
    super(`Tablestore ${operation} failed: ${code}${status}${request}${detail ? `: ${detail}` : ''}`);
    this.name = 'TablestoreError';
    this.unavailable = UNAVAILABLE_CODES.has(code) || (httpStatus !== null && httpStatus >= 500);
  }
}

/** Only printable ASCII survives: the message arrives as protobuf bytes decoded as text. */
const printable = (text: string): string =>
  text
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * Wraps an error from an SDK call. The service message is included only when asked for (table
 * management, where requests carry no row data). An error without a code did not come from the
 * service or the transport (a bug in the caller or the SDK's encoder) and is returned as it is.
 */
export const tablestoreError = (
  operation: string,
  error: unknown,
  options: { withServiceMessage?: boolean } = {},
): Error => {
  const { code, message, headers } = asSdkError(error);
  if (code === undefined && error instanceof Error) return error;
  const text = typeof message === 'string' ? message : '';
  const httpStatus = typeof code === 'number' ? code : null;
  const serviceCode = OTS_CODE.exec(text)?.[0] ?? (typeof code === 'string' ? code : 'UnknownError');
  const requestId = headers?.['x-ots-requestid'] ?? headers?.['x-ots-request-id'] ?? null;
  const detail = options.withServiceMessage
    ? printable(text.replace(serviceCode, '').replace(/\s*requestId:.*$/s, ''))
    : undefined;
  return new TablestoreError(operation, serviceCode, httpStatus, requestId, detail || undefined);
};
