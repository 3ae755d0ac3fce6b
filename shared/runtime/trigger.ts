/**
 * Parse at the edge: a decoded FC event becomes one of three triggers our handlers understand,
 * or a clear error saying where it went wrong (never echoing values, which may be secrets).
 */
import { z } from 'zod';
import { KmsError } from '../domain/errors.js';
import { ownRecord, ownValue } from '../domain/own-record.js';
import { ownRecordSchema } from '../domain/own-record-schema.js';
import { QUEUED_STEPS, type QueuedStep, type RotationMessage } from '../ports/job-queue.js';
import type { HttpRequest } from '../http/types.js';
import type { RotorEvent } from '../ports/event-publisher.js';

export type Trigger =
  | { kind: 'http'; request: HttpRequest }
  | { kind: 'timer'; triggerName: string; triggerTime: string; payload: string }
  | { kind: 'queue'; messages: RotationMessage[] }
  | { kind: 'topic'; topicName: string; events: RotorEvent[] };

export type TriggerKind = Trigger['kind'];

/** The event is not something our functions are wired to receive. */
export class InvalidEventError extends KmsError {
  constructor(message: string) {
    super('Rotor.InvalidEvent', 400, message);
    this.name = 'InvalidEventError';
  }
}

const issuesOf = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** FC joins repeated values with commas; accept arrays too, as some proxies keep them. */
const multiValue = z.union([z.string(), z.array(z.string()).transform((v) => v.join(','))]);
/** Header and query names are the caller's: every one kept, `__proto__` included (own-record-schema.ts). */
const multiValueMap = z.preprocess((m) => m ?? {}, ownRecordSchema(multiValue, 'expected an object of strings'));

const httpEventSchema = z.object({
  version: z.literal('v1'),
  rawPath: z.string(),
  headers: multiValueMap,
  queryParameters: multiValueMap,
  body: z
    .string()
    .nullish()
    .transform((b) => b ?? ''),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.object({
    http: z.object({ method: z.string().min(1), path: z.string(), sourceIp: z.string().default('') }),
  }),
});

const timerEventSchema = z.object({
  triggerTime: z.string().min(1),
  triggerName: z.string().min(1),
  payload: z
    .string()
    .nullish()
    .transform((p) => p ?? ''),
});

/** CloudEvents schema puts the message under data; RawData delivers data alone. */
const mnsEventSchema = z.union([
  z.object({ data: z.object({ messageId: z.string().optional(), messageBody: z.string() }) }).transform((e) => e.data),
  z.object({ messageId: z.string().optional(), messageBody: z.string() }),
]);

export const rotationMessageSchema = z.looseObject({
  secretName: z.string().min(1),
  versionId: z.string().min(1),
  step: z.enum(QUEUED_STEPS as [QueuedStep, ...QueuedStep[]]),
});

const lowerCaseKeys = (m: Record<string, string>): Record<string, string> => {
  const out = ownRecord<string>();
  for (const [k, v] of Object.entries(m)) {
    const key = k.toLowerCase();
    const earlier = ownValue(out, key);
    out[key] = earlier === undefined ? v : `${earlier},${v}`;
  }
  return out;
};

export const httpRequestFromEvent = (event: unknown): HttpRequest => {
  const parsed = httpEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidEventError(`The HTTP trigger event is malformed: ${issuesOf(parsed.error)}`);
  const e = parsed.data;
  return {
    method: e.requestContext.http.method.toUpperCase(),
    path: e.rawPath,
    headers: lowerCaseKeys(e.headers),
    query: e.queryParameters,
    body: Buffer.from(e.body, e.isBase64Encoded ? 'base64' : 'utf8'),
    sourceIp: e.requestContext.http.sourceIp,
  };
};

const tryJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * MNS hands over the body as it was sent; with IsBase64Decode off, that is base64 of the JSON
 * (what our MNS adapter sends, as the MNS SDK does not escape XML). Plain JSON is accepted too.
 */
export const decodeMessageBody = (body: string): unknown => {
  const direct = tryJson(body);
  if (isRecord(direct)) return direct;
  const compact = body.trim();
  if (compact.length % 4 === 0 && BASE64.test(compact)) {
    const decoded = tryJson(Buffer.from(compact, 'base64').toString('utf8'));
    if (isRecord(decoded)) return decoded;
  }
  return undefined;
};

export const rotationMessagesFromEvents = (events: unknown[]): RotationMessage[] => {
  if (events.length === 0) throw new InvalidEventError('The queue trigger event holds no messages.');
  return events.map((event, i) => {
    const where = `queue message [${i}]`;
    const mns = mnsEventSchema.safeParse(event);
    if (!mns.success) throw new InvalidEventError(`The ${where} is not an MNS CloudEvent: ${issuesOf(mns.error)}`);
    const label = mns.data.messageId ? `${where} (messageId ${mns.data.messageId})` : where;
    const body = decodeMessageBody(mns.data.messageBody);
    if (body === undefined) throw new InvalidEventError(`The body of ${label} is neither JSON nor base64 of JSON.`);
    const message = rotationMessageSchema.safeParse(body);
    if (!message.success) throw new InvalidEventError(`The body of ${label} is not a rotation step: ${issuesOf(message.error)}`);
    return message.data;
  });
};

/** An mns_topic trigger with notifyContentFormat JSON: one notification per invocation. */
const topicNotificationSchema = z.object({
  TopicName: z.string().min(1),
  Message: z.string(),
  MessageId: z.string().optional(),
});

const rotorEventSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  subject: z.string(),
  time: z.string().min(1),
  datacontenttype: z.literal('application/json'),
  data: z.record(z.string(), z.unknown()),
});

/** A monitoring-topic notification: our publisher sends each CloudEvent as base64(JSON). */
export const topicTriggerFromEvent = (event: unknown): Extract<Trigger, { kind: 'topic' }> => {
  const notification = topicNotificationSchema.safeParse(event);
  if (!notification.success) throw new InvalidEventError(`The topic notification is malformed: ${issuesOf(notification.error)}`);
  const body = decodeMessageBody(notification.data.Message);
  const cloudEvent = rotorEventSchema.safeParse(body);
  if (!cloudEvent.success) {
    const why = body === undefined ? 'it is neither JSON nor base64 of JSON' : issuesOf(cloudEvent.error);
    throw new InvalidEventError(`The message of the topic notification is not a secret-rotor event: ${why}`);
  }
  return { kind: 'topic', topicName: notification.data.TopicName, events: [cloudEvent.data as RotorEvent] };
};

const looksLikeTopic = (e: Record<string, unknown>): boolean => 'TopicName' in e && 'Message' in e;
const looksLikeHttp = (e: Record<string, unknown>): boolean => e.version === 'v1' && 'requestContext' in e;
const looksLikeTimer = (e: Record<string, unknown>): boolean => 'triggerTime' in e && 'triggerName' in e;
const looksLikeMns = (e: Record<string, unknown>): boolean => 'specversion' in e || 'data' in e || 'messageBody' in e;

/**
 * True when the invocation came from an HTTP trigger: the event is a classified http Trigger, or
 * a raw HTTP v1 event (even one too malformed to classify), so the caller expects an HTTP answer.
 */
export const isHttpInvocation = (event: unknown): boolean =>
  isRecord(event) && (event.kind === 'http' || looksLikeHttp(event));

export const classifyTrigger = (event: unknown): Trigger => {
  if (Array.isArray(event)) return { kind: 'queue', messages: rotationMessagesFromEvents(event) };
  if (isRecord(event)) {
    if (looksLikeHttp(event)) return { kind: 'http', request: httpRequestFromEvent(event) };
    if (looksLikeTimer(event)) {
      const parsed = timerEventSchema.safeParse(event);
      if (!parsed.success) throw new InvalidEventError(`The timer trigger event is malformed: ${issuesOf(parsed.error)}`);
      return { kind: 'timer', ...parsed.data };
    }
    if (looksLikeTopic(event)) return topicTriggerFromEvent(event);
    if (looksLikeMns(event)) return { kind: 'queue', messages: rotationMessagesFromEvents([event]) };
  }
  const shape = isRecord(event) ? `an object with keys [${Object.keys(event).slice(0, 10).join(', ')}]` : typeof event;
  throw new InvalidEventError(
    `Unrecognised trigger event (${shape}): expected an FC HTTP v1 event, a timer event, MNS CloudEvent(s) or an MNS topic notification.`,
  );
};
