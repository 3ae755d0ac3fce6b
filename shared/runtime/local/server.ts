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
import { unexpectedErrorFields, type Logger } from '../logger.js';
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
  /** Largest request body accepted; FC's synchronous limit is 32 MB. */
  maxBodyBytes?: number;
  now?: () => number;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
/*
 * The KMS SDK on npm sends every parameter in the query string, so a SecretData at KMS's limit
 * (30,720 bytes, up to three times that percent-encoded) arrives in the request line. Node's
 * default 16 KiB header limit would drop such a request before any KMS error could be returned.
 */
const MAX_HEADER_BYTES = 256 * 1024;
const INVOKE_PATH = /^\/2023-03-30\/functions\/([^/]+)\/invocations\/?$/;
const FUNCTION_PATH = /^\/fn\/([^/]+)(\/.*)?$/;
/** The console function's HTTP trigger, with the /console prefix kept so its links stay under it. */
const CONSOLE_PATH = /^\/console(\/.*)?$/;

class BodyTooLarge extends Error {}

const NO_BODY = Buffer.alloc(0);

/** A request that declares no body (most RPC GETs): Node's parser has already ended it. */
const declaresNoBody = (req: IncomingMessage): boolean =>
  req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;

const readBody = async (req: IncomingMessage, max: number): Promise<Buffer> => {
  if (declaresNoBody(req)) {
    // Drained, not iterated: iterating an empty stream costs more than the rest of a cheap request.
    req.resume();
    return NO_BODY;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
};

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const fcError = (res: ServerResponse, status: number, code: string, message: string, requestId: string): void =>
  sendJson(res, status, { Code: code, Message: message, RequestId: requestId }, { 'x-fc-request-id': requestId });

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

export const createLocalServer = (options: LocalServerOptions): Server => {
  const { invoker, logger } = options;
  const now = options.now ?? Date.now;
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const apiFunction = (): LoadedFunction | undefined =>
    invoker.find('api') ?? invoker.functions.find((f) => f.spec.code.replace(/\/$/, '').endsWith('/api'));

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
    const event = buildFcHttpEvent(
      { method, url: req.url ?? '/', rawHeaders: req.rawHeaders, body, sourceIp: clientIp(req), httpVersion: req.httpVersion },
      { rawPath, requestId, accountId: options.accountId, now: now() },
    );
    try {
      // The event object itself, not its JSON: the same content, without a serialize-parse round trip.
      const result = await invoker.invoke(fn, event, requestId);
      writeFcHttpResult(res, result, { 'x-fc-request-id': requestId });
    } catch (err) {
      if (err instanceof InvokerClosedError) return fcError(res, 503, 'ServiceUnavailable', err.message, requestId);
      unhandledError(res, err, requestId, 502);
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const declared = Number(req.headers['content-length'] ?? 0);
    // Refused before reading, so an oversized upload costs nothing.
    if (declared > maxBody) return fcError(res, 413, 'EntityTooLarge', `the body exceeds ${maxBody} bytes`, randomUUID());
    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
    } catch (e) {
      if (e instanceof BodyTooLarge) return fcError(res, 413, 'EntityTooLarge', `the body exceeds ${maxBody} bytes`, randomUUID());
      throw e;
    }
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const invoke = INVOKE_PATH.exec(path);
    if (invoke) {
      // The invoke path takes any event as given (an HTTP event names its own source IP), so only
      // the account's key may use it, as on FC; and only from this machine, as before.
      if (!isLoopback(clientIp(req))) return fcError(res, 403, 'AccessDenied', 'the invoke path is served to loopback clients only', randomUUID());
      const refusal = checkInvokeSignature({ method: req.method ?? 'POST', url, headers: req.headers, body }, options.invokeKey, now());
      if (refusal) return fcError(res, 403, refusal.code, refusal.message, randomUUID());
      return invokeFunction(res, req, safeDecode(invoke[1] ?? ''), body);
    }
    const fnPath = FUNCTION_PATH.exec(path);
    if (fnPath) return httpTrigger(res, req, invoker.find(safeDecode(fnPath[1] ?? '')), fnPath[2] ?? '/', body);
    if (CONSOLE_PATH.test(path)) return httpTrigger(res, req, invoker.find('console'), path, body);
    return httpTrigger(res, req, apiFunction(), path || '/', body);
  };

  // requireHostHeader off: Node would answer a request without Host with a bare 400 of its own;
  // the API answers it (with a KMS error when there is one), as it answers everything else.
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      logger.error({ ...unexpectedErrorFields(err), method: req.method, path: (req.url ?? '').split('?')[0] }, 'local server failed a request');
      if (!res.headersSent) fcError(res, 500, 'InternalServerError', 'the local runtime failed', randomUUID());
      else res.destroy();
    });
  });
  server.on('clientError', answerUnparsableRequest);
  return server;
};
