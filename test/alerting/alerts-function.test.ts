/**
 * The alerts function as FC invokes it: a Buffer holding the mns_topic trigger's JSON notification
 * (the sample in events/), through the same middleware stack as every function.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handler as alerts } from '../../functions/alerts/index.js';
import { encodeJsonBody } from '../../shared/adapters/mns/message-body.js';
import { EventTypes, makeEvent } from '../../shared/domain/events.js';
import type { AlertsResult } from '../../shared/runtime/alerting.js';
import { ConfigError } from '../../shared/runtime/config.js';
import { createContainer, provideContainer, type Container } from '../../shared/runtime/container.js';
import type { FcContext } from '../../shared/runtime/fc-types.js';
import { topicNotification } from '../../shared/runtime/local/topic-subscriptions.js';
import { InvalidEventError } from '../../shared/runtime/trigger.js';
import { fcContext, timerEvent, asBuffer } from '../support/fc-events.js';
import { tempDir, testConfig, type TempDir } from '../support/runtime.js';
import { startWebhookServer, type WebhookServer } from '../support/webhook-server.js';

type Handler = (event: Buffer, context: FcContext) => Promise<unknown>;
const invoke = (event: Buffer): Promise<AlertsResult> => (alerts as unknown as Handler)(event, fcContext('secret-rotor-alerts')) as Promise<AlertsResult>;

const SAMPLE = readFileSync(join(import.meta.dirname, '..', '..', 'events', 'monitoring-topic.json'));
const ALERT_ENV = ['ROTOR_ALERT_WEBHOOK_URL', 'ROTOR_ALERT_FORMAT', 'ROTOR_ALERT_DINGTALK_SECRET', 'ROTOR_ALERT_DEDUP_WINDOW', 'ROTOR_ALERT_RETRY_BASE_MS'];

describe('the alerts function', () => {
  let dir: TempDir;
  let container: Container;
  let undo: () => void;
  let hook: WebhookServer;

  beforeAll(async () => {
    dir = tempDir('rotor-alerts-fn-');
    container = await createContainer(testConfig(dir.path));
    undo = provideContainer(container);
  });

  afterEach(async () => {
    for (const name of ALERT_ENV) delete process.env[name];
    await hook?.stop();
  });

  afterAll(async () => {
    undo();
    await container.close();
    dir.remove();
  });

  it('turns the sample topic notification into one generic webhook alert, and its redelivery into none', async () => {
    hook = await startWebhookServer();
    process.env.ROTOR_ALERT_WEBHOOK_URL = hook.url;

    const first = await invoke(SAMPLE);
    expect(first.configured).toBe(true);
    expect(first.events).toEqual([
      expect.objectContaining({ eventType: EventTypes.rotationFailed, alert: 'rotation-failed', dedupKey: 'rotation-failed:app/db-password:v2', deliveries: [expect.objectContaining({ status: 'sent' })] }),
    ]);
    expect(hook.accepted()).toHaveLength(1);
    expect(hook.accepted()[0]?.json).toMatchObject({
      kind: 'rotation-failed',
      secretName: 'app/db-password',
      details: { versionId: 'v2', step: 'verify', errorCode: 'Target.Unavailable' },
      eventId: '8f14e45f-ceea-467f-a0e6-0d1b2c3d4e5f',
    });

    // MNS redelivers the same message (the push timed out on its side, say).
    const second = await invoke(SAMPLE);
    expect(second.events[0]?.deliveries).toEqual([expect.objectContaining({ status: 'duplicate' })]);
    expect(hook.requests).toHaveLength(1);
  });

  it('speaks DingTalk, signed, when configured so', async () => {
    const robot = { accessToken: 'abc', secret: 'SECfunction-test' };
    hook = await startWebhookServer({ dingTalk: robot });
    Object.assign(process.env, { ROTOR_ALERT_WEBHOOK_URL: hook.url, ROTOR_ALERT_FORMAT: 'dingtalk', ROTOR_ALERT_DINGTALK_SECRET: robot.secret });
    const event = makeEvent(EventTypes.driftDetected, { name: 'acs/ram/user/ci', type: 'RAMCredentials' }, Date.now(), { versionId: 'v9' });
    const notification = topicNotification(event, { topicName: 'secret-rotor-events', subscriptionName: 's', accountId: '1', now: Date.now() });
    const result = await invoke(asBuffer(notification));
    expect(result.events[0]?.deliveries[0]?.status).toBe('sent');
    expect(hook.accepted()).toHaveLength(1);
    expect(hook.accepted()[0]?.json).toMatchObject({ msgtype: 'markdown', markdown: { title: '[CRITICAL] Drift detected: acs/ram/user/ci' } });
  });

  it('fails the invocation when the webhook keeps failing, so the topic retries; the retry then alerts', async () => {
    hook = await startWebhookServer();
    Object.assign(process.env, { ROTOR_ALERT_WEBHOOK_URL: hook.url, ROTOR_ALERT_RETRY_BASE_MS: '1' });
    hook.failNext(500, 500, 500);
    const event = makeEvent(EventTypes.rotationAbandoned, { name: 'retry-me', type: 'Generic' }, Date.now(), { versionId: 'v1' });
    const body = asBuffer({ TopicName: 'secret-rotor-events', Message: encodeJsonBody(event), MessageId: 'M1' });
    await expect(invoke(body)).rejects.toMatchObject({ code: 'Rotor.AlertDeliveryFailed' });
    expect(hook.accepted()).toHaveLength(0);
    const retried = await invoke(body);
    expect(retried.events[0]?.deliveries[0]?.status).toBe('sent');
    expect(hook.accepted()).toHaveLength(1);
  });

  it('sends nothing and succeeds when no webhook is configured', async () => {
    expect(await invoke(SAMPLE)).toEqual({ configured: false, events: [] });
  });

  it('refuses a bad setting by name, without echoing its value', async () => {
    Object.assign(process.env, { ROTOR_ALERT_WEBHOOK_URL: 'ftp://token-in-url@example', ROTOR_ALERT_FORMAT: 'slack' });
    const error = await invoke(SAMPLE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^ROTOR_ALERT_WEBHOOK_URL: /),
      expect.stringMatching(/^ROTOR_ALERT_FORMAT: expected one of generic, dingtalk/),
    ]);
    expect((error as Error).message).not.toContain('token-in-url');
  });

  it('takes only topic notifications', async () => {
    await expect(invoke(asBuffer(timerEvent('t')))).rejects.toBeInstanceOf(InvalidEventError);
    await expect(invoke(asBuffer({ TopicName: 'secret-rotor-events', Message: 'bm90IGpzb24=' }))).rejects.toThrow(/not a secret-rotor event/);
  });
});
