/**
 * Requests Node's HTTP parser refuses before any handler runs (a malformed request line or header,
 * a bad Content-Length or chunk size, headers past the size limit). Node's own answer is a bare
 * status with no body; callers of a KMS endpoint get what every other error gives them instead: a
 * JSON body with a code, a message and a request id. The connection is closed afterwards, as the
 * rest of its bytes cannot be trusted to frame another request.
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';

interface ParserError extends Error {
  code?: string;
}

const answerFor = (code: string | undefined): { status: number; reason: string; body: { Code: string; Message: string } } => {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      reason: 'Request Header Fields Too Large',
      body: { Code: 'RequestHeaderFieldsTooLarge', Message: 'The request line and headers are larger than the server accepts.' },
    };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, reason: 'Request Timeout', body: { Code: 'RequestTimeout', Message: 'The request was not received in time.' } };
  }
  return { status: 400, reason: 'Bad Request', body: { Code: 'MalformedRequest', Message: 'The request is not well-formed HTTP/1.1.' } };
};

export const answerUnparsableRequest = (err: ParserError, socket: Duplex): void => {
  // Nothing to answer on a connection the client already dropped.
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const requestId = randomUUID();
  const { status, reason, body } = answerFor(err.code);
  const json = JSON.stringify({ ...body, RequestId: requestId });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      `x-fc-request-id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
};
