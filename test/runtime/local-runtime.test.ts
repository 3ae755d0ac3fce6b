import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, startLocalRuntime, type LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { ROOT_CREDENTIALS_FILE } from '../../shared/runtime/root-credentials.js';
import { callAction, createKmsSdkClient } from '../support/kms-sdk-client.js';
import { tempDir, testConfig, type TempDir } from '../support/runtime.js';
import { signedInvoke } from '../support/signed-invoke.js';

/** The invoke path serves only the account's (root) key, as FC does. */
const invoke = (runtime: LocalRuntime, fn: string, event: string | Buffer): Promise<Response> =>
  signedInvoke(runtime.url, runtime.container.rootCredentials, fn, event);

/** Waits for a condition the runtime reaches on its own (a poller, a request in flight); bounded. */
const eventually = async (check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const refused = async (url: string): Promise<boolean> =>
  fetch(url).then(
    () => false,
    () => true,
  );

describe('the local runtime, in-process', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const dataDir = (): TempDir => {
    const d = tempDir();
    cleanups.push(() => d.remove());
    return d;
  };
  const start = async (...args: Parameters<typeof startLocalRuntime>): Promise<LocalRuntime> => {
    const runtime = await startLocalRuntime(...args);
    cleanups.push(() => runtime.stop());
    return runtime;
  };

  it('starts on a free port, serves the invoke path for the timer sample, and stops cleanly', async () => {
    const dir = dataDir();
    const runtime = await start({ config: testConfig(dir.path), env: {} });
    expect(runtime.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(runtime.spec.functions).toHaveLength(8);

    const sample = readFileSync(join(PROJECT_ROOT, 'events', 'rotate-timer.json'));
    const res = await invoke(runtime, 'secret-rotor-rotate', sample);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-fc-error-type')).toBeNull();
    // The rotate tick also reports the reconciler, backpressure and drift checks.
    expect(await res.json()).toMatchObject({ rowsRead: 0, acted: 0, skipped: 0, deferred: 0, reconcile: { expiredRead: 0 } });

    const purge = await invoke(runtime, 'purge', readFileSync(join(PROJECT_ROOT, 'events', 'purge-timer.json')));
    expect(await purge.json()).toEqual({ rowsRead: 0, acted: 0, skipped: 0 });

    const credentials = join(dir.path, ROOT_CREDENTIALS_FILE);
    expect(statSync(credentials).mode & 0o777).toBe(0o600);
    expect(runtime.container.rootCredentials.source).toEqual({ kind: 'file', file: credentials, created: true });

    await runtime.stop();
    expect(await refused(runtime.url)).toBe(true);
    // SQLite removes the write-ahead log when the last connection closes cleanly.
    expect(existsSync(join(dir.path, 'secrets.db'))).toBe(true);
    expect(existsSync(join(dir.path, 'secrets.db-wal'))).toBe(false);
    expect(existsSync(join(dir.path, 'queue.db-wal'))).toBe(false);
    await runtime.stop(); // idempotent
  });

  it('answers the KMS SDK on / and completes a rotation through the queue trigger', async () => {
    const dir = dataDir();
    const runtime = await start({ config: testConfig(dir.path), env: {}, queueIdleMs: 20 });
    const { accessKeyId, accessKeySecret } = runtime.container.rootCredentials;
    const client = createKmsSdkClient(Number(new URL(runtime.url).port), accessKeyId, accessKeySecret);

    await callAction(client, 'CreateSecret', {
      SecretName: 'rt/db',
      VersionId: 'v1',
      SecretData: 'initial-value',
      ExtendedConfig: JSON.stringify({ SecretSubType: 'GeneratedPassword' }),
    });
    await callAction(client, 'RotateSecret', { SecretName: 'rt/db', VersionId: 'v2' });
    await eventually(async () => (await callAction(client, 'GetSecretValue', { SecretName: 'rt/db' })).VersionId === 'v2', 'the rotation to finish');
    // The last step's message is deleted once its invocation has returned.
    await eventually(async () => (await runtime.container.localQueue?.depth())?.inFlight === 0, 'the last step to be acknowledged');
    expect(await runtime.container.localQueue?.depth()).toMatchObject({ visible: 0, inFlight: 0, delayed: 0, dead: 0 });
  });

  it('waits for running invocations when stopping, refusing new ones meanwhile', async () => {
    const project = dataDir();
    mkdirSync(join(project.path, 'functions', 'slow'), { recursive: true });
    writeFileSync(
      join(project.path, 'functions', 'slow', 'index.ts'),
      `const gate = globalThis as { rotorTestGate?: Promise<void> };\nexport const handler = async (): Promise<string> => { await gate.rotorTestGate; return 'finished'; };\n`,
    );
    writeFileSync(
      join(project.path, 's.yaml'),
      'edition: 3.0.0\nname: t\nresources:\n  slow:\n    component: fc3\n    props:\n      functionName: slow\n      code: ./dist/slow\n      handler: index.handler\n',
    );
    let open: () => void = () => {};
    (globalThis as { rotorTestGate?: Promise<void> }).rotorTestGate = new Promise<void>((resolve) => (open = resolve));
    cleanups.push(() => {
      open();
      delete (globalThis as { rotorTestGate?: Promise<void> }).rotorTestGate;
    });

    const runtime = await start({ config: testConfig(dataDir().path), env: {}, sYamlPath: join(project.path, 's.yaml') });
    const pending = invoke(runtime, 'slow', '{}');
    await eventually(() => runtime.invoker.inFlightCount === 1, 'the invocation to start');

    let stopped = false;
    const stopping = runtime.stop().then(() => (stopped = true));
    await expect(runtime.invoker.invoke(runtime.invoker.find('slow')!, Buffer.from('{}'))).rejects.toThrow(/shutting down/);
    expect(stopped).toBe(false);

    open();
    const res = await pending;
    expect(await res.text()).toBe('finished');
    await stopping;
    expect(stopped).toBe(true);
  });

  it('cleans up when it cannot start', async () => {
    const dir = dataDir();
    const first = await start({ config: testConfig(dir.path), env: {}, timers: false, queue: false });
    const port = new URL(first.url).port;
    await expect(startLocalRuntime({ config: testConfig(dataDir().path, { PORT: port }), env: {} })).rejects.toThrow(/EADDRINUSE/);
    const res = await invoke(first, 'purge', JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'purge' }));
    expect(await res.json()).toEqual({ rowsRead: 0, acted: 0, skipped: 0 });
  });
});
