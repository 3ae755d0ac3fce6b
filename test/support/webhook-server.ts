/**
 * A webhook receiver on loopback for the alerting tests: records every request, answers as told,
 * and in DingTalk mode checks the robot's access token and, when given the robot's secret, the
 * signature the way DingTalk documents it (HMAC-SHA256 over "timestamp\nsecret", base64, within an
 * hour), answering with DingTalk's errcode JSON.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { listenOnLoopback } from './listen.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
}

export interface DingTalkRobot {
  accessToken: string;
  /** Set for robots with "additional signature" security. */
  secret?: string;
}

export interface WebhookServerOptions {
  dingTalk?: DingTalkRobot;
  /** Milliseconds to wait before answering (for timeout tests). */
  delayMs?: number;
}

export interface WebhookServer {
  url: string;
  /** Every request received, including refused ones. */
  requests: ReceivedRequest[];
  /** Requests that were answered as delivered. */
  accepted(): ReceivedRequest[];
  /** The next answers' statuses, used up in order (e.g. [500, 500] then normal answers). */
  failNext(...statuses: number[]): void;
  stop(): Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

const HOUR_MS = 3_600_000;

/** DingTalk's check, written from its documentation: errcode 0 when the robot accepts the call. */
const dingTalkVerdict = (robot: DingTalkRobot, query: URLSearchParams, json: unknown): { errcode: number; errmsg: string } => {
  if (query.get('access_token') !== robot.accessToken) return { errcode: 300001, errmsg: 'token is not exist' };
  if (robot.secret !== undefined) {
    const timestamp = query.get('timestamp') ?? '';
    const sign = query.get('sign') ?? '';
    if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp)) > HOUR_MS) return { errcode: 310000, errmsg: 'invalid timestamp' };
    const expected = createHmac('sha256', robot.secret).update(`${timestamp}\n${robot.secret}`).digest('base64');
    if (sign !== expected) return { errcode: 310000, errmsg: 'sign not match' };
  }
  const msg = json as { msgtype?: unknown; markdown?: { title?: unknown; text?: unknown }; text?: { content?: unknown } } | undefined;
  const ok =
    (msg?.msgtype === 'markdown' && typeof msg.markdown?.title === 'string' && typeof msg.markdown.text === 'string') ||
    (msg?.msgtype === 'text' && typeof msg.text?.content === 'string');
  return ok ? { errcode: 0, errmsg: 'ok' } : { errcode: 40035, errmsg: 'missing or bad message' };
};

export const startWebhookServer = async (options: WebhookServerOptions = {}): Promise<WebhookServer> => {
  const requests: ReceivedRequest[] = [];
  const acceptedSet = new Set<ReceivedRequest>();
  const failures: number[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const received: ReceivedRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body, json: parseJson(body) };
      requests.push(received);
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      const failure = failures.shift();
      if (failure !== undefined) {
        res.writeHead(failure, { 'content-type': 'text/plain' }).end('failing as told');
        return;
      }
      if (options.dingTalk) {
        const verdict = dingTalkVerdict(options.dingTalk, url.searchParams, received.json);
        if (verdict.errcode === 0) acceptedSet.add(received);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(verdict));
        return;
      }
      acceptedSet.add(received);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    })();
  });
  const port = await listenOnLoopback(server);
  const base = `http://127.0.0.1:${port}`;
  return {
    url: options.dingTalk ? `${base}/robot/send?access_token=${options.dingTalk.accessToken}` : `${base}/hooks/alerts`,
    requests,
    accepted: () => requests.filter((r) => acceptedSet.has(r)),
    failNext: (...statuses) => {
      failures.push(...statuses);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
