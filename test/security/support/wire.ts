/**
 * Sending fuzz requests: well-formed HTTP through node:http (keep-alive, so thousands of requests
 * stay cheap), and malformed HTTP as raw bytes on a fresh socket, which no HTTP client would send.
 */
import http from 'node:http';
import net from 'node:net';

export interface WireResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HttpShape {
  method: string;
  path: string;
  /** Repeated headers as arrays. */
  headers: Record<string, string | string[]>;
  body?: Buffer | string;
  /** Sent in several writes without Content-Length: Transfer-Encoding chunked. */
  chunked?: boolean;
}

const REQUEST_TIMEOUT_MS = 15_000;
const RAW_QUIET_MS = 1_500;

export const createAgent = (maxSockets: number): http.Agent => new http.Agent({ keepAlive: true, maxSockets });

export const sendHttp = (port: number, agent: http.Agent, req: HttpShape): Promise<WireResponse> =>
  new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const headers: Record<string, string | string[]> = { ...req.headers };
    if (body && !req.chunked && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
    const r = http.request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    r.setTimeout(REQUEST_TIMEOUT_MS, () => r.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    r.on('error', reject);
    if (body && req.chunked) {
      const half = Math.floor(body.length / 2);
      r.write(body.subarray(0, half));
      r.end(body.subarray(half));
    } else {
      r.end(body);
    }
  });

/** Parses what came back on a raw socket: status line, headers, and a Content-Length or chunked body. */
const parseRawResponse = (all: Buffer): WireResponse => {
  // An interim 100 Continue comes before the answer.
  const data = /^HTTP\/1\.[01] 1\d\d /.test(all.subarray(0, 16).toString('latin1')) && all.indexOf('\r\n\r\n') >= 0 ? all.subarray(all.indexOf('\r\n\r\n') + 4) : all;
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd < 0) return { status: 0, headers: {}, body: data };
  const [statusLine = '', ...lines] = data.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = data.subarray(headEnd + 4);
  if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  return { status, headers, body };
};

const dechunk = (data: Buffer): Buffer => {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
};

/**
 * Writes `bytes` and reads until the server closes or goes quiet; the request is expected to be
 * answered once (the server closes a connection it cannot parse).
 */
export const sendRaw = (port: number, bytes: Buffer): Promise<WireResponse> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseRawResponse(Buffer.concat(chunks)));
    };
    // A request the server is still waiting to complete (a truncated body) is answered by nothing.
    const timer = setTimeout(finish, RAW_QUIET_MS);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const got = Buffer.concat(chunks);
      const parsed = parseRawResponse(got);
      const length = Number(parsed.headers['content-length'] ?? NaN);
      if (parsed.status > 0 && Number.isFinite(length) && parsed.body.length >= length) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (e) => (chunks.length > 0 ? finish() : settled || ((settled = true), clearTimeout(timer), reject(e))));
    socket.write(bytes);
  });
