/**
 * An HTTP caller gets a KMS error body for any failure, never FC's bare 502. Timer and queue
 * invocations keep their error: the trigger must see the failure to retry or redeliver.
 */
import { randomUUID } from 'node:crypto';
import { internalFailure, isKmsError } from '../../domain/errors.js';
import { errorResponse } from '../../http/format.js';
import { toFcHttpResult, type FcHttpResult } from '../fc-types.js';
import { isHttpInvocation } from '../trigger.js';
import type { Middleware } from './types.js';

/** Unknown errors become InternalFailure: their messages were not written to be shown. */
export const kmsErrorResult = (error: unknown, requestId: string): FcHttpResult =>
  toFcHttpResult(errorResponse(isKmsError(error) ? error : internalFailure(), requestId, 'JSON'));

export const httpErrorResponse = (): Middleware => ({
  onError: (request) => {
    if (!isHttpInvocation(request.event)) return;
    request.response = kmsErrorResult(request.error, request.context?.requestId || randomUUID());
  },
});
