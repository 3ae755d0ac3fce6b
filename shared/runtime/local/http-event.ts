/**
 * Turns a Node HTTP request into the event an FC3 HTTP trigger delivers (version v1), and writes
 * a handler's `{statusCode, headers, body, isBase64Encoded}` back, so handlers run locally on
 * exactly what they get in the cloud.
 */
import type { ServerResponse } from 'node:http';
import { ownRecord } from '../../domain/own-record.js';
import { decodeLenient, forEachPair } from '../../http/params.js';
import { KMS_API_BUDGET, type ParamBudget } from '../../http/request-limits.js';
import { fcTime, type FcHttpEvent } from '../fc-types.js';

export interface RawHttpRequest {
  method: string;
  /** Path and query string as received (URL-encoded). */
  url: string;
  /** Node's rawHeaders: name, value, name, value... in the case the client sent. */
  rawHeaders: readonly string[];
  body: Buffer;
  sourceIp: string;
  httpVersion: string;
}

export interface HttpEventOptions {
  /** The path the function sees (a /fn/<name> prefix removed); URL-encoded. Default: the URL's path. */
  rawPath?: string;
  requestId: string;
  accountId: string;
  now: number;
  triggerId?: string;
  /**
   * The receiving function's parameter budget: the query string is counted while it is split, and
   * a pair past the budget stops the split with a KmsError (TooManyParameters, ParameterNameTooLong).
   * Default: the KMS API's.
   */
  queryBudget?: ParamBudget;
}

const TEXTUAL = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|[^;]*\+(json|xml))/i;

/** Prototype-free (own-record.ts): a header named `__proto__` or `constructor` is kept like any other. */
const headerMap = (raw: readonly string[]): Record<string, string> => {
  const out = ownRecord<string>();
  const nameOf = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    // FC keeps the client's spelling and joins repeated headers with commas.
    const first = nameOf.get(name.toLowerCase());
    if (first === undefined) {
      nameOf.set(name.toLowerCase(), name);
      out[name] = value;
    } else {
      out[first] = `${out[first]},${value}`;
    }
  }
  return out;
};

/**
 * FC's queryParameters: decoded as URLSearchParams decodes, repeated names joined with commas. Split
 * one pair at a time and counted as it goes (a 256 KiB query of `a=1&a=1...` stops at the first pair
 * past the budget), not handed whole to URLSearchParams.
 */
const queryMap = (search: string, budget: ParamBudget): Record<string, string> => {
  const out = ownRecord<string>();
  // As URLSearchParams does, one leading '?' is not part of the first name.
  forEachPair(search.startsWith('?') ? search.slice(1) : search, budget, 0, decodeLenient, (k, v) => {
    // hasOwn, not `out[k] === undefined`: a parameter named `constructor` or `toString` would find Object.prototype's.
    out[k] = Object.hasOwn(out, k) ? `${out[k]},${v}` : v;
  });
  return out;
};

const safeDecode = (path: string): string => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

const headerValue = (headers: Record<string, string>, name: string): string =>
  Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';

export const buildFcHttpEvent = (req: RawHttpRequest, options: HttpEventOptions): FcHttpEvent => {
  const queryAt = req.url.indexOf('?');
  const urlPath = queryAt < 0 ? req.url : req.url.slice(0, queryAt);
  const search = queryAt < 0 ? '' : req.url.slice(queryAt + 1);
  const rawPath = options.rawPath ?? (urlPath || '/');
  // First: a query past the budget is refused before anything else is built.
  const queryParameters = queryMap(search, options.queryBudget ?? KMS_API_BUDGET);
  const headers = headerMap(req.rawHeaders);
  const textual = req.body.length === 0 || TEXTUAL.test(headerValue(headers, 'content-type'));
  const host = headerValue(headers, 'host') || 'localhost';
  return {
    version: 'v1',
    rawPath,
    headers,
    queryParameters,
    body: req.body.toString(textual ? 'utf8' : 'base64'),
    isBase64Encoded: !textual,
    requestContext: {
      accountId: options.accountId,
      domainName: host,
      // Not split('.'): a Host of 200,000 dots would become as many strings.
      domainPrefix: host.includes('.') ? host.slice(0, host.indexOf('.')) : host,
      requestId: options.requestId,
      time: fcTime(options.now),
      timeEpoch: String(options.now),
      ...(options.triggerId ? { triggerId: options.triggerId } : {}),
      http: {
        method: req.method.toUpperCase(),
        path: safeDecode(rawPath),
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.sourceIp,
        userAgent: headerValue(headers, 'user-agent'),
      },
    },
  };
};

const isHttpResult = (v: unknown): v is { statusCode: number; headers?: unknown; body?: unknown; isBase64Encoded?: unknown } =>
  typeof v === 'object' && v !== null && typeof (v as { statusCode?: unknown }).statusCode === 'number';

/** Node computes the length itself; a stale one from the handler would corrupt the response. */
const OMITTED_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection']);

const outgoingHeaders = (headers: unknown): Record<string, string | string[]> => {
  if (typeof headers !== 'object' || headers === null) return {};
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (OMITTED_HEADERS.has(k.toLowerCase())) continue;
    if (Array.isArray(v)) out[k] = v.map(String);
    else if (v !== undefined && v !== null) out[k] = String(v);
  }
  return out;
};

const bodyBytes = (body: unknown, base64: boolean): Buffer => {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, base64 ? 'base64' : 'utf8');
  return Buffer.from(JSON.stringify(body));
};

/** Writes an HTTP trigger result; anything not shaped like one is sent as a 200 JSON body. */
export const writeFcHttpResult = (res: ServerResponse, result: unknown, extraHeaders: Record<string, string> = {}): void => {
  if (isHttpResult(result)) {
    const body = bodyBytes(result.body, result.isBase64Encoded === true);
    res.writeHead(result.statusCode, { ...extraHeaders, ...outgoingHeaders(result.headers) });
    res.end(body);
    return;
  }
  const body = typeof result === 'string' || Buffer.isBuffer(result) ? result : JSON.stringify(result ?? null);
  res.writeHead(200, { ...extraHeaders, 'content-type': 'application/json' });
  res.end(body);
};
