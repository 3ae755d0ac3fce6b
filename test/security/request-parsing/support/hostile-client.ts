/**
 * The sender of the hostile requests, run as a process of its own (HostileClient in
 * hostile-client-process.ts starts it): a 31 MB body is built and sent here, outside the server's
 * process, whose event loop and memory the tests measure. Commands arrive one JSON line at a time on stdin, answers leave one JSON
 * line at a time on stdout:
 *   {"op":"prepare","id":1,"spec":{...}}  builds the request's bytes       -> {"id":1,"ready":true,"bytes":n}
 *   {"op":"send","id":2,"preparedId":1}  sends them on a fresh connection -> {"id":2,"result":{...}}
 * The client is raw TCP, so nothing (no HTTP library) tidies the hostile request up, and it goes on
 * writing its body after the answer, as a hostile client would, until done or cut off.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';

/** How a body or a query string is made. */
export type Payload =
  /** `p0=1&p1=1&...` (distinct names) or `a=1&a=1&...` (one name repeated), `bytes` long at most. */
  | { kind: 'pairs'; bytes: number; repeatedName?: string }
  /** `unit` repeated to exactly `bytes`. */
  | { kind: 'repeat'; unit: string; bytes: number }
  /** As given. */
  | { kind: 'text'; text: string };

export interface HostileSpec {
  method: string;
  /** The path; `query`, when set, is appended after `?`. */
  path: string;
  query?: Payload;
  headers?: Record<string, string>;
  body?: Payload;
  /** Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean;
  /** A Content-Length to declare instead of the body's own (only with `chunked` off). */
  declaredLength?: number;
  /** Sends Expect: 100-continue and waits (up to 1 s) for 100 before the body. */
  expectContinue?: boolean;
}

export interface HostileResult {
  /** 0: no answer. */
  status: number;
  /** The KMS-style Code of a JSON error body, when there is one. */
  code?: string;
  /** On the invoke path: the statusCode of the HTTP result the function returned. */
  innerStatus?: number;
  /** From the first byte sent to the answer's last. */
  answeredMs?: number;
  /** Bytes of body written before the answer came, and in all. */
  bodyBytesBeforeAnswer: number;
  bodyBytesSent: number;
  bodyBytes: number;
  /** The connection was reset or closed on us before the body was all written. */
  cutOff: boolean;
  /** An interim 100 Continue came. */
  continued: boolean;
  /** Ended by the client's own timeout. */
  timedOut: boolean;
}

const CRLF = '\r\n';
const CHUNK = 64 * 1024;
const TIMEOUT_MS = 30_000;

export const buildPayload = (p: Payload): Buffer => {
  switch (p.kind) {
    case 'text':
      return Buffer.from(p.text, 'utf8');
    case 'repeat':
      return Buffer.from(p.unit.repeat(Math.ceil(p.bytes / p.unit.length)).slice(0, p.bytes), 'latin1');
    case 'pairs': {
      const out = Buffer.allocUnsafe(p.bytes);
      let at = 0;
      for (let i = 0; ; i++) {
        const pair = `${at === 0 ? '' : '&'}${p.repeatedName ?? `p${i}`}=1`;
        if (at + pair.length > p.bytes) break;
        at += out.write(pair, at, 'latin1');
      }
      return out.subarray(0, at);
    }
  }
};

interface Prepared {
  head: Buffer;
  body: Buffer;
  spec: HostileSpec;
}

const prepare = (spec: HostileSpec): Prepared => {
  const body = spec.body ? buildPayload(spec.body) : Buffer.alloc(0);
  const target = spec.query ? `${spec.path}?${buildPayload(spec.query).toString('latin1')}` : spec.path;
  const headers: Record<string, string> = { Host: 'localhost', ...spec.headers };
  if (spec.body) {
    if (spec.chunked) headers['Transfer-Encoding'] = 'chunked';
    else headers['Content-Length'] = String(spec.declaredLength ?? body.length);
  }
  if (spec.expectContinue) headers.Expect = '100-continue';
  const head = `${spec.method} ${target} HTTP/1.1${CRLF}${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}${CRLF}`)
    .join('')}${CRLF}`;
  return { head: Buffer.from(head, 'latin1'), body, spec };
};

/** Status, and body once complete (Content-Length or chunked), of the first final answer in `data`. */
const parseAnswer = (data: Buffer): { status: number; body: Buffer; continued: boolean } | null => {
  let at = 0;
  let continued = false;
  for (;;) {
    const headEnd = data.indexOf('\r\n\r\n', at);
    if (headEnd < 0) return null;
    const head = data.subarray(at, headEnd).toString('latin1');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    if (status >= 100 && status < 200) {
      continued = true;
      at = headEnd + 4;
      continue;
    }
    const rest = data.subarray(headEnd + 4);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length) {
      const n = Number(length[1]);
      return rest.length >= n ? { status, body: rest.subarray(0, n), continued } : null;
    }
    if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const parts: Buffer[] = [];
      let p = 0;
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', p);
        if (lineEnd < 0) return null;
        const size = parseInt(rest.subarray(p, lineEnd).toString('latin1'), 16);
        if (size === 0) return { status, body: Buffer.concat(parts), continued };
        if (rest.length < lineEnd + 2 + size + 2) return null;
        parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        p = lineEnd + 2 + size + 2;
      }
    }
    return { status, body: Buffer.alloc(0), continued };
  }
};

/**
 * The Code of a JSON error body; for the invoke path, whose body is the function's result, the
 * status and Code of the HTTP result inside it.
 */
const errorOf = (body: Buffer): { code?: string; innerStatus?: number } => {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { Code?: unknown; statusCode?: unknown; body?: unknown };
    if (typeof parsed.statusCode === 'number' && typeof parsed.body === 'string') {
      return { innerStatus: parsed.statusCode, ...errorOf(Buffer.from(parsed.body, 'utf8')) };
    }
    return typeof parsed.Code === 'string' ? { code: parsed.Code } : {};
  } catch {
    return {};
  }
};

export const send = (port: number, prepared: Prepared): Promise<HostileResult> =>
  new Promise((resolve) => {
    const { head, body, spec } = prepared;
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let started = 0;
    let answer: ReturnType<typeof parseAnswer> = null;
    let answeredMs: number | undefined;
    let sent = 0;
    let sentBeforeAnswer = -1;
    let writing = true;
    let cutOff = false;
    let timedOut = false;
    let settled = false;
    let continueWait: NodeJS.Timeout | undefined;
    let releaseContinue: (() => void) | undefined;

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(continueWait);
      socket.destroy();
      resolve({
        status: answer?.status ?? 0,
        ...(answer ? errorOf(answer.body) : {}),
        ...(answeredMs !== undefined ? { answeredMs } : {}),
        bodyBytesBeforeAnswer: sentBeforeAnswer < 0 ? sent : sentBeforeAnswer,
        bodyBytesSent: sent,
        bodyBytes: body.length,
        cutOff,
        continued: answer?.continued ?? false,
        timedOut,
      });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      finish();
    }, TIMEOUT_MS);

    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      const all = Buffer.concat(received);
      if (!answer && /^HTTP\/1\.[01] 100 /.test(all.toString('latin1', 0, 16))) releaseContinue?.();
      if (answer) return;
      answer = parseAnswer(all);
      if (!answer) return;
      answeredMs = performance.now() - started;
      sentBeforeAnswer = sent;
      releaseContinue?.();
      if (!writing) finish();
    });
    socket.on('error', () => {
      if (writing) cutOff = true;
      finish();
    });
    socket.on('close', () => {
      if (writing) cutOff = true;
      finish();
    });

    const writeAll = async (): Promise<void> => {
      started = performance.now();
      socket.write(head);
      if (spec.expectContinue && body.length > 0) {
        await new Promise<void>((go) => {
          releaseContinue = go;
          continueWait = setTimeout(go, 1_000);
        });
        // A final answer instead of 100: the body is not sent (what a well-behaved client does).
        if (answer) {
          writing = false;
          finish();
          return;
        }
      }
      for (let at = 0; at < body.length && !settled; at += CHUNK) {
        const piece = body.subarray(at, Math.min(at + CHUNK, body.length));
        const framed = spec.chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}${CRLF}`), piece, Buffer.from(CRLF)]) : piece;
        const more = socket.write(framed);
        sent += piece.length;
        if (!more) await new Promise<void>((go) => {
          const done = () => {
            socket.off('drain', done);
            socket.off('close', done);
            go();
          };
          socket.on('drain', done);
          socket.on('close', done);
        });
      }
      if (settled) return;
      if (spec.chunked && spec.body) socket.write(`0${CRLF}${CRLF}`);
      writing = false;
      if (answer) finish();
    };
    socket.once('connect', () => {
      void writeAll();
    });
  });

/** The child's main loop (hostile-client-main.ts). */
export const runHostileClient = (port: number): void => {
  const prepared = new Map<number, Prepared>();
  const reply = (msg: unknown): void => {
    process.stdout.write(`${JSON.stringify(msg)}\n`);
  };
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const cmd = JSON.parse(line) as { op: 'prepare'; id: number; spec: HostileSpec } | { op: 'send'; id: number; preparedId: number };
    if (cmd.op === 'prepare') {
      const p = prepare(cmd.spec);
      prepared.set(cmd.id, p);
      reply({ id: cmd.id, ready: true, bytes: p.head.length + p.body.length });
      return;
    }
    const p = prepared.get(cmd.preparedId);
    if (!p) return reply({ id: cmd.id, error: 'not prepared' });
    prepared.delete(cmd.preparedId);
    void send(port, p).then((result) => reply({ id: cmd.id, result }));
  });
  lines.on('close', () => process.exit(0));
};
