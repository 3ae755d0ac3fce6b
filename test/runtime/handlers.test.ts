import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as api } from '../../functions/api/index.js';
import { handler as create } from '../../functions/create/index.js';
import { handler as purge } from '../../functions/purge/index.js';
import { handler as restore } from '../../functions/restore/index.js';
import { handler as rotate } from '../../functions/rotate/index.js';
import { handler as scheduleDelete } from '../../functions/schedule-delete/index.js';
import { createContainer, provideContainer, type Container } from '../../shared/runtime/container.js';
import type { FcContext } from '../../shared/runtime/fc-types.js';
import { mnsCloudEvent } from '../../shared/runtime/local/queue-poller.js';
import { RotationBatchError } from '../../shared/runtime/rotation-batch.js';
import { asBuffer, fcContext, httpEvent, timerEvent } from '../support/fc-events.js';
import { signedV1Params } from '../support/request-signers.js';
import { captureLogs, tempDir, testConfig, type CapturedLogs, type TempDir } from '../support/runtime.js';

type Handler = (event: Buffer, context: FcContext) => Promise<unknown>;
const call = (h: unknown, event: unknown, name: string): Promise<unknown> => (h as Handler)(asBuffer(event), fcContext(name));

interface HttpAnswer {
  statusCode: number;
  body: Record<string, unknown>;
}
const answer = (result: unknown): HttpAnswer => {
  const r = result as { statusCode: number; body: string; isBase64Encoded: boolean };
  expect(r.isBase64Encoded).toBe(false);
  return { statusCode: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> };
};

const GENERATED = JSON.stringify({ SecretSubType: 'GeneratedPassword' });

describe('function handlers on the local container', () => {
  let dir: TempDir;
  let container: Container;
  let logs: CapturedLogs;

  const kms = async (h: unknown, name: string, params: Record<string, string>): Promise<HttpAnswer> => {
    const { accessKeyId, accessKeySecret } = container.rootCredentials;
    const signed = signedV1Params(params, { accessKeyId, secret: accessKeySecret });
    return answer(await call(h, httpEvent(signed), name));
  };

  /** Plays the queue trigger: delivers what is queued to rotate until the queue is empty. */
  const runQueuedSteps = async (): Promise<number> => {
    const queue = container.localQueue!;
    let delivered = 0;
    for (let round = 0; round < 20; round++) {
      const batch = await queue.receive(10, 30);
      if (batch.length === 0) return delivered;
      const trigger = { functionName: 'secret-rotor-rotate', region: 'cn-hangzhou', accountId: '1', trigger: { type: 'mns-queue', name: 'steps', queueName: 'q', mode: 'event-streaming', batchSize: 10, isBase64Decode: false, eventSchema: 'CloudEvents' } } as const;
      await call(rotate, batch.map((m) => mnsCloudEvent(m, trigger, Date.now())), 'secret-rotor-rotate');
      for (const m of batch) await queue.delete(m.receiptHandle);
      delivered += batch.length;
    }
    throw new Error('the rotation did not settle');
  };

  beforeAll(async () => {
    dir = tempDir();
    logs = captureLogs();
    container = await createContainer(testConfig(dir.path), { logger: logs.logger });
    provideContainer(container);
  });

  afterAll(async () => {
    provideContainer(null);
    await container.close();
    dir.remove();
  });

  it('api serves every action, signed', async () => {
    const created = await kms(api, 'secret-rotor-api', { Action: 'CreateSecret', SecretName: 'h/db', VersionId: 'v1', SecretData: 'hunter2-initial', ExtendedConfig: GENERATED });
    expect(created).toMatchObject({ statusCode: 200, body: { SecretName: 'h/db', VersionId: 'v1' } });
    const value = await kms(api, 'secret-rotor-api', { Action: 'GetSecretValue', SecretName: 'h/db' });
    expect(value).toMatchObject({ statusCode: 200, body: { SecretData: 'hunter2-initial' } });
  });

  it('api refuses an unsigned request', async () => {
    const result = answer(await call(api, httpEvent({ Action: 'ListSecrets', Version: '2016-01-20' }), 'secret-rotor-api'));
    expect(result.statusCode).toBe(400);
    expect(result.body.Code).toBe('MissingParameter');
  });

  it('create answers CreateSecret and nothing else', async () => {
    expect(await kms(create, 'secret-rotor-create', { Action: 'CreateSecret', SecretName: 'h/only', VersionId: 'v1', SecretData: 'x' })).toMatchObject({ statusCode: 200 });
    expect(await kms(create, 'secret-rotor-create', { Action: 'GetSecretValue', SecretName: 'h/only' })).toMatchObject({
      statusCode: 404,
      body: { Code: 'InvalidAction.NotFound' },
    });
  });

  it('rotate starts a rotation over HTTP, and the queue trigger carries it to the end', async () => {
    const started = await kms(rotate, 'secret-rotor-rotate', { Action: 'RotateSecret', SecretName: 'h/db', VersionId: 'v2' });
    expect(started).toMatchObject({ statusCode: 200, body: { VersionId: 'v2' } });
    expect(await runQueuedSteps()).toBeGreaterThanOrEqual(3);
    const value = await kms(api, 'secret-rotor-api', { Action: 'GetSecretValue', SecretName: 'h/db' });
    expect(value.body).toMatchObject({ VersionId: 'v2' });
    expect(value.body.SecretData).not.toBe('hunter2-initial');
    expect(await kms(rotate, 'secret-rotor-rotate', { Action: 'DeleteSecret', SecretName: 'h/db' })).toMatchObject({ statusCode: 404 });
  });

  it('rotate on the timer starts the rotations that are due', async () => {
    expect(await call(rotate, timerEvent('schedule'), 'secret-rotor-rotate')).toMatchObject({
      rowsRead: 0,
      acted: 0,
      skipped: 0,
      deferred: 0,
      reconcile: { expiredRead: 0 },
      drift: { rowsRead: 0 },
    });
  });

  it('schedule-delete plans a deletion and restore cancels it', async () => {
    const deleted = await kms(scheduleDelete, 'secret-rotor-schedule-delete', { Action: 'DeleteSecret', SecretName: 'h/only', RecoveryWindowInDays: '7' });
    expect(deleted).toMatchObject({ statusCode: 200, body: { SecretName: 'h/only' } });
    expect(deleted.body.PlannedDeleteTime).toBeTruthy();
    expect(await kms(restore, 'secret-rotor-restore', { Action: 'RestoreSecret', SecretName: 'h/only' })).toMatchObject({ statusCode: 200 });
    expect(await kms(restore, 'secret-rotor-restore', { Action: 'DeleteSecret', SecretName: 'h/only' })).toMatchObject({ statusCode: 404 });
  });

  it('purge runs on its timer and refuses HTTP', async () => {
    expect(await call(purge, timerEvent('purge'), 'secret-rotor-purge')).toEqual({ rowsRead: 0, acted: 0, skipped: 0 });
    expect(answer(await call(purge, httpEvent({}), 'secret-rotor-purge'))).toMatchObject({ statusCode: 400, body: { Code: 'Rotor.InvalidEvent' } });
  });

  it('rotate fails a queue delivery when any step fails, after running the others', async () => {
    const ran: string[] = [];
    provideContainer({
      ...container,
      service: {
        ...container.service,
        runRotationStep: async (m) => {
          ran.push(m.secretName);
          if (m.secretName === 'bad') throw new Error('driver exploded');
        },
      },
    });
    try {
      const messages = ['a', 'bad', 'c'].map((secretName) => ({ data: { messageBody: JSON.stringify({ secretName, versionId: 'v', step: 'verify' }) } }));
      const failure = call(rotate, messages, 'secret-rotor-rotate');
      await expect(failure).rejects.toBeInstanceOf(RotationBatchError);
      await expect(failure).rejects.toThrow('1 of 3 rotation steps failed (Unhandled)');
      expect(ran).toEqual(['a', 'bad', 'c']);
    } finally {
      provideContainer(container);
    }
  });

  it('logs one line per invocation with the KMS action and code, and never a secret value', () => {
    const finished = logs.lines.filter((l) => l.msg === 'invocation finished' || l.msg === 'invocation failed');
    expect(finished.length).toBeGreaterThanOrEqual(10);
    expect(finished).toContainEqual(
      expect.objectContaining({ fn: 'secret-rotor-create', trigger: 'http', outcome: 'error', errorCode: 'InvalidAction.NotFound', statusCode: 404 }),
    );
    expect(finished).toContainEqual(expect.objectContaining({ fn: 'secret-rotor-rotate', trigger: 'queue', outcome: 'ok' }));
    expect(logs.text()).not.toContain('hunter2');
    expect(logs.text()).not.toContain('driver exploded');
    expect(logs.lines).toContainEqual(expect.objectContaining({ msg: 'rotation step failed', step: { secretName: 'bad', versionId: 'v', step: 'verify' }, errorType: 'Error' }));
  });
});
