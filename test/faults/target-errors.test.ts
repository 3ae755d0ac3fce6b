/**
 * Target API errors injected into the RAM OpenAPI test server while the real engine (SQLite store
 * and queue, manual clock) rotates a managed RAM secret through the official RAM SDK: throttling
 * (HTTP 400 Throttling.User), 5xx (503 ServiceUnavailable, 500 InternalError) and timeouts (the
 * answer held past the SDK's 3 s read timeout). A few faults are retried with growing backoff and
 * the rotation completes; faults that outlast the step's attempts fail the rotation cleanly with a
 * rotation.failed event, ACSCurrent untouched and still authenticating against RAM, and the next
 * rotation works.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../shared/domain/rotation.js';
import type { RotorEvent } from '../../shared/ports/event-publisher.js';
import type { FaultSpec } from '../support/openapi-faults.js';
import { logsInWith, ramDriverFor } from '../support/ram-driver-fixtures.js';
import { startRamOpenApiServer, type RamOpenApiTestServer } from '../support/ram-openapi-server/index.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { createFaultReport } from './fault-artifacts.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const MAX_ATTEMPTS = 3;
const RETRY_BASE_SECONDS = 4;
const report = createFaultReport('target-errors');
let server: RamOpenApiTestServer;
let h: Harness;
let users = 0;

beforeAll(async () => {
  server = await startRamOpenApiServer();
});
afterAll(async () => {
  report.write();
  await server?.stop();
});
afterEach(async () => {
  server.faults.clear();
  await h?.close();
});

const setup = async () => {
  h = await createHarness({
    drivers: [ramDriverFor(server)],
    settings: { maxStepAttempts: MAX_ATTEMPTS, retryBaseSeconds: RETRY_BASE_SECONDS, retryMaxSeconds: 60 },
  });
  const userName = `fault-user-${++users}`;
  server.addUser(userName);
  const key = server.issueKey(userName);
  const created = await h.service.createSecret({
    secretName: '$Auto',
    secretType: 'RAMCredentials',
    versionId: 'v0',
    secretData: JSON.stringify({ AccessKeys: [{ AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret }] }),
    extendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: userName, PreviousKeyWindow: '10m' }),
  });
  return { userName, name: created.secret.name };
};

const current = async (name: string) => {
  const view = await h.service.getSecretValue({ secretName: secretIdOf(name), versionStage: 'ACSCurrent' });
  return { versionId: view.version.versionId, secretData: view.secretData };
};
const ofType = (type: string): RotorEvent[] => h.events.events.filter((e) => e.type === `com.secretrotor.${type}`);
const seconds = (e: RotorEvent) => Date.parse(e.time) / 1000;

/** Each retry waited at least the engine's backoff for its attempt, and the waits grew. */
const expectBackoff = (): number[] => {
  const failed = ofType('rotation.step.failed').filter((e) => e.data.willRetry === true);
  const waits = failed.map((f) => {
    const next = ofType('rotation.step.started').find((s) => s.data.step === f.data.step && s.data.attempt === (f.data.attempt as number) + 1);
    expect(next, `attempt ${String(f.data.attempt)} of ${String(f.data.step)} was retried`).toBeDefined();
    const wait = seconds(next as RotorEvent) - seconds(f);
    expect(wait).toBeGreaterThanOrEqual(retryDelaySeconds(f.data.attempt as number, RETRY_BASE_SECONDS, 60, () => 0.5));
    return wait;
  });
  for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThan(waits[i - 1] as number);
  return waits;
};

interface Case {
  label: string;
  fault: FaultSpec;
}

const RECOVERABLE: Case[] = [
  { label: 'throttling', fault: { action: 'CreateAccessKey', code: 'Throttling.User', status: 400 } },
  { label: '503', fault: { action: 'ListAccessKeys', code: 'ServiceUnavailable', status: 503 } },
  { label: '500', fault: { action: 'GetUser', code: 'InternalError', status: 500 } },
  { label: 'timeout', fault: { action: 'CreateAccessKey', delayMs: 4_000 } },
];

describe('target API errors below the attempt limit', () => {
  it.each(RECOVERABLE)('$label: retried with growing backoff, then the rotation completes once', async ({ label, fault }) => {
    const { userName, name } = await setup();
    const before = await current(name);
    const times = label === 'timeout' ? 1 : MAX_ATTEMPTS - 1;
    server.injectFaults({ ...fault, times });
    const injectedBefore = server.faults.injected.length;

    expect((await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' })).started).toBe(true);
    await h.pump();

    expect(server.faults.injected.length - injectedBefore).toBe(times);
    expect(ofType('rotation.succeeded')).toHaveLength(1);
    expect(ofType('rotation.failed')).toHaveLength(0);
    const waits = expectBackoff();
    expect(waits).toHaveLength(times);
    const after = await current(name);
    expect(after.versionId).toBe('r1');
    expect(after.secretData).not.toBe(before.secretData);
    expect(await logsInWith(server, after.secretData, userName)).toBe(true);
    // A timed-out CreateAccessKey still made a key; the retry removed it, so at most two remain.
    expect(server.keysOf(userName).length).toBeLessThanOrEqual(2);
    report.record(`recovered-${label}`, {
      action: fault.action,
      faultsInjected: times,
      retryWaitsSeconds: waits,
      rotationsCompleted: ofType('rotation.succeeded').length,
      rotationsFailed: 0,
    });
  });
});

const EXHAUSTING: Case[] = [
  { label: 'throttling', fault: { action: 'CreateAccessKey', code: 'Throttling.User', status: 400 } },
  { label: '503', fault: { action: 'ListAccessKeys', code: 'ServiceUnavailable', status: 503 } },
  { label: '500', fault: { action: 'GetUser', code: 'InternalError', status: 500 } },
  { label: 'timeout', fault: { action: 'GetUser', delayMs: 4_000 } },
];

describe('target API errors that outlast the attempts', () => {
  it.each(EXHAUSTING)('$label: fails cleanly with rotation.failed, ACSCurrent untouched and working, the next rotation succeeds', async ({ label, fault }) => {
    const { userName, name } = await setup();
    const before = await current(name);
    server.injectFaults({ ...fault, times: MAX_ATTEMPTS });

    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' });
    await h.pump();

    const failed = ofType('rotation.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.data).toMatchObject({ versionId: 'r1', attempt: MAX_ATTEMPTS, kmsEventName: 'Secret:RotateSecret:Failure' });
    expect((failed[0]?.data.error as { code: string }).code).toMatch(/^Target\.(Unavailable|Timeout)$/);
    expect(ofType('rotation.succeeded')).toHaveLength(0);
    expect(ofType('rotation.step.failed').filter((e) => e.data.willRetry === false)).toHaveLength(1);
    expectBackoff();

    const described = await h.service.describeSecret(secretIdOf(name));
    expect(described.job).toBeNull();
    expect(described.lastRotation).toMatchObject({ versionId: 'r1', status: 'Failed' });
    const after = await current(name);
    expect(after).toMatchObject({ versionId: before.versionId, secretData: before.secretData });
    expect(await logsInWith(server, after.secretData, userName)).toBe(true);

    // Failed cleanly: nothing holds the secret, and the next rotation goes through.
    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r2' });
    await h.pump();
    const next = await current(name);
    expect(next.versionId).toBe('r2');
    expect(await logsInWith(server, next.secretData, userName)).toBe(true);
    expect(server.keysOf(userName).length).toBeLessThanOrEqual(2);
    report.record(`exhausted-${label}`, {
      action: fault.action,
      faultsInjected: MAX_ATTEMPTS,
      stepAttempts: MAX_ATTEMPTS,
      rotationsFailed: failed.length,
      rotationsCompletedAfterwards: ofType('rotation.succeeded').length,
    });
  }, 40_000);

  it('every kind of fault served is counted', () => {
    report.record('totals', { faultsInjectedByKind: server.faults.counts(), faultsInjected: server.faults.injected.length });
    expect(server.faults.counts()).toMatchObject({ throttling: 5, '5xx': 10, timeout: 4 });
  });
});
