import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../shared/runtime/local/runtime.js';
import { decodeEventPayload } from '../../shared/runtime/middleware/decode-fc-event.js';
import { classifyTrigger, decodeMessageBody, InvalidEventError, type Trigger } from '../../shared/runtime/trigger.js';

const EVENTS = join(PROJECT_ROOT, 'events');
const sample = (file: string): Buffer => readFileSync(join(EVENTS, file));
const unwrap = (raw: Buffer | string): Trigger => classifyTrigger(decodeEventPayload(raw));
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64');

const errorOf = (f: () => unknown): InvalidEventError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidEventError);
    return e as InvalidEventError;
  }
  throw new Error('expected an InvalidEventError');
};

describe('the sample events', () => {
  const files = readdirSync(EVENTS).filter((f) => f.endsWith('.json')).sort();

  it('cover every function and trigger', () => {
    expect(files).toEqual([
      'api-http.json',
      'create-http.json',
      'monitoring-topic.json',
      'purge-timer.json',
      'restore-http.json',
      'rotate-http.json',
      'rotate-queue-driven.json',
      'rotate-queue-streaming.json',
      'rotate-timer.json',
      'schedule-delete-http.json',
    ]);
  });

  it.each(files)('%s unwraps into the trigger its name says', (file) => {
    const trigger = unwrap(sample(file));
    const expected = file.includes('-http') ? 'http' : file.includes('-timer') ? 'timer' : file.includes('-topic') ? 'topic' : 'queue';
    expect(trigger.kind).toBe(expected);
  });

  it.each(['api', 'create', 'rotate', 'schedule-delete', 'restore'])('%s-http.json is a KMS RPC request', (name) => {
    const trigger = unwrap(sample(`${name}-http.json`));
    if (trigger.kind !== 'http') throw new Error('not http');
    const { request } = trigger;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/');
    expect(request.sourceIp).toBe('203.0.113.10');
    expect(request.query).toMatchObject({ Version: '2016-01-20', SignatureMethod: 'HMAC-SHA1' });
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.keys(request.headers).every((h) => h === h.toLowerCase())).toBe(true);
  });

  it('monitoring-topic.json carries one secret-rotor CloudEvent from the events topic', () => {
    const trigger = unwrap(sample('monitoring-topic.json'));
    if (trigger.kind !== 'topic') throw new Error('not topic');
    expect(trigger.topicName).toBe('secret-rotor-events');
    expect(trigger.events).toHaveLength(1);
    expect(trigger.events[0]).toMatchObject({
      specversion: '1.0',
      type: 'com.secretrotor.rotation.failed',
      subject: 'app/db-password',
      data: { step: 'verify', error: { code: 'Target.Unavailable' } },
    });
  });

  it('a topic notification whose message is not one of our events is refused with the reason', () => {
    const notification = { TopicName: 't', Message: Buffer.from('{"hello":1}').toString('base64') };
    expect(errorOf(() => classifyTrigger(notification)).message).toMatch(/not a secret-rotor event: specversion/);
    expect(errorOf(() => classifyTrigger({ TopicName: 't', Message: '%%%' })).message).toMatch(/neither JSON nor base64/);
  });

  it('create-http.json carries the form body FC delivered', () => {
    const trigger = unwrap(sample('create-http.json'));
    if (trigger.kind !== 'http') throw new Error('not http');
    const form = new URLSearchParams(trigger.request.body.toString('utf8'));
    expect(form.get('SecretName')).toBe('app/db-password');
    expect(trigger.request.query.Action).toBe('CreateSecret');
  });

  it('the timer samples name their trigger and carry the payload string', () => {
    expect(unwrap(sample('rotate-timer.json'))).toEqual({
      kind: 'timer',
      triggerName: 'schedule',
      triggerTime: '2026-11-23T02:01:00Z',
      payload: '{"job":"scheduleDueRotations"}',
    });
    expect(unwrap(sample('purge-timer.json'))).toMatchObject({ kind: 'timer', triggerName: 'purge' });
  });

  it('the event-streaming sample is a batch of rotation steps from base64 bodies', () => {
    expect(unwrap(sample('rotate-queue-streaming.json'))).toEqual({
      kind: 'queue',
      messages: [
        { secretName: 'app/db-password', versionId: 'v2', step: 'applyToTarget' },
        { secretName: 'app/api-key', versionId: 'rot-20261123-0200', step: 'verify' },
      ],
    });
  });

  it('the event-driven sample is one rotation step', () => {
    expect(unwrap(sample('rotate-queue-driven.json'))).toEqual({
      kind: 'queue',
      messages: [{ secretName: 'app/db-password', versionId: 'v2', step: 'promote' }],
    });
  });
});

describe('classifyTrigger', () => {
  const httpEvent = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    version: 'v1',
    rawPath: '/a%20b',
    headers: { 'Content-Type': 'application/octet-stream', 'X-Multi': 'a,b' },
    queryParameters: { q: '1,2' },
    body: Buffer.from([0, 1, 2, 255]).toString('base64'),
    isBase64Encoded: true,
    requestContext: { http: { method: 'post', path: '/a b', sourceIp: '10.1.2.3' } },
    ...over,
  });

  it('decodes a base64 HTTP body and lower-cases header names', () => {
    expect(classifyTrigger(httpEvent())).toEqual({
      kind: 'http',
      request: {
        method: 'POST',
        path: '/a%20b',
        headers: { 'content-type': 'application/octet-stream', 'x-multi': 'a,b' },
        query: { q: '1,2' },
        body: Buffer.from([0, 1, 2, 255]),
        sourceIp: '10.1.2.3',
      },
    });
  });

  it('joins headers that differ only in case, as FC joins repeated ones', () => {
    const t = classifyTrigger(httpEvent({ headers: { Accept: 'a', accept: 'b' } }));
    expect(t.kind === 'http' && t.request.headers.accept).toBe('a,b');
  });

  it('takes missing headers, query and body as empty', () => {
    const t = classifyTrigger(httpEvent({ headers: undefined, queryParameters: null, body: undefined, isBase64Encoded: undefined }));
    expect(t).toMatchObject({ kind: 'http', request: { headers: {}, query: {}, body: Buffer.alloc(0) } });
  });

  it('names the bad field of a malformed HTTP event', () => {
    const e = errorOf(() => classifyTrigger(httpEvent({ requestContext: { http: { path: '/' } } })));
    expect(e.message).toMatch(/HTTP trigger event is malformed: requestContext\.http\.method/);
  });

  it('accepts plain JSON message bodies (IsBase64Decode on) and RawData deliveries', () => {
    const message = { secretName: 's', versionId: 'v', step: 'createPending' };
    expect(classifyTrigger({ specversion: '1.0', data: { messageBody: JSON.stringify(message) } })).toEqual({
      kind: 'queue',
      messages: [message],
    });
    expect(classifyTrigger([{ messageId: 'm', messageBody: b64(message) }])).toEqual({ kind: 'queue', messages: [message] });
  });

  it('keeps fields of a step message it does not know', () => {
    const message = { secretName: 's', versionId: 'v', step: 'verify', attempt: 2 };
    expect(classifyTrigger([{ data: { messageBody: b64(message) } }])).toEqual({ kind: 'queue', messages: [message] });
  });

  it('names the message and the field of a bad step, without quoting the body', () => {
    const bad = { secretName: 's', versionId: 'v', step: 'explode', note: 'hunter2' };
    const e = errorOf(() => classifyTrigger([{ data: { messageId: 'ok', messageBody: b64({ secretName: 's', versionId: 'v', step: 'verify' }) } }, { data: { messageId: 'M2', messageBody: b64(bad) } }]));
    expect(e.message).toMatch(/queue message \[1\] \(messageId M2\) is not a rotation step: step:/);
    expect(e.message).not.toContain('hunter2');
  });

  it('says so when a body is neither JSON nor base64 of JSON', () => {
    expect(decodeMessageBody('hunter2')).toBeUndefined();
    const e = errorOf(() => classifyTrigger({ specversion: '1.0', data: { messageBody: 'hunter2' } }));
    expect(e.message).toMatch(/queue message \[0\] is neither JSON nor base64 of JSON/);
    expect(e.message).not.toContain('hunter2');
  });

  it('refuses an empty batch and a message without a body', () => {
    expect(errorOf(() => classifyTrigger([])).message).toMatch(/holds no messages/);
    expect(errorOf(() => classifyTrigger([{ specversion: '1.0', data: {} }])).message).toMatch(/not an MNS CloudEvent/);
  });

  it('refuses a timer event without a trigger name', () => {
    expect(errorOf(() => classifyTrigger({ triggerTime: 'x', triggerName: '' })).message).toMatch(/timer trigger event is malformed: triggerName/);
  });

  it.each([
    ['an unrelated object', { hello: 'world' }, /Unrecognised trigger event \(an object with keys \[hello\]\)/],
    ['a number', 42, /Unrecognised trigger event \(number\)/],
    ['a string', 'hi', /Unrecognised trigger event \(string\)/],
  ])('refuses %s clearly', (_name, event, message) => {
    expect(errorOf(() => classifyTrigger(event)).message).toMatch(message);
  });
});

describe('decodeEventPayload', () => {
  it('parses the Buffer FC passes, and passes an already decoded event through', () => {
    expect(decodeEventPayload(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(decodeEventPayload('[1]')).toEqual([1]);
    expect(decodeEventPayload({ a: 1 })).toEqual({ a: 1 });
  });

  it('refuses empty and non-JSON events without quoting them', () => {
    expect(errorOf(() => decodeEventPayload(Buffer.alloc(0))).message).toMatch(/empty/);
    const e = errorOf(() => decodeEventPayload(Buffer.from('SecretData=hunter2')));
    expect(e.message).toBe('The event is not valid JSON (18 bytes).');
    expect(e.code).toBe('Rotor.InvalidEvent');
  });
});
