/**
 * End to end on the local runtime: a rotation fails for real (its target refuses), the runtime
 * publishes rotation.failed to its events topic, pushes it to the alerts function as the mns_topic
 * trigger's notification, and the webhook receives one alert; the same notification delivered
 * again sends nothing more. A read of a secret pending deletion alerts too, naming the reader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeneratedPasswordDriver } from '../../shared/adapters/drivers/generated-password/generated-password-driver.js';
import { createDriverRegistry } from '../../shared/adapters/drivers/registry.js';
import { EventTypes } from '../../shared/domain/events.js';
import { createContainer, type Container } from '../../shared/runtime/container.js';
import { startLocalRuntime, type LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { topicNotification } from '../../shared/runtime/local/topic-subscriptions.js';
import { eventually, readEvents } from '../support/e2e.js';
import { callAction, createKmsSdkClient, sdkErrorOf, type KmsClient } from '../support/kms-sdk-client.js';
import { RecordingDriver } from '../support/recording-driver.js';
import { tempDir, testConfig, type TempDir } from '../support/runtime.js';
import { signedInvoke } from '../support/signed-invoke.js';
import { startWebhookServer, type WebhookServer } from '../support/webhook-server.js';

const RECORDED = JSON.stringify({ SecretSubType: 'Recorded' });

describe('alerts from the local runtime', () => {
  let dir: TempDir;
  let hook: WebhookServer;
  let container: Container;
  let runtime: LocalRuntime;
  let sdk: KmsClient;
  const target = new RecordingDriver();

  beforeAll(async () => {
    hook = await startWebhookServer();
    // The alerts function reads its settings from the process environment, as on FC.
    process.env.ROTOR_ALERT_WEBHOOK_URL = hook.url;
    dir = tempDir('rotor-alerts-e2e-');
    container = await createContainer(testConfig(dir.path, { ROTOR_MAX_STEP_ATTEMPTS: '1' }), {
      drivers: createDriverRegistry([target, new GeneratedPasswordDriver()]),
    });
    runtime = await startLocalRuntime({ container, timers: false, queueIdleMs: 20, env: process.env, topicRetryDelaysMs: [50, 100] });
    const { accessKeyId, accessKeySecret } = container.rootCredentials;
    sdk = createKmsSdkClient(Number(new URL(runtime.url).port), accessKeyId, accessKeySecret);
  });

  afterAll(async () => {
    delete process.env.ROTOR_ALERT_WEBHOOK_URL;
    await runtime?.stop();
    await container?.close();
    await hook?.stop();
    dir?.remove();
  });

  it('a failed rotation reaches the webhook once, even when its notification is delivered twice', async () => {
    await callAction(sdk, 'CreateSecret', { SecretName: 'app/db', VersionId: 'v1', SecretData: 'initial-value', ExtendedConfig: RECORDED });
    target.failNext('apply', 1, false);
    await callAction(sdk, 'RotateSecret', { SecretName: 'app/db', VersionId: 'v2' });

    const [alert] = await eventually(async () => (hook.accepted().length > 0 ? hook.accepted() : undefined), 'the rotation-failed alert');
    expect(alert?.json).toMatchObject({
      kind: 'rotation-failed',
      severity: 'critical',
      secretName: 'app/db',
      details: { versionId: 'v2', errorCode: 'Target.Unavailable' },
    });
    const described = await callAction(sdk, 'DescribeSecret', { SecretName: 'app/db' });
    expect(described.RotationStatus).toBe('Failed');

    // The topic pushes the same message again: the function answers, and nothing more is sent.
    const failed = readEvents(dir.path).find((e) => e.type === EventTypes.rotationFailed && e.subject === 'app/db');
    expect(failed).toBeDefined();
    const notification = topicNotification(failed as never, { topicName: 'secret-rotor-events', subscriptionName: 'again', accountId: '1', now: Date.now() });
    const res = await signedInvoke(runtime.url, container.rootCredentials, 'secret-rotor-alerts', JSON.stringify(notification));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ configured: true, events: [{ alert: 'rotation-failed', deliveries: [{ status: 'duplicate' }] }] });
    expect(hook.accepted()).toHaveLength(1);
    expect(hook.requests).toHaveLength(1);
  });

  it('a read of a secret pending deletion is refused and alerts, naming the AccessKey that asked', async () => {
    await callAction(sdk, 'CreateSecret', { SecretName: 'old/token', VersionId: 'v1', SecretData: 'still-used-value' });
    await callAction(sdk, 'DeleteSecret', { SecretName: 'old/token', RecoveryWindowInDays: '7' });
    const before = hook.accepted().length;
    const refused = await sdkErrorOf(callAction(sdk, 'GetSecretValue', { SecretName: 'old/token' }));
    expect(refused.data.Code).toBe('Rejected.ResourceInDeleteWindow');

    const alerts = await eventually(async () => (hook.accepted().length > before ? hook.accepted().slice(before) : undefined), 'the read alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.json).toMatchObject({
      kind: 'read-while-pending-deletion',
      severity: 'warning',
      secretName: 'old/token',
      details: { requestedBy: container.rootCredentials.accessKeyId },
    });
    // No value anywhere in what the webhook received.
    expect(hook.requests.map((r) => r.body).join('\n')).not.toMatch(/still-used-value|initial-value/);
  });
});
