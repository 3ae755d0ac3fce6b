/**
 * The local HTTP front door, laid out like FC:
 *   POST /2023-03-30/functions/{name}/invocations  invoke a function; the request body is the event
 *   /fn/{name}/...                                 that function's HTTP trigger (path after the name)
 *   /console/...                                   the console function's HTTP trigger (whole path)
 *   anything else (POST / and GET / above all)     the api function's HTTP trigger, so a KMS SDK
 *                                                  pointed at this address just works
 * HTTP trigger requests become the FC3 HTTP v1 event; the handler's result is written back.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { KmsError } from '../../domain/errors.js';
import { isRequestLimitError, requestBodyTooLarge } from '../../http/http-errors.js';
import { INVOKE_MAX_BODY_BYTES, KMS_API_BUDGET, MAX_REQUEST_HEAD_BYTES, type RequestBudget } from '../../http/request-limits.js';
import { unexpectedErrorFields, type Logger } from '../logger.js';
import { kmsErrorResult } from '../middleware/http-error-response.js';
import { buildFcHttpEvent, writeFcHttpResult } from './http-event.js';
import { answerUnparsableRequest } from './client-error.js';
import { InvokerClosedError, type Invoker, type LoadedFunction } from './invoker.js';
import { checkInvokeSignature, type InvokeKey } from './invoke-signature.js';
import type { HttpTriggerSpec } from './s-yaml.js';

export interface LocalServerOptions {
  invoker: Invoker;
  logger: Logger;
  accountId: string;
  /** The account's AccessKey (the root key): the invoke path serves only requests it signed. */
  invokeKey: InvokeKey;
  now?: () => number;
}

/*
 * What a request may cost before anything about it is authenticated (shared/http/request-limits.ts):
 * each HTTP trigger takes the body budget of its function (the KMS API's unless the function's module
 * exports its own, as the console does), the invoke path INVOKE_MAX_BODY_BYTES. A declared
 * Content-Length past the budget is answered 413 before a byte of the body is read; a chunked body
 * is counted as it arrives and answered 413 at the first byte past it. Either way the rest of the
 * body is read and dropped up to DISCARD_MAX_BYTES or DISCARD_MAX_MS, after which reading stops and
 * the connection is closed (see discardRest).
 */
const DISCARD_MAX_BYTES = 1024 * 1024;
const DISCARD_MAX_MS = 5_000;
const LINGER_MS = 1_000;
const INVOKE_PATH = /^\/2023-03-30\/functions\/([^/]+)\/invocations\/?$/;
const FUNCTION_PATH = /^\/fn\/([^/]+)(\/.*)?$/;
/** The console function's HTTP trigger, with the /console prefix kept so its links stay under it. */
const CONSOLE_PATH = /^\/console(\/.*)?$/;

const NO_BODY = Buffer.alloc(0);

/** A request that declares no body (most RPC GETs): Node's parser has already ended it. */
const declaresNoBody = (req: IncomingMessage): boolean =>
  req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;

type BodyOutcome = { kind: 'body'; body: Buffer } | { kind: 'too-large' } | { kind: 'aborted' };

/** The body, or 'too-large' at its first byte past `max` (nothing more is kept), or 'aborted'. */
const readBody = (req: IncomingMessage, max: number): Promise<BodyOutcome> => {
  if (declaresNoBody(req)) {
    // Drained, not read: reading an empty stream costs more than the rest of a cheap request.
    req.resume();
    return Promise.resolve({ kind: 'body', body: NO_BODY });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (outcome: BodyOutcome): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onGone);
      req.off('error', onGone);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        chunks.length = 0;
        done({ kind: 'too-large' });
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = (): void => done({ kind: 'body', body: Buffer.concat(chunks, size) });
    // Closed or reset before the end: the client went away, there is no one to answer.
    const onGone = (): void => done({ kind: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onGone);
    req.on('error', onGone);
  });
};

/**
 * After an answer given before the body was read to its end: the rest is read and dropped, at most
 * DISCARD_MAX_BYTES of it for at most DISCARD_MAX_MS, so a client that sent a little too much keeps
 * its connection. Past that, reading stops (TCP holds the sender back; nothing more is buffered or
 * parsed) and, LINGER_MS later, the connection is closed: not at once, since a reset reaching the
 * client while it is still sending can discard the answer before it has read it.
 */
const discardRest = (req: IncomingMessage, res: ServerResponse): void => {
  if (req.complete) return;
  let dropped = 0;
  const stop = (): void => {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', stop);
    req.off('close', stop);
    req.off('error', stop);
  };
  const cut = (): void => {
    stop();
    req.pause();
    // Errors of a connection being torn down are of no interest; without a listener they would be thrown.
    req.on('error', () => undefined);
    setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
  };
  const onData = (chunk: Buffer): void => {
    dropped += chunk.length;
    if (dropped > DISCARD_MAX_BYTES) cut();
  };
  const timer = setTimeout(cut, DISCARD_MAX_MS);
  timer.unref();
  req.on('data', onData);
  req.on('end', stop);
  req.on('close', stop);
  req.on('error', stop);
};

const expectsContinue = (req: IncomingMessage): boolean => String(req.headers.expect ?? '').toLowerCase() === '100-continue';

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const fcError = (res: ServerResponse, status: number, code: string, message: string, requestId: string): void =>
  sendJson(res, status, { Code: code, Message: message, RequestId: requestId }, { 'x-fc-request-id': requestId });

/** An HTTP trigger's error, in the KMS error JSON a function's own refusal would have. */
const triggerError = (res: ServerResponse, error: KmsError, requestId: string): void =>
  writeFcHttpResult(res, kmsErrorResult(error, requestId), { 'x-fc-request-id': requestId });

/** The path, without splitting a query of 200,000 '?' into as many strings. */
const pathOf = (url: string): string => (url.includes('?') ? url.slice(0, url.indexOf('?')) : url);

const clientIp = (req: IncomingMessage): string => (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');

const isLoopback = (ip: string): boolean => ip === '::1' || ip.startsWith('127.');

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** How a thrown handler error comes back from FC's invoke API: 200 with x-fc-error-type. */
const unhandledError = (res: ServerResponse, err: unknown, requestId: string, status = 200): void => {
  const e = err instanceof Error ? err : new Error(String(err));
  sendJson(res, status, { errorMessage: e.message, errorType: e.name }, {
    'x-fc-request-id': requestId,
    'x-fc-error-type': 'UnhandledInvocationError',
  });
};

const writeInvokeResult = (res: ServerResponse, result: unknown, requestId: string): void => {
  const headers = { 'x-fc-request-id': requestId };
  if (result === undefined) {
    res.writeHead(200, headers);
    res.end();
  } else if (Buffer.isBuffer(result)) {
    res.writeHead(200, { ...headers, 'content-type': 'application/octet-stream' });
    res.end(result);
  } else if (typeof result === 'string') {
    res.writeHead(200, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    res.end(result);
  } else {
    sendJson(res, 200, result, headers);
  }
};

type Target =
  | { kind: 'invoke'; name: string }
  | { kind: 'http'; fn: LoadedFunction | undefined; rawPath: string };

export const createLocalServer = (options: LocalServerOptions): Server => {
  const { invoker, logger } = options;
  const now = options.now ?? Date.now;
  const apiFunction = (): LoadedFunction | undefined =>
    invoker.find('api') ?? invoker.functions.find((f) => f.spec.code.replace(/\/$/, '').endsWith('/api'));

  const targetOf = (path: string): Target => {
    const invoke = INVOKE_PATH.exec(path);
    if (invoke) return { kind: 'invoke', name: safeDecode(invoke[1] ?? '') };
    const fnPath = FUNCTION_PATH.exec(path);
    if (fnPath) return { kind: 'http', fn: invoker.find(safeDecode(fnPath[1] ?? '')), rawPath: fnPath[2] ?? '/' };
    if (CONSOLE_PATH.test(path)) return { kind: 'http', fn: invoker.find('console'), rawPath: path };
    return { kind: 'http', fn: apiFunction(), rawPath: path || '/' };
  };

  const budgetOf = (fn: LoadedFunction | undefined): RequestBudget => fn?.requestBudget ?? KMS_API_BUDGET;

  const invokeFunction = async (res: ServerResponse, req: IncomingMessage, name: string, body: Buffer): Promise<void> => {
    const requestId = randomUUID();
    const fn = invoker.find(name);
    if (!fn) return fcError(res, 404, 'FunctionNotFound', `function '${name}' does not exist`, requestId);
    if (req.method !== 'POST') return fcError(res, 405, 'MethodNotAllowed', 'invoke with POST', requestId);
    if (String(req.headers['x-fc-invocation-type'] ?? '').toLowerCase() === 'async') {
      invoker.invoke(fn, body, requestId).catch(() => undefined); // the function's request log reports it
      res.writeHead(202, { 'x-fc-request-id': requestId });
      res.end();
      return;
    }
    try {
      writeInvokeResult(res, await invoker.invoke(fn, body, requestId), requestId);
    } catch (err) {
      if (err instanceof InvokerClosedError) return fcError(res, 503, 'ServiceUnavailable', err.message, requestId);
      unhandledError(res, err, requestId);
    }
  };

  const httpTrigger = async (
    res: ServerResponse,
    req: IncomingMessage,
    fn: LoadedFunction | undefined,
    rawPath: string,
    body: Buffer,
  ): Promise<void> => {
    const requestId = randomUUID();
    if (!fn) return fcError(res, 404, 'FunctionNotFound', 'no such function', requestId);
    const trigger = fn.spec.triggers.find((t): t is HttpTriggerSpec => t.type === 'http');
    if (!trigger) return fcError(res, 404, 'TriggerNotFound', `function '${fn.spec.functionName}' has no HTTP trigger`, requestId);
    const method = (req.method ?? 'GET').toUpperCase();
    if (!trigger.methods.includes(method)) {
      return fcError(res, 405, 'MethodNotAllowed', `the HTTP trigger of '${fn.spec.functionName}' takes ${trigger.methods.join(', ')}`, requestId);
    }
    let event: ReturnType<typeof buildFcHttpEvent>;
    try {
      event = buildFcHttpEvent(
        { method, url: req.url ?? '/', rawHeaders: req.rawHeaders, body, sourceIp: clientIp(req), httpVersion: req.httpVersion },
        { rawPath, requestId, accountId: options.accountId, now: now(), queryBudget: budgetOf(fn) },
      );
    } catch (err) {
      // A query string past the function's parameter budget: refused before the function is invoked.
      if (isRequestLimitError(err)) return triggerError(res, err, requestId);
      throw err;
    }
    try {
      // The event object itself, not its JSON: the same content, without a serialize-parse round trip.
      const result = await invoker.invoke(fn, event, requestId);
      writeFcHttpResult(res, result, { 'x-fc-request-id': requestId });
    } catch (err) {
      if (err instanceof InvokerClosedError) return fcError(res, 503, 'ServiceUnavailable', err.message, requestId);
      unhandledError(res, err, requestId, 502);
    }
  };

  /** 413 before the whole body was read; the rest is dropped, within bounds (discardRest). */
  const refuseBody = (res: ServerResponse, req: IncomingMessage, target: Target, maxBytes: number): void => {
    const requestId = randomUUID();
    const error = requestBodyTooLarge(maxBytes);
    if (target.kind === 'invoke') fcError(res, error.httpStatus, error.code, error.message, requestId);
    else triggerError(res, error, requestId);
    discardRest(req, res);
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = targetOf(pathOf(req.url ?? '/'));
    if (target.kind === 'invoke' && !isLoopback(clientIp(req))) {
      // The invoke path takes any event as given (an HTTP event names its own source IP), so it is
      // served only to this machine, and below only to requests the account's key signed, as on FC.
      fcError(res, 403, 'AccessDenied', 'the invoke path is served to loopback clients only', randomUUID());
      discardRest(req, res);
      return;
    }
    const maxBody = target.kind === 'invoke' ? INVOKE_MAX_BODY_BYTES : budgetOf(target.fn).maxBodyBytes;
    // Refused before reading, so an oversized upload costs nothing; with Expect: 100-continue the
    // client has not sent it yet and is told not to (the connection closes after the answer).
    if (Number(req.headers['content-length'] ?? 0) > maxBody) {
      if (expectsContinue(req)) res.shouldKeepAlive = false;
      return refuseBody(res, req, target, maxBody);
    }
    if (expectsContinue(req)) res.writeContinue();
    const read = await readBody(req, maxBody);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too-large') return refuseBody(res, req, target, maxBody);
    if (target.kind === 'invoke') {
      const refusal = checkInvokeSignature({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body: read.body }, options.invokeKey, now());
      if (refusal) return fcError(res, 403, refusal.code, refusal.message, randomUUID());
      return invokeFunction(res, req, target.name, read.body);
    }
    return httpTrigger(res, req, target.fn, target.rawPath, read.body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((err: unknown) => {
      logger.error({ ...unexpectedErrorFields(err), method: req.method, path: pathOf(req.url ?? '') }, 'local server failed a request');
      if (!res.headersSent) fcError(res, 500, 'InternalServerError', 'the local runtime failed', randomUUID());
      else res.destroy();
    });
  };

  // requireHostHeader off: Node would answer a request without Host with a bare 400 of its own;
  // the API answers it (with a KMS error when there is one), as it answers everything else.
  const server = createServer({ maxHeaderSize: MAX_REQUEST_HEAD_BYTES, requireHostHeader: false }, handle);
  // Expect: 100-continue is answered by route(): 100 for a body within the budget, 413 for one past it.
  server.on('checkContinue', handle);
  server.on('clientError', answerUnparsableRequest);
  return server;
};
