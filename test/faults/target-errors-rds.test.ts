/**
 * Target API errors injected into the RDS OpenAPI test server (in front of a real PostgreSQL)
 * while the real engine rotates managed RDS secrets through the official RDS SDK, whose timeouts
 * are set to 500 ms here so a held answer is a timeout without a long wait. Throttling,
 * 5xx and timeouts below the attempt limit are retried and the rotation completes; above it the
 * rotation fails cleanly with rotation.failed, and ACSCurrent still logs in to the database (or,
 * for SingleUser whose reset landed unseen, rolls forward to the value the database took).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRdsDriver } from '../../shared/adapters/drivers/rds/drivers.js';
import type { FaultSpec } from '../support/openapi-faults.js';
import { POSTGRES_INSTANCE, rdsPassword, startRdsTestbed, uniqueTag, type RdsTestbed } from '../support/rds-testbed.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { createFaultReport } from './fault-artifacts.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const MAX_ATTEMPTS = 3;
const READ_TIMEOUT_MS = 500;
const report = createFaultReport('target-errors-rds');
let bed: RdsTestbed;
let h: Harness;

beforeAll(async () => {
  bed = await startRdsTestbed();
}, 60_000);
afterAll(async () => {
  report.write();
  await bed?.stop();
});
afterEach(async () => {
  bed.rds.faults.clear();
  await h?.close();
});

const setup = async (strategy: 'SingleUser' | 'DoubleUsers') => {
  const driver = createRdsDriver({
    credentials: () => ({ accessKeyId: bed.rds.accessKeyId, accessKeySecret: bed.rds.accessKeySecret }),
    // The SDK bounds a silent socket by its connect timeout (the socket's idle timeout), so both are short.
    connection: { endpoint: bed.rds.endpoint, protocol: 'http', readTimeoutMs: READ_TIMEOUT_MS, connectTimeoutMs: READ_TIMEOUT_MS },
    verifyAttempts: 1,
  });
  h = await createHarness({ drivers: [driver], settings: { maxStepAttempts: MAX_ATTEMPTS, retryBaseSeconds: 2, retryMaxSeconds: 60 } });
  const tag = uniqueTag();
  const accounts = strategy === 'SingleUser' ? [`fault${tag}`] : [`fault${tag}`, `fault${tag}_clone`];
  const passwords = accounts.map(() => rdsPassword());
  for (const [i, account] of accounts.entries()) await bed.createAccount('PostgreSQL', account, passwords[i] as string);
  const name = `rds/fault-${tag}`;
  await h.service.createSecret({
    secretName: name,
    versionId: 'v0',
    secretType: 'Rds',
    secretData: JSON.stringify({ Accounts: accounts.map((AccountName, i) => ({ AccountName, AccountPassword: passwords[i] })) }),
    extendedConfig: JSON.stringify({ SecretSubType: strategy, DBInstanceId: POSTGRES_INSTANCE }),
  });
  return name;
};

const current = async (name: string) => {
  const view = await h.service.getSecretValue({ secretName: secretIdOf(name), versionStage: 'ACSCurrent' });
  return { versionId: view.version.versionId, value: view.secretData };
};
const count = (type: string) => h.eventTypes().filter((t) => t === type).length;
const logsIn = (value: string) => bed.logsIn('PostgreSQL', value);

const CASES: Array<{ label: string; fault: FaultSpec }> = [
  { label: 'throttling', fault: { action: 'ResetAccountPassword', code: 'Throttling.User', status: 400 } },
  { label: '503', fault: { action: 'ResetAccountPassword', code: 'ServiceUnavailable', status: 503 } },
  { label: '500', fault: { action: 'ResetAccountPassword', code: 'InternalError', status: 500 } },
  // The reset happens; its answer comes after the SDK gave up.
  { label: 'timeout', fault: { action: 'ResetAccountPassword', delayMs: READ_TIMEOUT_MS * 3 } },
];

describe('RDS API errors below the attempt limit (SingleUser)', () => {
  it.each(CASES)('$label: retried, then the rotation completes and the new password logs in', async ({ label, fault }) => {
    const name = await setup('SingleUser');
    const injected = bed.rds.faults.injected.length;
    bed.rds.injectFaults({ ...fault, times: MAX_ATTEMPTS - 1 });
    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' });
    await h.pump();
    expect(bed.rds.faults.injected.length - injected).toBe(MAX_ATTEMPTS - 1);
    expect(count('rotation.succeeded')).toBe(1);
    expect(h.eventTypes().filter((t) => t === 'rotation.step.failed')).toHaveLength(MAX_ATTEMPTS - 1);
    const after = await current(name);
    expect(after.versionId).toBe('r1');
    expect(await logsIn(after.value)).toBe(true);
    report.record(`recovered-${label}`, { faultsInjected: MAX_ATTEMPTS - 1, rotationsCompleted: 1, rotationsFailed: 0 });
  });
});

describe('RDS API errors that outlast the attempts (DoubleUsers: ACSCurrent is another account)', () => {
  it.each(CASES)('$label: rotation.failed, ACSCurrent untouched and logging in, the next rotation succeeds', async ({ label, fault }) => {
    const name = await setup('DoubleUsers');
    const before = await current(name);
    bed.rds.injectFaults({ ...fault, times: MAX_ATTEMPTS });
    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' });
    await h.pump();
    expect(count('rotation.failed')).toBe(1);
    expect(count('rotation.succeeded')).toBe(0);
    const failed = h.events.events.find((e) => e.type === 'com.secretrotor.rotation.failed');
    expect((failed?.data.error as { code: string }).code).toMatch(/^Target\.(Unavailable|Timeout)$/);
    expect(await current(name)).toEqual(before);
    expect(await logsIn(before.value)).toBe(true);

    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r2' });
    await h.pump();
    const after = await current(name);
    expect(after.versionId).toBe('r2');
    expect(await logsIn(after.value)).toBe(true);
    expect(await logsIn(before.value)).toBe(true); // DoubleUsers: ACSPrevious keeps working
    report.record(`exhausted-${label}`, { faultsInjected: MAX_ATTEMPTS, rotationsFailed: 1, rotationsCompletedAfterwards: 1 });
  });

  /*
   * SingleUser resets the password ACSCurrent holds. When RDS carries out ResetAccountPassword but
   * every answer is lost (held past the SDK's timeout), failing the rotation would leave ACSCurrent
   * naming a password the database no longer takes. Before giving up, the engine asks the database
   * which value logs in: here the pending one, so the rotation rolls forward.
   */
  it('SingleUser, reset done but every answer lost: rolled forward, ACSCurrent logs in, the old password does not', async () => {
    const name = await setup('SingleUser');
    const before = await current(name);
    bed.rds.injectFaults({ action: 'ResetAccountPassword', delayMs: READ_TIMEOUT_MS * 3, times: MAX_ATTEMPTS });
    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' });
    await h.pump();
    expect(count('rotation.failed')).toBe(0);
    expect(count('rotation.succeeded')).toBe(1);
    const succeeded = h.events.events.find((e) => e.type === 'com.secretrotor.rotation.succeeded');
    expect(succeeded?.data.rolledForward).toMatchObject({ step: 'applyToTarget', error: { code: expect.stringMatching(/^Target\.(Unavailable|Timeout)$/) } });
    const after = await current(name);
    expect(after.versionId).toBe('r1');
    expect(await logsIn(after.value)).toBe(true);
    expect(await logsIn(before.value)).toBe(false);
    const previous = await h.service.getSecretValue({ secretName: secretIdOf(name), versionStage: 'ACSPrevious' });
    expect(previous.version.versionId).toBe(before.versionId);
    report.record('single-user-lost-answers-rolled-forward', { faultsInjected: MAX_ATTEMPTS, rotationsFailed: 0, rotationsCompleted: 1, acsCurrentLogsIn: true });
  });

  it('SingleUser, reset refused every time: rotation.failed, ACSCurrent untouched and logging in, the pending label dropped', async () => {
    const name = await setup('SingleUser');
    const before = await current(name);
    bed.rds.injectFaults({ action: 'ResetAccountPassword', code: 'ServiceUnavailable', status: 503, times: MAX_ATTEMPTS });
    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' });
    await h.pump();
    expect(count('rotation.failed')).toBe(1);
    const failed = h.events.events.find((e) => e.type === 'com.secretrotor.rotation.failed');
    expect((failed?.data.error as { code: string }).code).toBe('Target.Unavailable');
    expect(await current(name)).toEqual(before);
    expect(await logsIn(before.value)).toBe(true);
    expect((await h.service.describeSecret(secretIdOf(name))).stages).toEqual({ ACSCurrent: before.versionId });
  });

  it('counts every fault served', () => {
    report.record('totals', { faultsInjectedByKind: bed.rds.faults.counts(), faultsInjected: bed.rds.faults.injected.length });
    expect(bed.rds.faults.counts()).toMatchObject({ throttling: 5, '5xx': 10 + MAX_ATTEMPTS, timeout: 5 + MAX_ATTEMPTS });
  });
});
