import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KmsError } from '../../../shared/domain/errors.js';
import { actionNotFound, invalidVersion } from '../../../shared/http/http-errors.js';
import { mergeParams } from '../../../shared/http/params.js';
import type { HttpRequest } from '../../../shared/http/types.js';
import { authenticate, type ManagerKey } from './auth.js';
import { RAM_OPERATIONS } from './operations.js';
import type { RamState } from './state.js';

const API_VERSION = '2015-05-01';

export interface RamHandlerDependencies {
  manager: ManagerKey;
  state: RamState;
  usedNonces: Set<string>;
  usersMayReadThemselves: () => boolean;
  /** Every authenticated request: the action and which key signed it. */
  calls: Array<{ action: string; accessKeyId: string }>;
}

const toHttpRequest = async (request: IncomingMessage): Promise<HttpRequest> => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return {
    method: request.method ?? 'GET',
    path: url.pathname,
    headers,
    query: Object.fromEntries(url.searchParams),
    body: Buffer.concat(chunks),
    sourceIp: request.socket.remoteAddress ?? '',
  };
};

const invoke = (req: HttpRequest, deps: RamHandlerDependencies): Record<string, unknown> => {
  const caller = authenticate(req, deps.manager, deps.state, deps.usedNonces);
  const action = req.headers['x-acs-action'] ?? '';
  deps.calls.push({ action, accessKeyId: caller.kind === 'manager' ? deps.manager.accessKeyId : caller.accessKeyId });
  if (req.headers['x-acs-version'] !== API_VERSION) throw invalidVersion();
  const operation = RAM_OPERATIONS[action];
  if (!operation) throw actionNotFound();
  return operation({ params: mergeParams(req), caller, state: deps.state, usersMayReadThemselves: deps.usersMayReadThemselves() });
};

/** Answers one RPC-style V3 request with RAM's JSON body, or {RequestId, HostId, Code, Message}. */
export const handleRamRequest = async (request: IncomingMessage, response: ServerResponse, deps: RamHandlerDependencies) => {
  const requestId = randomUUID().toUpperCase();
  let status = 200;
  let body: Record<string, unknown>;
  try {
    body = { RequestId: requestId, ...invoke(await toHttpRequest(request), deps) };
  } catch (error) {
    const known = error instanceof KmsError ? error : new KmsError('InternalError', 500, 'The request processing has failed due to some unknown error.');
    status = known.httpStatus;
    body = { RequestId: requestId, HostId: 'ram.aliyuncs.com', Code: known.code, Message: known.message };
  }
  response.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
  response.end(JSON.stringify(body));
};
