/**
 * FC hands the event over as a Buffer of JSON; everything downstream works on the parsed value.
 *
 * This is also where the cloud path holds an HTTP request to its function's budget
 * (shared/http/request-limits.ts), as the local server does before it builds the event: the raw
 * event's size before it is parsed, then the HTTP event's query parameters, headers and body before
 * anything else reads them (the trigger schema, the parameter parsers, the signature).
 */
import {
  KMS_API_BUDGET,
  MAX_EVENT_BYTES,
  MAX_EVENT_JSON_VALUES,
  MAX_HEADER_COUNT,
  MAX_REQUEST_HEAD_BYTES,
  base64DataLength,
  type RequestBudget,
} from '../../http/request-limits.js';
import { parameterNameTooLong, requestBodyTooLarge, requestHeadTooLarge, tooManyParameters } from '../../http/http-errors.js';
import { InvalidEventError, type Trigger } from '../trigger.js';
import type { Middleware } from './types.js';

export class EventTooLargeError extends InvalidEventError {
  constructor(readonly maxBytes: number) {
    super(`The event is larger than the ${maxBytes} bytes this function accepts.`);
  }
}

export class EventTooComplexError extends InvalidEventError {
  constructor(readonly maxValues: number) {
    super(`The event holds more than the ${maxValues} JSON values this function accepts.`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;

/**
 * Whether JSON text holds more than `max` values, counted as JSON.parse would meet them (an object
 * or array opened, a comma) outside strings, stopping at the first one past `max`. Strings are
 * skipped with indexOf, so a large base64 body costs a native scan, not a loop in JavaScript.
 * Malformed text is not judged here: JSON.parse says so.
 */
export const jsonValuesOver = (bytes: Uint8Array, max: number): boolean => {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b === QUOTE) {
      // The closing quote: the next one not escaped by an odd run of backslashes before it.
      let end = i;
      for (;;) {
        end = buf.indexOf(QUOTE, end + 1);
        if (end < 0) return false;
        let k = end - 1;
        while (buf[k] === BACKSLASH) k--;
        if ((end - 1 - k) % 2 === 0) break;
      }
      i = end;
    } else if (b === COMMA || b === OPEN_BRACKET || b === OPEN_BRACE) {
      if (++count > max) return true;
    }
  }
  return false;
};

/**
 * `maxBytes`: a larger Buffer or string is refused (EventTooLargeError) before it is parsed, as is
 * one holding more than MAX_EVENT_JSON_VALUES values (EventTooComplexError).
 */
export const decodeEventPayload = (raw: unknown, maxBytes = MAX_EVENT_BYTES): unknown => {
  let bytes: Buffer;
  if (Buffer.isBuffer(raw) || raw instanceof Uint8Array) {
    if (raw.length > maxBytes) throw new EventTooLargeError(maxBytes);
    bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  } else if (typeof raw === 'string') {
    if (raw.length > maxBytes) throw new EventTooLargeError(maxBytes);
    bytes = Buffer.from(raw, 'utf8');
  } else {
    return raw; // already decoded: a direct call from a test or another handler
  }
  if (jsonValuesOver(bytes, MAX_EVENT_JSON_VALUES)) throw new EventTooComplexError(MAX_EVENT_JSON_VALUES);
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw new InvalidEventError('The event is empty; expected JSON.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parser's own message quotes the input, which may hold a secret.
    throw new InvalidEventError(`The event is not valid JSON (${bytes.length} bytes).`);
  }
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What trigger.ts recognises as an HTTP trigger event. */
const looksLikeHttpEvent = (e: unknown): e is Record<string, unknown> => isRecord(e) && e.version === 'v1' && 'requestContext' in e;

/**
 * Holds a decoded FC HTTP event to `budget`, reading no more of it than the first excess: at most
 * `budget.maxParams` query parameters (a repeated name FC delivers as an array counts each value),
 * names of at most `budget.maxNameLength`, the query and headers together within
 * MAX_REQUEST_HEAD_BYTES and MAX_HEADER_COUNT headers (the local server's own limits), and a body
 * of at most `budget.maxBodyBytes` once decoded (measured, not decoded). Malformed fields are left
 * to the trigger schema, which names them.
 */
export const checkHttpEventBudget = (event: Record<string, unknown>, budget: RequestBudget): void => {
  let headChars = 0;
  const query = event.queryParameters;
  if (isRecord(query)) {
    let count = 0;
    for (const name in query) {
      if (!Object.hasOwn(query, name)) continue;
      const value = query[name];
      count += Array.isArray(value) ? Math.max(value.length, 1) : 1;
      if (count > budget.maxParams) throw tooManyParameters(budget.maxParams);
      if (name.length > budget.maxNameLength) throw parameterNameTooLong(budget.maxNameLength);
      headChars += name.length + textLength(value);
      if (headChars > MAX_REQUEST_HEAD_BYTES) throw requestHeadTooLarge();
    }
  }
  const headers = event.headers;
  if (isRecord(headers)) {
    let count = 0;
    for (const name in headers) {
      if (!Object.hasOwn(headers, name)) continue;
      if (++count > MAX_HEADER_COUNT) throw requestHeadTooLarge();
      headChars += name.length + textLength(headers[name]);
      if (headChars > MAX_REQUEST_HEAD_BYTES) throw requestHeadTooLarge();
    }
  }
  const body = event.body;
  if (typeof body === 'string' && body !== '') {
    // UTF-8 never takes fewer bytes than UTF-16 units, so a text longer than the budget is past it.
    const bytes = event.isBase64Encoded === true ? base64DataLength(body) : body.length > budget.maxBodyBytes ? body.length : Buffer.byteLength(body);
    if (bytes > budget.maxBodyBytes) throw requestBodyTooLarge(budget.maxBodyBytes);
  }
};

/** Characters of a string, or of an array's strings (up to the first non-string); 0 for anything else. */
const textLength = (value: unknown): number => {
  if (typeof value === 'string') return value.length;
  if (!Array.isArray(value)) return 0;
  let n = 0;
  for (const v of value) {
    if (typeof v !== 'string') break;
    n += v.length + 1;
    if (n > MAX_REQUEST_HEAD_BYTES) break;
  }
  return n;
};

/*
 * An FC HTTP event has the key "requestContext". Inside a JSON string a quote is escaped, so the
 * text `"requestContext"` followed (after any whitespace) by a colon is, all but always, that key.
 * Searched in the bytes, without copying an event too large to parse into a string.
 */
const REQUEST_CONTEXT_KEY = '"requestContext"';
const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

const rawLooksLikeHttpEvent = (raw: unknown): boolean => {
  if (!Buffer.isBuffer(raw) && !(raw instanceof Uint8Array) && typeof raw !== 'string') return false;
  const bytes = typeof raw === 'string' ? null : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const indexOf = (from: number): number => (bytes ? bytes.indexOf(REQUEST_CONTEXT_KEY, from) : (raw as string).indexOf(REQUEST_CONTEXT_KEY, from));
  const codeAt = (i: number): number | undefined => (bytes ? bytes[i] : (raw as string).charCodeAt(i));
  const length = bytes ? bytes.length : (raw as string).length;
  for (let at = indexOf(0); at >= 0; at = indexOf(at + 1)) {
    let i = at + REQUEST_CONTEXT_KEY.length;
    while (i < length && JSON_WHITESPACE.has(codeAt(i) ?? 0)) i++;
    if (codeAt(i) === 0x3a) return true;
  }
  return false;
};

/**
 * Stands for an HTTP request whose event was too large or too complex to parse: its method and path
 * are unknown, but it is answered, and logged, as the HTTP request it was.
 */
const unreadHttpRequest = (): Trigger => ({
  kind: 'http',
  request: { method: 'UNKNOWN', path: '', headers: {}, query: {}, body: Buffer.alloc(0), sourceIp: '' },
});

export interface DecodeFcEventOptions {
  /** What an HTTP request to this function may cost. Default: the KMS API's. */
  requestBudget?: RequestBudget;
  /** A raw event larger than this is refused before it is parsed. Default: MAX_EVENT_BYTES. */
  maxEventBytes?: number;
  /**
   * Whether the function takes HTTP triggers: a raw event too large or too complex to parse is then
   * answered as an HTTP request (413, or 400 TooManyParameters) when it is one: always, when the
   * function takes nothing else; when its bytes name a requestContext, when it takes other triggers too.
   */
  http?: 'only' | 'also' | 'no';
}

export const decodeFcEvent = (options: DecodeFcEventOptions = {}): Middleware => {
  const budget = options.requestBudget ?? KMS_API_BUDGET;
  const maxEventBytes = options.maxEventBytes ?? MAX_EVENT_BYTES;
  const http = options.http ?? 'also';
  return {
    before: (request) => {
      const raw = request.event;
      try {
        request.event = decodeEventPayload(raw, maxEventBytes);
      } catch (e) {
        const unread = e instanceof EventTooLargeError || e instanceof EventTooComplexError;
        if (unread && (http === 'only' || (http === 'also' && rawLooksLikeHttpEvent(raw)))) {
          // An HTTP request whose event is too large or too complex to parse: past the body budget,
          // or carrying more parameters (or headers) than any budget allows.
          request.event = unreadHttpRequest();
          throw e instanceof EventTooLargeError ? requestBodyTooLarge(budget.maxBodyBytes) : tooManyParameters(budget.maxParams);
        }
        throw e;
      }
      if (looksLikeHttpEvent(request.event)) checkHttpEventBudget(request.event, budget);
    },
  };
};
