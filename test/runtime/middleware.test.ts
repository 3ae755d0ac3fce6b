import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { KmsError, secretNotFound } from '../../shared/domain/errors.js';
import type { RotorContext } from '../../shared/runtime/fc-types.js';
import { decodeFcEvent } from '../../shared/runtime/middleware/decode-fc-event.js';
import { httpErrorResponse, kmsErrorResult } from '../../shared/runtime/middleware/http-error-response.js';
import { requestLogger } from '../../shared/runtime/middleware/request-logger.js';
import { unwrapTrigger } from '../../shared/runtime/middleware/unwrap-trigger.js';
import type { Trigger, TriggerKind } from '../../shared/runtime/trigger.js';
import { asBuffer, fcContext, httpEvent, timerEvent } from '../support/fc-events.js';
import { captureLogs } from '../support/runtime.js';

/** The handlers' stack around a stand-in handler. */
const wrap = (
  handler: (t: Trigger, c: RotorContext) => Promise<unknown>,
  accepts: TriggerKind[] = ['http', 'timer', 'queue'],
) => {
  const logs = captureLogs();
  const fn = middy<Trigger, unknown, Error, RotorContext>()
    .use([requestLogger({ functionName: 'fallback-name', logger: () => logs.logger }), decodeFcEvent(), unwrapTrigger({ accepts }), httpErrorResponse()])
    .handler(handler);
  return { fn: fn as unknown as (e: Buffer, c: RotorContext) => Promise<unknown>, logs };
};

const body = (result: unknown): Record<string, unknown> => JSON.parse((result as { body: string }).body) as Record<string, unknown>;

describe('httpErrorResponse', () => {
  it('answers an HTTP invocation that failed with a KmsError in KMS error JSON', async () => {
    const { fn } = wrap(async () => {
      throw secretNotFound('db');
    });
    const result = await fn(asBuffer(httpEvent({})), fcContext('api', 'req-7'));
    expect(result).toMatchObject({ statusCode: 404, isBase64Encoded: false, headers: { 'content-type': 'application/json;charset=utf-8' } });
    expect(body(result)).toEqual({ RequestId: 'req-7', HttpStatus: 404, Code: 'Forbidden.ResourceNotFound', Message: 'The secret "db" does not exist.' });
  });

  it('hides the message of an unexpected error behind InternalFailure', async () => {
    const { fn, logs } = wrap(async () => {
      throw new Error('connection string postgres://u:hunter2@db');
    });
    const result = await fn(asBuffer(httpEvent({})), fcContext('api'));
    expect(result).toMatchObject({ statusCode: 500 });
    expect(body(result).Code).toBe('InternalFailure');
    expect(JSON.stringify(result)).not.toContain('hunter2');
    // The log says what and where, not the message.
    expect(logs.lines[0]).toMatchObject({ level: 'error', errorCode: 'Unhandled', errorType: 'Error', stack: expect.stringMatching(/^at /) });
    expect(logs.text()).not.toContain('hunter2');
  });

  it('answers a trigger refused by the function in KMS error JSON too', async () => {
    const { fn } = wrap(async () => 'unreachable', ['timer']);
    const result = await fn(asBuffer(httpEvent({})), fcContext('purge'));
    expect(result).toMatchObject({ statusCode: 400 });
    expect(body(result)).toMatchObject({ Code: 'Rotor.InvalidEvent', Message: 'The function purge takes timer triggers, not http.' });
  });

  it('leaves timer and queue failures thrown, so the trigger retries', async () => {
    const { fn } = wrap(async () => {
      throw new KmsError('Boom', 500, 'boom');
    });
    await expect(fn(asBuffer(timerEvent('t')), fcContext('rotate'))).rejects.toThrow('boom');
  });

  it('builds the same body for a direct call', () => {
    expect(body(kmsErrorResult(new KmsError('X', 409, 'm'), 'r'))).toEqual({ RequestId: 'r', HttpStatus: 409, Code: 'X', Message: 'm' });
  });
});

describe('requestLogger', () => {
  it('writes one line per invocation: function, request id, trigger, duration, outcome', async () => {
    const { fn, logs } = wrap(async () => ({ rowsRead: 1 }));
    await fn(asBuffer(timerEvent('schedule')), fcContext('secret-rotor-rotate', 'req-1'));
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({
      level: 'info',
      fn: 'secret-rotor-rotate',
      requestId: 'req-1',
      trigger: 'timer',
      triggerName: 'schedule',
      outcome: 'ok',
      msg: 'invocation finished',
    });
    expect(typeof logs.lines[0]?.durationMs).toBe('number');
  });

  it('gives the handler its child logger and takes the fields it adds', async () => {
    const { fn, logs } = wrap(async (_t, context) => {
      context.log?.info({ step: 'x' }, 'inside');
      context.logFields = { action: 'CreateSecret', errorCode: 'Rejected.ResourceExist' };
      return { statusCode: 409, headers: {}, body: '{"SecretData":"hunter2"}', isBase64Encoded: false };
    });
    await fn(asBuffer(httpEvent({ Action: 'CreateSecret' }, 'SecretData=hunter2')), fcContext('create', 'req-2'));
    expect(logs.lines).toHaveLength(2);
    expect(logs.lines[0]).toMatchObject({ fn: 'create', requestId: 'req-2', msg: 'inside' });
    expect(logs.lines[1]).toMatchObject({
      trigger: 'http',
      method: 'POST',
      path: '/',
      statusCode: 409,
      outcome: 'error',
      action: 'CreateSecret',
      errorCode: 'Rejected.ResourceExist',
    });
    expect(logs.text()).not.toContain('hunter2');
  });

  it('logs a thrown error with its code, and the function name from the options when the context has none', async () => {
    const { fn, logs } = wrap(async () => {
      throw new KmsError('Rotor.RotationStepsFailed', 500, '1 of 1 rotation steps failed');
    });
    const message = { secretName: 's', versionId: 'v', step: 'verify' };
    await expect(fn(asBuffer([{ data: { messageBody: JSON.stringify(message) } }]), {} as RotorContext)).rejects.toThrow();
    expect(logs.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        fn: 'fallback-name',
        trigger: 'queue',
        messages: 1,
        outcome: 'error',
        errorCode: 'Rotor.RotationStepsFailed',
        msg: 'invocation failed',
      }),
    ]);
  });

  it('logs an event that could not be decoded, as a client error', async () => {
    const { fn, logs } = wrap(async () => 'unreachable');
    await expect(fn(Buffer.from('not json'), fcContext('api'))).rejects.toThrow(/not valid JSON/);
    expect(logs.lines[0]).toMatchObject({ level: 'warn', trigger: 'unknown', errorCode: 'Rotor.InvalidEvent' });
  });
});
