import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents, AlertDeliveryError } from '../../shared/alerting/consumer.js';
import { alertFor } from '../../shared/alerting/rules.js';
import { dingTalkSign, signedDingTalkUrl } from '../../shared/alerting/formats.js';
import { deliverAlert, targetLabel, type DeliveryPolicy } from '../../shared/alerting/webhook.js';
import { SqliteAlertDedupStore } from '../../shared/adapters/sqlite/alert-dedup-store.js';
import { EventTypes, makeEvent } from '../../shared/domain/events.js';
import { startWebhookServer, type WebhookServer } from '../support/webhook-server.js';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const POLICY: DeliveryPolicy = { timeoutMs: 2_000, maxAttempts: 3, backoffMs: 1 };
const failedEvent = (versionId = 'v2') =>
  makeEvent(EventTypes.rotationFailed, { name: 'app/db-password', type: 'Generic' }, T0, {
    versionId,
    step: 'verify',
    attempt: 5,
    error: { code: 'Target.Unavailable', message: 'The target refused verify.' },
  });
const failedAlert = () => alertFor(failedEvent(), { overdueThresholdMs: 0 })!;

const servers: WebhookServer[] = [];
const serve = async (...args: Parameters<typeof startWebhookServer>) => {
  const s = await startWebhookServer(...args);
  servers.push(s);
  return s;
};

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('webhook delivery', () => {
  it('generic: POSTs the alert as JSON', async () => {
    const hook = await serve();
    const result = await deliverAlert({ url: hook.url, format: 'generic' }, failedAlert(), POLICY, { now: Date.now });
    expect(result).toEqual({ ok: true, attempts: 1, status: 200 });
    expect(hook.requests).toHaveLength(1);
    const [req] = hook.requests;
    expect(req?.method).toBe('POST');
    expect(req?.headers['content-type']).toContain('application/json');
    expect(req?.json).toMatchObject({
      schema: 'secret-rotor.alert/1',
      source: 'secret-rotor',
      kind: 'rotation-failed',
      severity: 'critical',
      secretName: 'app/db-password',
      dedupKey: 'rotation-failed:app/db-password:v2',
      details: { versionId: 'v2', step: 'verify', errorCode: 'Target.Unavailable' },
    });
  });

  it('dingtalk: a markdown robot message, signed as DingTalk documents, accepted by the robot', async () => {
    const robot = { accessToken: 'tok123', secret: 'SECabcdef0123456789' };
    const hook = await serve({ dingTalk: robot });
    const result = await deliverAlert({ url: hook.url, format: 'dingtalk', dingTalkSecret: robot.secret }, failedAlert(), POLICY, { now: Date.now });
    expect(result.ok).toBe(true);
    expect(hook.accepted()).toHaveLength(1);
    const [req] = hook.accepted();
    expect(req?.query.get('access_token')).toBe('tok123');
    expect(req?.json).toMatchObject({ msgtype: 'markdown', markdown: { title: '[CRITICAL] Rotation failed: app/db-password' } });
    const text = (req?.json as { markdown: { text: string } }).markdown.text;
    expect(text).toContain('Target.Unavailable');
    expect(text).toContain('app/db-password');
  });

  it('dingtalk: text messages too; and a wrong secret is refused by the robot and not retried', async () => {
    const robot = { accessToken: 'tok123', secret: 'SECright' };
    const hook = await serve({ dingTalk: robot });
    const ok = await deliverAlert({ url: hook.url, format: 'dingtalk', dingTalkSecret: robot.secret, dingTalkMsgType: 'text' }, failedAlert(), POLICY, { now: Date.now });
    expect(ok.ok).toBe(true);
    expect(hook.accepted()[0]?.json).toMatchObject({ msgtype: 'text', text: { content: expect.stringContaining('Rotation failed') } });

    const wrong = await deliverAlert({ url: hook.url, format: 'dingtalk', dingTalkSecret: 'SECwrong' }, failedAlert(), POLICY, { now: Date.now });
    expect(wrong).toMatchObject({ ok: false, attempts: 1, reason: 'DingTalk errcode 310000' });
    const unsigned = await deliverAlert({ url: hook.url, format: 'dingtalk' }, failedAlert(), POLICY, { now: Date.now });
    expect(unsigned).toMatchObject({ ok: false, reason: 'DingTalk errcode 310000' });
    expect(hook.accepted()).toHaveLength(1);
  });

  it('the signature matches DingTalk documentation: base64 HMAC-SHA256 of "timestamp\\nsecret", URL-encoded', () => {
    const sign = dingTalkSign('SEC000', 1_700_000_000_000);
    expect(sign).toBe(createHmac('sha256', 'SEC000').update('1700000000000\nSEC000').digest('base64'));
    const url = new URL(signedDingTalkUrl('https://oapi.dingtalk.com/robot/send?access_token=t', 'SEC000', 1_700_000_000_000));
    expect(url.searchParams.get('access_token')).toBe('t');
    expect(url.searchParams.get('timestamp')).toBe('1700000000000');
    expect(url.searchParams.get('sign')).toBe(sign);
    // base64 has + / =: they must arrive URL-encoded, or a + would be read as a space.
    expect(url.search).toContain(`sign=${encodeURIComponent(sign)}`);
  });

  it('retries 5xx with backoff and succeeds', async () => {
    const hook = await serve();
    hook.failNext(500, 503);
    const pauses: number[] = [];
    const result = await deliverAlert({ url: hook.url, format: 'generic' }, failedAlert(), { ...POLICY, backoffMs: 100 }, {
      now: Date.now,
      sleep: async (ms) => {
        pauses.push(ms);
      },
    });
    expect(result).toEqual({ ok: true, attempts: 3, status: 200 });
    expect(pauses).toEqual([100, 200]);
    expect(hook.requests).toHaveLength(3);
  });

  it('gives up after the last attempt, and does not retry a 4xx', async () => {
    const hook = await serve();
    hook.failNext(502, 502, 502);
    expect(await deliverAlert({ url: hook.url, format: 'generic' }, failedAlert(), POLICY, { now: Date.now })).toEqual({
      ok: false,
      attempts: 3,
      status: 502,
      reason: 'HTTP 502',
    });
    hook.failNext(404);
    expect(await deliverAlert({ url: hook.url, format: 'generic' }, failedAlert(), POLICY, { now: Date.now })).toMatchObject({ ok: false, attempts: 1, status: 404 });
  });

  it('times out a webhook that does not answer, and never names the URL (it may hold a token)', async () => {
    const hook = await serve({ delayMs: 1_000 });
    const url = `${hook.url}?access_token=very-secret-token`;
    const result = await deliverAlert({ url, format: 'generic' }, failedAlert(), { timeoutMs: 150, maxAttempts: 2, backoffMs: 1 }, { now: Date.now });
    expect(result).toEqual({ ok: false, attempts: 2, reason: 'no answer within 150 ms' });
    const refused = await deliverAlert({ url: 'http://127.0.0.1:1/?access_token=very-secret-token', format: 'generic' }, failedAlert(), { ...POLICY, maxAttempts: 1 }, { now: Date.now });
    expect(refused).toEqual({ ok: false, attempts: 1, reason: 'network error' });
    expect(targetLabel(url)).toMatch(/^127\.0\.0\.1:\d+#[0-9a-f]{8}$/);
  });
});

describe('alerting with de-duplication', () => {
  const settings = { overdueThresholdMs: 0, dedupWindowMs: 60_000, delivery: POLICY };

  it('the same failure delivered twice alerts once per webhook; a failed send is given back for the redelivery', async () => {
    const a = await serve();
    const b = await serve();
    const dedup = SqliteAlertDedupStore.open(':memory:');
    try {
      const deps = { dedup, targets: [{ url: a.url, format: 'generic' as const }, { url: b.url, format: 'generic' as const }], settings, now: Date.now, sleep: async () => {} };
      b.failNext(500, 500, 500);
      const first = failedEvent();
      const error = await handleEvents([first], deps).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AlertDeliveryError);
      expect((error as AlertDeliveryError).code).toBe('Rotor.AlertDeliveryFailed');
      expect((error as Error).message).not.toContain('/hooks/alerts');
      expect(a.accepted()).toHaveLength(1);
      expect(b.accepted()).toHaveLength(0);

      // The trigger redelivers (a new MessageId, the same CloudEvent): only the failed target is sent to.
      const outcomes = await handleEvents([first], deps);
      expect(outcomes[0]?.deliveries.map((d) => d.status)).toEqual(['duplicate', 'sent']);
      // And the same failure published again (a new event id) is still the same alert.
      const again = await handleEvents([failedEvent()], deps);
      expect(again[0]?.deliveries.map((d) => d.status)).toEqual(['duplicate', 'duplicate']);
      expect(a.accepted()).toHaveLength(1);
      expect(b.accepted()).toHaveLength(1);

      // Another version's failure is another alert.
      await handleEvents([failedEvent('v3')], deps);
      expect(a.accepted()).toHaveLength(2);
    } finally {
      await dedup.close();
    }
  });

  it('events that raise no alert send nothing', async () => {
    const a = await serve();
    const dedup = SqliteAlertDedupStore.open(':memory:');
    try {
      const outcomes = await handleEvents([makeEvent(EventTypes.rotationSucceeded, { name: 's', type: 'Generic' }, T0)], {
        dedup,
        targets: [{ url: a.url, format: 'generic' }],
        settings,
        now: Date.now,
      });
      expect(outcomes).toEqual([expect.objectContaining({ alert: null, deliveries: [] })]);
      expect(a.requests).toHaveLength(0);
    } finally {
      await dedup.close();
    }
  });
});
