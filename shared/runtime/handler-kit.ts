/**
 * What every function handler shares: the middleware stack, and the HTTP path into the KMS RPC
 * surface. Handlers stay a few lines: which triggers they take, which use case they call.
 */
import { handleKmsRequest } from '../http/kms-api.js';
import { KMS_API_BUDGET, MAX_EVENT_BYTES, maxHttpEventBytes, type RequestBudget } from '../http/request-limits.js';
import { getContainer } from './container.js';
import { captureInvocationCredentials } from './invocation-credentials.js';
import { unexpectedErrorFields } from './logger.js';
import { toFcHttpResult, type FcHttpResult, type RotorContext } from './fc-types.js';
import { decodeFcEvent } from './middleware/decode-fc-event.js';
import { httpErrorResponse } from './middleware/http-error-response.js';
import { requestLogger } from './middleware/request-logger.js';
import type { Middleware } from './middleware/types.js';
import { unwrapTrigger } from './middleware/unwrap-trigger.js';
import { runRotationSteps } from './rotation-batch.js';
import { InvalidEventError, type Trigger, type TriggerKind } from './trigger.js';

export interface FunctionSetup {
  /** For log lines when FC's context does not name the function (direct calls). */
  functionName: string;
  accepts: readonly TriggerKind[];
  /** What one HTTP request may cost before it is authenticated (request-limits.ts). Default: the KMS API's. */
  requestBudget?: RequestBudget;
}

/**
 * How large a raw event may be before it is parsed: a function that takes only HTTP requests takes
 * no event larger than the largest request within its budget; one with queue or topic triggers, their batches.
 */
const decodeOptions = (setup: FunctionSetup): Parameters<typeof decodeFcEvent>[0] => {
  const requestBudget = setup.requestBudget ?? KMS_API_BUDGET;
  const httpOnly = setup.accepts.length > 0 && setup.accepts.every((k) => k === 'http');
  return {
    requestBudget,
    maxEventBytes: httpOnly ? maxHttpEventBytes(requestBudget) : MAX_EVENT_BYTES,
    http: httpOnly ? 'only' : setup.accepts.includes('http') ? 'also' : 'no',
  };
};

/**
 * Order matters: middy runs `before` in this order and `after`/`onError` in reverse, so the
 * request logger sees the final response, including the one httpErrorResponse makes.
 */
export const rotorMiddlewares = (setup: FunctionSetup): Middleware[] => [
  captureInvocationCredentials(),
  requestLogger({ functionName: setup.functionName }),
  decodeFcEvent(decodeOptions(setup)),
  unwrapTrigger({ accepts: setup.accepts }),
  httpErrorResponse(),
];

export type HttpTrigger = Extract<Trigger, { kind: 'http' }>;
export type TimerTrigger = Extract<Trigger, { kind: 'timer' }>;
export type QueueTrigger = Extract<Trigger, { kind: 'queue' }>;

/**
 * Serves a KMS RPC request, limited to `actions` when given (single-purpose functions). The call's
 * action, caller and outcome go onto the invocation's log line.
 */
export const serveKms = async (
  trigger: HttpTrigger,
  context: RotorContext,
  actions?: ReadonlySet<string>,
): Promise<FcHttpResult> => {
  const container = await getContainer();
  const log = context.log ?? container.logger;
  const deps = container.kmsApi({
    ...(actions ? { allowedActions: actions } : {}),
    onCall: (call) => {
      context.logFields = { ...context.logFields, kms: call, errorCode: call.code };
    },
    // Not a KmsError: a bug or an outage. The caller gets InternalFailure; the log, where it happened.
    onUnexpectedError: (err, kmsRequestId) =>
      log.error({ ...unexpectedErrorFields(err), kmsRequestId }, 'unexpected error serving a KMS call'),
  });
  return toFcHttpResult(await handleKmsRequest(trigger.request, deps));
};

/** For functions whose only trigger is HTTP (unwrapTrigger has already refused the others). */
export const kmsHttpHandler =
  (actions?: ReadonlySet<string>) =>
  async (trigger: Trigger, context: RotorContext): Promise<FcHttpResult> => {
    if (trigger.kind !== 'http') throw new InvalidEventError(`Expected an HTTP trigger, not ${trigger.kind}.`);
    return serveKms(trigger, context, actions);
  };

export const runQueueTrigger = async (trigger: QueueTrigger, context: RotorContext): Promise<void> => {
  const container = await getContainer();
  await runRotationSteps(container.service, trigger.messages, context.log ?? container.logger);
};
