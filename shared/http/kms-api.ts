/**
 * The KMS RPC surface: one signed request in, one KMS-shaped response out.
 * Order of checks: HTTP method, parameters, Action and Version (cheap, public knowledge), then the
 * signature (store lookups), then the use case. Every response carries a RequestId, in the body and
 * in the x-acs-request-id header.
 */
import { randomUUID } from 'node:crypto';
import type { SecretService } from '../app/service.js';
import type { Clock } from '../ports/clock.js';
import { internalFailure, isKmsError, missingParameter } from '../domain/errors.js';
import type { CredentialResolver, HttpRequest, HttpResponse, NonceStore } from './types.js';
import { mergeParams, type RequestParams } from './params.js';
import { authenticate, claimedAccessKeyId } from './authenticate.js';
import { isV3Request } from './signature-v3.js';
import { errorResponse, responseFormat, successResponse } from './format.js';
import { actionNotFound, invalidVersion, unsupportedHttpMethod } from './http-errors.js';
import { withSecretNameFromArn } from './secret-arn.js';
import { KMS_ACTIONS, type KmsAction } from './actions/index.js';

export const KMS_API_VERSION = '2016-01-20';

export interface KmsCallRecord {
  requestId: string;
  /** As requested (possibly unknown), at most 64 characters. */
  action: string;
  /** Verified on success; on failure the key the request claimed (possibly unverified or empty). */
  accessKeyId: string;
  secretName?: string;
  outcome: 'ok' | 'error';
  code?: string;
  sourceIp: string;
}

export interface KmsApiDeps {
  service: SecretService;
  credentials: CredentialResolver;
  nonces: NonceStore;
  clock: Clock;
  settings: { region: string; accountId: string };
  /** Actions this function answers; any other is reported as unknown. All when omitted. */
  allowedActions?: ReadonlySet<string>;
  /** Audit hook, called once per request. Must not throw (errors from it are ignored). */
  onCall?: (record: KmsCallRecord) => void;
  /**
   * Sees errors that are not KmsErrors (bugs, store outages) before they become a generic
   * InternalFailure, so the runtime can log them. Their messages may hold data: log with care.
   */
  onUnexpectedError?: (error: unknown, requestId: string) => void;
}

const MAX_RECORDED_ACTION_LENGTH = 64;

export const handleKmsRequest = async (req: HttpRequest, deps: KmsApiDeps): Promise<HttpResponse> => {
  const requestId = randomUUID();
  let params: RequestParams = req.query;
  let actionName = '';
  let accessKeyId = '';
  const record = (outcome: 'ok' | 'error', code?: string) =>
    notify(deps, {
      requestId,
      action: actionName.slice(0, MAX_RECORDED_ACTION_LENGTH),
      accessKeyId,
      secretName: params.SecretName,
      outcome,
      code,
      sourceIp: req.sourceIp,
    });

  try {
    if (req.method !== 'GET' && req.method !== 'POST') throw unsupportedHttpMethod();
    params = mergeParams(req);
    actionName = requestedAction(req, params);
    accessKeyId = claimedAccessKeyId(req, params);
    const action = findAction(actionName, deps.allowedActions);
    checkVersion(req, params);

    accessKeyId = (await authenticate(req, params, deps)).accessKeyId;
    const fields = await action.execute(withSecretNameFromArn(params, deps.settings), {
      service: deps.service,
      settings: deps.settings,
    });
    const response = successResponse(action.name, requestId, fields, responseFormat(params));
    record('ok');
    return response;
  } catch (e) {
    if (!isKmsError(e)) deps.onUnexpectedError?.(e, requestId);
    const error = isKmsError(e) ? e : internalFailure();
    record('error', error.code);
    return errorResponse(error, requestId, responseFormat(params));
  }
};

/** V1 names the action in the signed parameters; V3 clients may name it in a (signed) header instead. */
const requestedAction = (req: HttpRequest, params: RequestParams): string =>
  params.Action ?? (isV3Request(req) ? req.headers['x-acs-action'] : undefined) ?? '';

const findAction = (name: string, allowed: ReadonlySet<string> | undefined): KmsAction => {
  if (name === '') throw missingParameter('Action');
  const action = KMS_ACTIONS.get(name);
  if (!action || (allowed && !allowed.has(name))) throw actionNotFound();
  return action;
};

const checkVersion = (req: HttpRequest, params: RequestParams): void => {
  const version = params.Version ?? (isV3Request(req) ? req.headers['x-acs-version'] : undefined);
  if (version === undefined || version === '') throw missingParameter('Version');
  if (version !== KMS_API_VERSION) throw invalidVersion();
};

const notify = (deps: KmsApiDeps, record: KmsCallRecord): void => {
  try {
    deps.onCall?.(record);
  } catch {
    // An audit sink failure must not turn a served request into an error; the sink reports its own faults.
  }
};
