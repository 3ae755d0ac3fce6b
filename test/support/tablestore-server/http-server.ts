/**
 * HTTP transport: `POST /<Operation>` with a protobuf body, authenticated like the real service.
 * Success is 200 with the protobuf response; failure is the HTTP status with a protobuf `Error`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { internalError, OtsError, parameterInvalid } from './errors.js';
import type { Operation, OperationContext } from './ops/operation.js';
import { mainCodec } from './sdk.js';
import { authenticate, contentMd5, type Credentials } from './signature.js';

/** What a test queued for the next request of an operation. */
export type Injection = { kind: 'error'; error: OtsError } | { kind: 'drop-response' };

export interface HttpServerOptions {
  port: number;
  credentials: Credentials;
  operations: Readonly<Record<string, Operation>>;
  context(): OperationContext;
  /** The injection a test queued for this operation, taken off the queue. */
  takeInjection(operation: string): Injection | undefined;
}

export interface RunningHttpServer {
  port: number;
  close(): Promise<void>;
}

const errorCodec = mainCodec<{ code: string; message?: string }>('Error');

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

const send = (response: ServerResponse, status: number, body: Uint8Array): void => {
  response.writeHead(status, {
    'content-length': body.length,
    'x-ots-requestid': randomUUID(),
    'x-ots-date': new Date().toISOString(),
    'x-ots-contenttype': 'protocol buffer',
    'x-ots-contentmd5': contentMd5(body),
  });
  response.end(body);
};

const sendError = (response: ServerResponse, error: OtsError): void =>
  send(response, error.httpStatus, errorCodec.encode({ code: error.code, message: error.message }).finish());

const respond = async (options: HttpServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> => {
  const body = await readBody(request);
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const method = request.method ?? 'GET';
  if (method !== 'POST') {
    sendError(response, new OtsError(405, 'OTSMethodNotAllowed', 'OTSMethodNotAllowedOnly POST method for requests is supported.'));
    return;
  }
  try {
    authenticate(options.credentials, { path, method, headers: request.headers, body });
    const name = path.slice(1);
    const operation = options.operations[name];
    if (!operation) throw parameterInvalid(`Unsupported operation: ${name}.`);
    const injection = options.takeInjection(name);
    if (injection?.kind === 'error') throw injection.error;
    if (injection?.kind === 'drop-response') {
      // The request takes effect but the client never hears back, like a connection lost mid-reply.
      try {
        operation.run(body, options.context());
      } finally {
        response.destroy();
      }
      return;
    }
    send(response, 200, operation.run(body, options.context()));
  } catch (error) {
    if (error instanceof OtsError) {
      sendError(response, error);
      return;
    }
    // A bug in the test server, not a service error: make it visible, answer as the service would.
    console.error('tablestore test server: unexpected error', error);
    sendError(response, internalError());
  }
};

export const listen = (options: HttpServerOptions): Promise<RunningHttpServer> =>
  new Promise((resolve, reject) => {
    const server: Server = createServer((request, response) => {
      respond(options, request, response).catch((error: unknown) => {
        console.error('tablestore test server: failed to answer', error);
        response.destroy();
      });
    });
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Keep-alive sockets would hold the port open; a stopped server drops every connection.
            server.closeAllConnections();
          }),
      });
    });
  });
