/**
 * Invokes a function deployed on Function Compute 3.0 through `@alicloud/fc2`, the FC client this
 * project depends on. fc2 speaks the FC 2.0 API: its invokeFunction always builds
 * /2016-08-15/services/<service>/functions/<fn>/invocations, and FC3 functions have no service.
 * Its request signing does not depend on the API version, so the client is pointed at the FC 3.0
 * API by its version segment and posts to /2023-03-30/functions/<fn>/invocations (the fc3 deploy
 * component uses fc2 the same way for its instance exec calls). `@alicloud/fc20230330`, the FC3
 * SDK, is not a dependency of this project.
 */
import FCClient from '@alicloud/fc2';

export const FC3_API_VERSION = '2023-03-30';

/** The longest function timeout in s.yaml (rotate, purge: 300 s), and some room for the network. */
export const DEFAULT_TIMEOUT_MS = 330_000;

export interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface FcTarget {
  accountId: string;
  region: string;
  /** Default https://<accountId>.<region>.fc.aliyuncs.com */
  endpoint?: string;
  credentials: FcCredentials;
  timeoutMs?: number;
}

export interface InvokeRequest {
  functionName: string;
  /** The event, as the function's handler receives it. */
  event: Buffer;
  /** FC queues the event and answers 202 at once. */
  async?: boolean;
}

export type InvokeOutcome =
  /** body: parsed JSON when the function answered JSON, else the raw bytes. */
  | { kind: 'result'; requestId: string | undefined; body: unknown }
  | { kind: 'accepted'; requestId: string | undefined }
  /** The handler threw: FC still answers 200, and says so in x-fc-error-type. */
  | { kind: 'function-error'; requestId: string | undefined; errorType: string; body: unknown };

const header = (headers: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export const invocationPath = (functionName: string): string => `/functions/${encodeURIComponent(functionName)}/invocations`;

export const createFcClient = (target: FcTarget): FCClient => {
  const { credentials } = target;
  const client = new FCClient(target.accountId, {
    accessKeyID: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken
      ? {
          securityToken: credentials.securityToken,
          // fc2 sends its securityToken only for AccessKey ids starting with "STS"; a header always goes.
          headers: { 'x-fc-security-token': credentials.securityToken },
        }
      : {}),
    region: target.region,
    secure: true,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    timeout: target.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  client.version = FC3_API_VERSION;
  return client;
};

export class FcInvokeError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number | undefined,
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = 'FcInvokeError';
  }
}

const STATUS_HINTS: Readonly<Record<number, string>> = {
  401: 'the request signature or the AccessKey was refused',
  403: 'the AccessKey may not invoke this function (fc:InvokeFunction)',
  404: 'no such function (or qualifier) in this account and region',
};

/**
 * fc2 reads FC 2.0 error bodies (ErrorCode, ErrorMessage); FC 3.0 answers Code and Message, so
 * fc2's error keeps only the HTTP status and request id, in its message. They are taken from
 * there, with what the status usually means.
 */
const describeFailure = (functionName: string, error: unknown): Error => {
  const message = error instanceof Error ? error.message : String(error);
  const m = /failed with (\d{3})\. requestid: ([^,]*),/.exec(message);
  if (!m) return error instanceof Error ? error : new Error(message);
  const status = Number(m[1]);
  const requestId = m[2] && m[2] !== 'undefined' ? m[2] : undefined;
  const hint = STATUS_HINTS[status];
  return new FcInvokeError(
    `InvokeFunction ${functionName} answered HTTP ${status}${hint ? `: ${hint}` : ''} (request id ${requestId ?? 'none'})`,
    status,
    requestId,
  );
};

/** One InvokeFunction call. A refused call (404, 403...) throws FcInvokeError. */
export const invokeFunction = async (target: FcTarget, request: InvokeRequest): Promise<InvokeOutcome> => {
  const client = createFcClient(target);
  const headers: Record<string, string> = request.async ? { 'x-fc-invocation-type': 'Async' } : {};
  const res = await client
    .post(invocationPath(request.functionName), request.event, headers, undefined, { rawBuf: true })
    .catch((e: unknown) => {
      throw describeFailure(request.functionName, e);
    });
  const requestId = header(res.headers, 'x-fc-request-id');
  const errorType = header(res.headers, 'x-fc-error-type');
  if (errorType) return { kind: 'function-error', requestId, errorType, body: res.data };
  if (request.async) return { kind: 'accepted', requestId };
  return { kind: 'result', requestId, body: res.data };
};
