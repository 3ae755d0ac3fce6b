/**
 * ECS API errors injected into the ECS OpenAPI test server while the real engine rotates a managed
 * ECS SSHKey secret through the official ECS SDK and Cloud Assistant scripts run on this machine,
 * with real SSH logins on the test sshd: throttling on RunCommand is retried and the rotation
 * completes; 503s that outlast the attempts (on RunCommand, or on DescribeInvocationResults after
 * the script ran) fail the rotation cleanly, and ACSCurrent still logs in. Root only, as the other
 * Linux-host tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTestInstances, ecsDriverFor, ECS_REGION, LINUX_INSTANCE } from '../support/ecs-driver-fixtures.js';
import { startEcsOpenApiServer, type EcsOpenApiTestServer } from '../support/ecs-openapi-server/index.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { keyPairValue, writeAuthorizedKeys } from '../support/ssh-driver-fixtures.js';
import {
  createLinuxUser,
  ed25519Pair,
  randomUserName,
  sshdUnavailableReason,
  sshLogsIn,
  startSshd,
  type LinuxUser,
  type SshdServer,
  type SshLoginValue,
} from '../support/sshd.js';
import { createFaultReport } from './fault-artifacts.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const skipReason = sshdUnavailableReason();
const MAX_ATTEMPTS = 3;
const report = createFaultReport('target-errors-ecs');

describe.skipIf(skipReason !== null)(`ECS API errors during rotations${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let sshd: SshdServer;
  let ecs: EcsOpenApiTestServer;
  let h: Harness;
  const users: LinuxUser[] = [];
  let secrets = 0;

  beforeAll(async () => {
    sshd = await startSshd();
    ecs = await startEcsOpenApiServer();
    addTestInstances(ecs);
    h = await createHarness({ drivers: [ecsDriverFor(ecs)], settings: { maxStepAttempts: MAX_ATTEMPTS, retryBaseSeconds: 2, retryMaxSeconds: 60 } });
  }, 60_000);

  afterAll(async () => {
    report.write();
    await h?.close();
    for (const user of users) await user.remove();
    await ecs?.stop();
    await sshd?.stop();
  });

  const logsIn = (value: string) => sshLogsIn(sshd, JSON.parse(value) as SshLoginValue);
  const current = async (name: string) => {
    const view = await h.service.getSecretValue({ secretName: secretIdOf(name), versionStage: 'ACSCurrent' });
    return { versionId: view.version.versionId, value: view.secretData };
  };
  const count = (name: string, type: string) => h.events.events.filter((e) => e.subject === name && e.type === `com.secretrotor.${type}`).length;

  const keySecret = async () => {
    const user = await createLinuxUser(randomUserName(false));
    users.push(user);
    const first = ed25519Pair('initial');
    writeAuthorizedKeys(user, `${first.publicKey}\n`);
    const name = `acs/ecs/fault-${++secrets}/key`;
    await h.service.createSecret({
      secretName: name,
      versionId: 'v0',
      secretData: keyPairValue(user.name, first),
      secretType: 'ECS',
      extendedConfig: JSON.stringify({ SecretSubType: 'SSHKey', RegionId: ECS_REGION, InstanceId: LINUX_INSTANCE }),
    });
    return name;
  };

  it('throttled RunCommand (400 Throttling) twice: retried, the rotation completes, the new key logs in', async () => {
    const name = await keySecret();
    ecs.injectFaults({ action: 'RunCommand', code: 'Throttling', status: 400, times: MAX_ATTEMPTS - 1 });
    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' });
    await h.pump();
    expect(count(name, 'rotation.succeeded')).toBe(1);
    expect(count(name, 'rotation.step.failed')).toBe(MAX_ATTEMPTS - 1);
    const after = await current(name);
    expect(after.versionId).toBe('r1');
    expect(await logsIn(after.value)).toBe(true);
    report.record('recovered-throttling-RunCommand', { faultsInjected: MAX_ATTEMPTS - 1, rotationsCompleted: 1, rotationsFailed: 0 });
  }, 60_000);

  it.each([
    { action: 'RunCommand', label: 'before the script runs' },
    { action: 'DescribeInvocationResults', label: 'after the script ran' },
  ])('503 on $action ($label) on every attempt: rotation.failed, ACSCurrent untouched and logging in, the next rotation succeeds', async ({ action }) => {
    const name = await keySecret();
    const before = await current(name);
    const injected = ecs.faults.injected.length;
    ecs.injectFaults({ action, code: 'ServiceUnavailable', status: 503, times: 1_000 });
    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' });
    await h.pump();
    ecs.faults.clear();
    const served = ecs.faults.injected.length - injected;
    expect(count(name, 'rotation.failed')).toBe(1);
    expect(count(name, 'rotation.succeeded')).toBe(0);
    expect(await current(name)).toEqual(before);
    expect(await logsIn(before.value)).toBe(true);

    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r2' });
    await h.pump();
    const after = await current(name);
    expect(after.versionId).toBe('r2');
    expect(await logsIn(after.value)).toBe(true);
    report.record(`exhausted-503-${action}`, { faultsInjected: served, rotationsFailed: 1, rotationsCompletedAfterwards: 1 });
  }, 60_000);
});
