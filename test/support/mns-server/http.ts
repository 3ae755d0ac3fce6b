import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../../shared/ports/clock.js';
import { MNS_VERSION, verifyMnsRequest, type Credentials } from './auth.js';
import { QueryParams, type MnsResponse, type OperationContext } from './context.js';
import { MnsError } from './errors.js';
import type { FailureQueue } from './failures.js';
import type { LongPolls } from './long-poll.js';
import { OPERATIONS } from './operations/index.js';
import { resolveRoute } from './routes.js';
import type { MnsState } from './state.js';
import { parseXmlRequest, renderDocument, renderFields } from './xml.js';

export interface MnsHandlerDependencies {
  state: MnsState;
  clock: Clock;
  credentials: Credentials;
  longPolls: LongPolls;
  failures: FailureQueue;
  maxPollWaitMs: number;
  endpoint(): string;
}

/** Authenticates, routes and answers one MNS REST request. Never rejects: failures become MNS error XML. */
export async function handleMnsRequest(
  request: IncomingMessage,
  response: ServerResponse,
  dependencies: MnsHandlerDependencies,
): Promise<void> {
  const requestId = randomBytes(12).toString('hex').toUpperCase();
  const abort = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) abort.abort();
  });
  let answer: MnsResponse;
  try {
    const body = await readBody(request);
    answer = await dispatch(request, body, abort.signal, dependencies);
  } catch (error) {
    answer = errorResponse(error, requestId, dependencies.endpoint());
  }
  writeAnswer(response, answer, requestId);
}

async function dispatch(
  request: IncomingMessage,
  body: Buffer,
  signal: AbortSignal,
  dependencies: MnsHandlerDependencies,
): Promise<MnsResponse> {
  const method = request.method ?? 'GET';
  const resource = request.url ?? '/';
  verifyMnsRequest({ method, resource, headers: request.headers }, body, dependencies.credentials);

  const queryStart = resource.indexOf('?');
  const pathname = queryStart < 0 ? resource : resource.slice(0, queryStart);
  const query = new QueryParams(queryStart < 0 ? '' : resource.slice(queryStart + 1));
  const xmlRequest = parseXmlRequest(body.toString('utf8'));
  const route = resolveRoute(method, pathname, query, xmlRequest);
  dependencies.failures.throwIfQueued(route.operation);

  const context: OperationContext = {
    state: dependencies.state,
    now: () => dependencies.clock.now(),
    endpoint: dependencies.endpoint(),
    path: route.path,
    query,
    headers: request.headers,
    request: xmlRequest,
    longPolls: dependencies.longPolls,
    maxPollWaitMs: dependencies.maxPollWaitMs,
    signal,
  };
  return OPERATIONS[route.operation](context);
}

function errorResponse(error: unknown, requestId: string, hostId: string): MnsResponse {
  const known =
    error instanceof MnsError ? error : new MnsError('InternalError', 500, 'Internal error in the MNS test server.');
  const fields = renderFields({ Code: known.code, Message: known.message, RequestId: requestId, HostId: hostId });
  return { status: known.httpStatus, body: renderDocument('Error', fields) };
}

function writeAnswer(response: ServerResponse, answer: MnsResponse, requestId: string): void {
  if (response.destroyed) return;
  const headers: Record<string, string> = {
    // No keep-alive: after a restart on the same port the client must never reuse a socket the old
    // server closed, which would surface as a spurious "socket hang up".
    connection: 'close',
    'x-mns-request-id': requestId,
    'x-mns-version': MNS_VERSION,
    ...answer.headers,
  };
  // The SDK parses a body only when the content type starts with text/xml or application/xml.
  if (answer.body !== undefined) headers['content-type'] = 'text/xml;charset=utf-8';
  response.writeHead(answer.status, headers);
  response.end(answer.body);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
