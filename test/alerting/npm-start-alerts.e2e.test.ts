/**
 * `npm start` (the local runtime as a child process) with alerting configured through the
 * environment, as a user would run it: its own events reach the webhook; a bad setting stops the
 * start naming the variable.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/e2e.js';
import { callAction, createKmsSdkClient, sdkErrorOf } from '../support/kms-sdk-client.js';
import { killAllRuntimeProcesses, PROJECT_ROOT, readRootCredentials, startRuntimeProcess } from '../support/runtime-process.js';
import { tempDir, type TempDir } from '../support/runtime.js';
import { signedInvoke } from '../support/signed-invoke.js';
import { startWebhookServer, type WebhookServer } from '../support/webhook-server.js';

const dirs: TempDir[] = [];
let hook: WebhookServer | undefined;

afterEach(async () => {
  await killAllRuntimeProcesses();
  await hook?.stop();
  hook = undefined;
});

afterAll(() => {
  for (const d of dirs.splice(0)) d.remove();
});

const newDir = (): TempDir => {
  const d = tempDir('rotor-alerts-start-');
  dirs.push(d);
  return d;
};

describe('npm start with alerting', () => {
  it('sends the alerts of its own events to the webhook, DingTalk-signed, and stops cleanly', async () => {
    const robot = { accessToken: 'start-test', secret: 'SECnpm-start' };
    hook = await startWebhookServer({ dingTalk: robot });
    const dir = newDir();
    const runtime = await startRuntimeProcess({
      dataDir: dir.path,
      env: { ROTOR_LOG_LEVEL: 'info', ROTOR_ALERT_WEBHOOK_URL: hook.url, ROTOR_ALERT_FORMAT: 'dingtalk', ROTOR_ALERT_DINGTALK_SECRET: robot.secret },
    });
    const root = readRootCredentials(dir.path);
    const sdk = createKmsSdkClient(runtime.port, root.accessKeyId, root.accessKeySecret);

    await callAction(sdk, 'CreateSecret', { SecretName: 'legacy/api-key', VersionId: 'v1', SecretData: 'legacy-value-51f0' });
    await callAction(sdk, 'DeleteSecret', { SecretName: 'legacy/api-key', RecoveryWindowInDays: '7' });
    expect((await sdkErrorOf(callAction(sdk, 'GetSecretValue', { SecretName: 'legacy/api-key' }))).data.Code).toBe('Rejected.ResourceInDeleteWindow');
    const [read] = await eventually(async () => (hook!.accepted().length > 0 ? hook!.accepted() : undefined), 'the DingTalk alert');
    expect(read?.json).toMatchObject({ msgtype: 'markdown', markdown: { title: '[WARNING] Read of a secret pending deletion: legacy/api-key' } });
    expect((read?.json as { markdown: { text: string } }).markdown.text).toContain(root.accessKeyId);

    // The sample notification, sent by hand as the README shows (signed with the root key, as npm run invoke signs).
    const res = await signedInvoke(runtime.url, root, 'secret-rotor-alerts', readFileSync(join(PROJECT_ROOT, 'events', 'monitoring-topic.json')));
    expect(res.status).toBe(200);
    expect(hook.accepted()).toHaveLength(2);
    expect(hook.accepted()[1]?.json).toMatchObject({ markdown: { title: '[CRITICAL] Rotation failed: app/db-password' } });

    expect(await runtime.stop('SIGINT')).toEqual({ code: 0, signal: null });
    const everything = [runtime.stdout(), runtime.stderr(), ...hook.requests.map((r) => Buffer.from(r.body))].map((b) => b.toString('utf8')).join('\n');
    expect(everything).not.toContain('legacy-value-51f0');
    expect(everything).not.toContain(robot.secret);
  });

  it('refuses to start with a bad alerting setting, naming it', async () => {
    const dir = newDir();
    const start = startRuntimeProcess({ dataDir: dir.path, env: { ROTOR_ALERT_FORMAT: 'slack', ROTOR_ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/x' } });
    await expect(start).rejects.toThrow(/ROTOR_ALERT_FORMAT: expected one of generic, dingtalk/);
  });
});
