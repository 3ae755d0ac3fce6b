/**
 * The KMS RPC surface: one signed request in, one KMS-shaped response out.
 * Order of checks: HTTP method, parameters, Action and Version (cheap, public knowledge), then the
 * signature (store lookups), then the caller's permission for the action on its resource
 * (authorize.ts), then the use case. Every response carries a RequestId, in the body and in the
 * x-acs-request-id header, and every call, whatever its outcome, is audited once.
 */
import { randomUUID } from 'node:crypto';
import type { SecretService } from '../app/service.js';
import type { Clock } from '../ports/clock.js';
import { internalFailure, isKmsError, missingParameter, serviceUnavailable, type KmsError } from '../domain/errors.js';
import { isServiceUnavailable } from '../ports/unavailable.js';
import type { CredentialResolver, HttpRequest, HttpResponse, NonceStore } from './types.js';
import { mergeParams, type RequestParams } from './params.js';
import { authenticate, claimedAccessKeyId } from './authenticate.js';
import { isV3Request } from './signature-v3.js';
import { errorResponse, responseFormat, successResponse, type ResponseFormat } from './format.js';
import { actionNotFound, invalidVersion, unsupportedHttpMethod } from './http-errors.js';
import { resolveSecretReference, type SecretId } from '../domain/secret-id.js';
import { KMS_ACTIONS, type KmsAction } from './actions/index.js';
import type { AccessControl } from './actions/action.js';
import { ADMIN_ACTIONS } from './admin/index.js';
import { authorize, callerAccess, requestContextOf, ruleOf } from './authorize.js';

export const KMS_API_VERSION = '2016-01-20';

export interface KmsCallRecord {
  requestId: string;
  /** When the request arrived, ms. */
  time: number;
  /** As requested (possibly unknown), at most 64 characters. */
  action: string;
  /** Verified on success; on failure the key the request claimed (possibly unverified or empty). */
  accessKeyId: string;
  /**
   * The secret a KMS action named: once resolved, the secret it acted on (its stored name);
   * before (a reference that resolves to nothing), the SecretName parameter as sent, at most 256 characters.
   */
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
   * The durable audit trail, called once per request and awaited before the response is returned
   * (a function instance may be frozen right after). A failure is reported to onUnexpectedError
   * and does not change the response: the call itself has already happened.
   */
  audit?: (record: KmsCallRecord) => Promise<void>;
  /** AccessKeys, their policies and the audit log; the admin actions are served only when set. */
  accessControl?: AccessControl;
  /**
   * Sees errors that are not KmsErrors (bugs, store outages) before they become a generic
   * InternalFailure, so the runtime can log them. Their messages may hold data: log with care.
   */
  onUnexpectedError?: (error: unknown, requestId: string) => void;
}

const MAX_RECORDED_ACTION_LENGTH = 64;
const MAX_RECORDED_KEY_LENGTH = 128;
const MAX_RECORDED_SECRET_NAME_LENGTH = 256;

export const handleKmsRequest = async (req: HttpRequest, deps: KmsApiDeps): Promise<HttpResponse> => {
  const requestId = randomUUID();
  const time = deps.clock.now();
  let params: RequestParams = req.query;
  let actionName = '';
  let accessKeyId = '';
  // Once the reference is resolved, the audit names the secret as stored, so a search by name finds the call.
  let secret: SecretId | undefined;
  const record = (outcome: 'ok' | 'error', code?: string): Promise<void> =>
    notify(deps, {
      requestId,
      time,
      action: actionName.slice(0, MAX_RECORDED_ACTION_LENGTH),
      accessKeyId: accessKeyId.slice(0, MAX_RECORDED_KEY_LENGTH),
      // Admin actions take no secret: a SecretName there is a filter, not the object of the call.
      secretName: ADMIN_ACTIONS.has(actionName)
        ? undefined
        : (secret ?? params.SecretName)?.slice(0, MAX_RECORDED_SECRET_NAME_LENGTH),
      outcome,
      code,
      sourceIp: req.sourceIp,
    });

  let response: HttpResponse;
  try {
    if (req.method !== 'GET' && req.method !== 'POST') throw unsupportedHttpMethod();
    params = mergeParams(req);
    actionName = requestedAction(req, params);
    accessKeyId = claimedAccessKeyId(req, params);
    const action = findAction(actionName, deps);
    checkVersion(req, params);

    const caller = await authenticate(req, params, deps);
    accessKeyId = caller.accessKeyId;
    // The one place a SecretName becomes an identity; authorization and the action both use it.
    // Admin actions take no secret: their SecretName is an audit filter, never a reference.
    if (ruleOf(action.name)?.resource === 'secret') secret = resolveSecretReference(params.SecretName, deps.settings);
    const access = callerAccess(caller.grant, requestContextOf(req, deps.clock));
    authorize(access, action.name, secret, deps.settings);
    const fields = await action.execute(params, {
      service: deps.service,
      settings: deps.settings,
      access,
      callerAccessKeyId: caller.accessKeyId,
      ...(secret !== undefined ? { secret } : {}),
      ...(deps.accessControl ? { accessControl: deps.accessControl } : {}),
    });
    response = successResponse(action.name, requestId, fields, responseFormat(params));
    await record('ok');
  } catch (e) {
    if (!isKmsError(e)) deps.onUnexpectedError?.(e, requestId);
    const error = isKmsError(e) ? e : isServiceUnavailable(e) ? serviceUnavailable() : internalFailure();
    // Recorded first: nothing about rendering the answer may keep a failed call out of the audit.
    await record('error', error.code);
    response = renderError(error, requestId, responseFormat(params));
  }
  return response;
};

/**
 * An error message may quote a name the caller sent; one XML cannot carry (a control character)
 * is answered in JSON rather than not at all.
 */
const renderError = (error: KmsError, requestId: string, format: ResponseFormat): HttpResponse => {
  try {
    return errorResponse(error, requestId, format);
  } catch {
    return errorResponse(error, requestId, 'JSON');
  }
};

/** V1 names the action in the signed parameters; V3 clients may name it in a (signed) header instead. */
const requestedAction = (req: HttpRequest, params: RequestParams): string =>
  params.Action ?? (isV3Request(req) ? req.headers['x-acs-action'] : undefined) ?? '';

const findAction = (name: string, deps: Pick<KmsApiDeps, 'allowedActions' | 'accessControl'>): KmsAction => {
  if (name === '') throw missingParameter('Action');
  const action = KMS_ACTIONS.get(name) ?? (deps.accessControl ? ADMIN_ACTIONS.get(name) : undefined);
  if (!action || (deps.allowedActions && !deps.allowedActions.has(name))) throw actionNotFound();
  return action;
};

const checkVersion = (req: HttpRequest, params: RequestParams): void => {
  const version = params.Version ?? (isV3Request(req) ? req.headers['x-acs-version'] : undefined);
  if (version === undefined || version === '') throw missingParameter('Version');
  if (version !== KMS_API_VERSION) throw invalidVersion();
};

const notify = async (deps: KmsApiDeps, record: KmsCallRecord): Promise<void> => {
  try {
    deps.onCall?.(record);
  } catch {
    // An audit sink failure must not turn a served request into an error; the sink reports its own faults.
  }
  try {
    await deps.audit?.(record);
  } catch (e) {
    deps.onUnexpectedError?.(e, record.requestId);
  }
};
