/**
 * One structured line per invocation: function, trigger kind, duration, outcome, status and error
 * code. Never the event, bodies or messages' contents. Also gives the handler its child logger.
 */
import { isKmsError } from '../../domain/errors.js';
import { functionLogger, rootLogger, unexpectedErrorFields, type Logger } from '../logger.js';
import type { Trigger } from '../trigger.js';
import type { InvocationRequest, Middleware } from './types.js';

export interface RequestLoggerOptions {
  /** Used when the context does not name the function. */
  functionName: string;
  logger?: () => Logger;
}

interface Started {
  at: number;
  log: Logger;
}

const triggerSummary = (event: unknown): Record<string, unknown> => {
  const t = event as Trigger | null;
  switch (t?.kind) {
    case 'http':
      return { trigger: 'http', method: t.request.method, path: t.request.path };
    case 'timer':
      return { trigger: 'timer', triggerName: t.triggerName };
    case 'queue':
      return { trigger: 'queue', messages: t.messages.length };
    default:
      return { trigger: 'unknown' };
  }
};

const statusOf = (response: unknown): number | undefined => {
  const s = (response as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
};

export const requestLogger = (options: RequestLoggerOptions): Middleware => {
  const started = new WeakMap<InvocationRequest, Started>();
  const logger = options.logger ?? rootLogger;

  const finish = (request: InvocationRequest, failed: boolean): void => {
    const s = started.get(request);
    const log = s?.log ?? logger();
    const statusCode = statusOf(request.response);
    const fields: Record<string, unknown> = {
      ...triggerSummary(request.event),
      ...request.context?.logFields,
      durationMs: s ? Math.round((performance.now() - s.at) * 10) / 10 : undefined,
      statusCode,
    };
    const err = request.error;
    if (failed) {
      fields.outcome = 'error';
      fields.errorCode = isKmsError(err) ? err.code : 'Unhandled';
      // A KmsError message is written to be shown; of an unknown error only its type and frames.
      if (isKmsError(err)) fields.errorMessage = err.message;
      else Object.assign(fields, unexpectedErrorFields(err));
      const serverSide = !isKmsError(err) || err.httpStatus >= 500;
      log[serverSide ? 'error' : 'warn'](fields, 'invocation failed');
      return;
    }
    fields.outcome = statusCode !== undefined && statusCode >= 400 ? 'error' : 'ok';
    if (fields.outcome === 'ok') delete fields.errorCode;
    log[statusCode !== undefined && statusCode >= 500 ? 'error' : 'info'](fields, 'invocation finished');
  };

  return {
    before: (request) => {
      const ctx = request.context;
      const log = functionLogger(logger(), ctx?.function?.name || options.functionName, ctx?.requestId || 'unknown');
      started.set(request, { at: performance.now(), log });
      if (ctx) {
        ctx.log = log;
        ctx.logFields = undefined;
      }
    },
    after: (request) => finish(request, false),
    onError: (request) => finish(request, true),
  };
};
