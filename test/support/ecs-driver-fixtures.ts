/**
 * Driver-contract fixtures for the managed ECS secret driver: the Linux-host fixtures' throwaway
 * users on the test sshd (logins are real), with an ECS secret whose instance is this machine as
 * the ECS OpenAPI test server runs it.
 */
import { randomBytes } from 'node:crypto';
import { EcsSecretDriver } from '../../shared/adapters/drivers/ecs/ecs-secret-driver.js';
import { sdkCloudAssistant } from '../../shared/adapters/drivers/ecs/cloud-assistant.js';
import { RedactingDriver } from '../../shared/adapters/drivers/redacting-driver.js';
import type { DriverSecret, TargetDriver } from '../../shared/ports/target-driver.js';
import type { DriverFixture, DriverFixtureFactory } from '../contract/target-driver.contract.js';
import type { EcsOpenApiTestServer } from './ecs-openapi-server/index.js';
import { sshFixture, type SshFixture } from './ssh-driver-fixtures.js';
import type { SshdServer } from './sshd.js';

export const ECS_REGION = 'cn-hangzhou';
export const LINUX_INSTANCE = 'i-linuxtesthost';
export const WINDOWS_INSTANCE = 'i-windowstesthost';

export const addTestInstances = (ecs: EcsOpenApiTestServer): void => {
  ecs.addInstance({ instanceId: LINUX_INSTANCE, regionId: ECS_REGION, osType: 'linux' });
  ecs.addInstance({ instanceId: WINDOWS_INSTANCE, regionId: ECS_REGION, osType: 'windows' });
};

/** The driver as the runtime builds it, pointed at the test server; polls often so tests stay quick. */
export const ecsDriverFor = (ecs: EcsOpenApiTestServer): TargetDriver =>
  new RedactingDriver(
    new EcsSecretDriver({
      cloudAssistant: sdkCloudAssistant({ credentials: () => ecs.manager, endpoint: `http://${ecs.endpoint}`, pollIntervalMs: 20, waitMs: 120_000 }),
    }),
  );

export const ecsSecret = (subType: 'Password' | 'SSHKey', instanceId = LINUX_INSTANCE): DriverSecret => ({
  name: `acs/ecs/${subType.toLowerCase()}-${randomBytes(4).toString('hex')}`,
  type: 'ECS',
  extendedConfig: { SecretSubType: subType, RegionId: ECS_REGION, InstanceId: instanceId },
});

export const ecsFixture = async (s: SshdServer, ecs: EcsOpenApiTestServer, subType: 'Password' | 'SSHKey', hostileNames: boolean): Promise<SshFixture> => {
  const driver = ecsDriverFor(ecs);
  const base = await sshFixture(s, subType === 'Password' ? 'LinuxPassword' : 'LinuxSSHKey', hostileNames, () => driver);
  return { ...base, secret: ecsSecret(subType) };
};

export const ecsFixtures =
  (server: () => SshdServer, ecs: () => EcsOpenApiTestServer, subType: 'Password' | 'SSHKey'): DriverFixtureFactory =>
  async (options) => (await ecsFixture(server(), ecs(), subType, options.hostileNames)) as DriverFixture;
