/**
 * What Function Compute 3.0 hands a Node.js handler and expects back, as documented for the
 * built-in runtimes (event is a Buffer of JSON; the shapes below are the parsed JSON).
 */
import type { HttpResponse } from '../http/types.js';
import type { Logger } from './logger.js';

export interface FcContext {
  requestId: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string };
  function: { name: string; handler: string; memory: number; timeout: number };
  service: { logProject: string; logStore: string; qualifier: string; versionId: string };
  region: string;
  accountId: string;
  logger: { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void; log(m: string): void };
}

/**
 * The FC context as our middlewares leave it: with this invocation's structured logger, and
 * fields the handler adds to the invocation's log line (never values, bodies or secrets).
 */
export type RotorContext = FcContext & { log?: Logger; logFields?: Record<string, unknown> };

/** HTTP trigger request, `version: "v1"`. Multi-value headers and query values are comma-joined. */
export interface FcHttpEvent {
  version: 'v1';
  /** URL-encoded path, without the query string. */
  rawPath: string;
  headers: Record<string, string>;
  queryParameters: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  requestContext: {
    accountId: string;
    domainName: string;
    domainPrefix: string;
    requestId: string;
    time: string;
    timeEpoch: string;
    triggerId?: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
  };
}

export interface FcHttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

export interface FcTimerEvent {
  /** UTC, seconds precision: 2023-12-26T07:49:00Z. */
  triggerTime: string;
  triggerName: string;
  payload: string;
}

/** An MNS queue message as an EventBridge trigger delivers it (CloudEvents schema). */
export interface MnsCloudEvent {
  id: string;
  source: string;
  specversion: '1.0';
  type: string;
  datacontenttype: string;
  subject: string;
  time: string;
  aliyunaccountid: string;
  aliyunpublishtime: string;
  aliyunoriginalaccountid: string;
  aliyuneventbusname: string;
  aliyunregionid: string;
  aliyunpublishaddr: string;
  data: { requestId: string; messageId: string; messageBody: string };
}

/** FC timestamps carry whole seconds. */
export const fcTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const toFcHttpResult = (res: HttpResponse): FcHttpResult => ({
  statusCode: res.statusCode,
  headers: res.headers,
  body: res.body,
  isBase64Encoded: false,
});
