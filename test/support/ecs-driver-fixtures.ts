/**
 * Driver-contract fixtures for the managed ECS secret driver: the Linux-host fixtures' throwaway
 * users on the test sshd (logins are real), with an ECS secret whose instance is this machine as
 * the ECS OpenAPI test server runs it. For its Windows instance, whose instance side is emulated,
 * the Password fixtures below.
 */
import { randomBytes } from 'node:crypto';
import { EcsSecretDriver } from '../../shared/adapters/drivers/ecs/ecs-secret-driver.js';
import { sdkCloudAssistant } from '../../shared/adapters/drivers/ecs/cloud-assistant.js';
import { RedactingDriver } from '../../shared/adapters/drivers/redacting-driver.js';
import type { DriverSecret, TargetDriver } from '../../shared/ports/target-driver.js';
import type { DriverFixture, DriverFixtureFactory } from '../contract/target-driver.contract.js';
import type { EcsOpenApiTestServer } from './ecs-openapi-server/index.js';
import { sshFixture, type SshFixture } from './ssh-driver-fixtures.js';
import { HOSTILE_PASSWORD_CORE, randomSecret } from './sql-driver-fixtures.js';
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

export interface WindowsPasswordFixture extends DriverFixture {
  userName: string;
}

/** A local account name of at most 20 characters; hostile ones carry PowerShell's quoting and expansion traps. */
export const windowsUserName = (hostile: boolean): string => `${hostile ? "o'b $(x)&{y}%" : 'rotor'}${randomBytes(2).toString('hex')}`;

const windowsLogin = (value: string): { UserName: string; Password: string } => JSON.parse(value) as { UserName: string; Password: string };

/**
 * A Password secret for the test server's Windows instance. Its logins are checked against the
 * emulated instance's account store (see ecs-openapi-server/windows-instance.ts): the instance
 * side is emulated, the driver and the wire are real.
 */
export const windowsPasswordFixture = (ecs: EcsOpenApiTestServer, hostileNames: boolean): WindowsPasswordFixture => {
  const instance = ecs.windows(WINDOWS_INSTANCE);
  const userName = windowsUserName(hostileNames);
  const initial = { UserName: userName, Password: randomSecret() };
  instance.addUser(userName, initial.Password);
  return {
    userName,
    driver: ecsDriverFor(ecs),
    secret: ecsSecret('Password', WINDOWS_INSTANCE),
    initialValue: JSON.stringify(initial),
    strategy: 'single',
    logsIn: async (value) => {
      const login = windowsLogin(value);
      return instance.logsIn(login.UserName, login.Password);
    },
    withWrongSecret: (value) => JSON.stringify({ UserName: windowsLogin(value).UserName, Password: `Wrong-${randomSecret()}` }),
    hostileCustomValue: () => JSON.stringify({ UserName: userName, Password: `${HOSTILE_PASSWORD_CORE}${randomSecret()}` }),
    accountOf: (value) => windowsLogin(value).UserName,
    cleanup: async () => instance.removeUser(userName),
  };
};

export const windowsPasswordFixtures =
  (ecs: () => EcsOpenApiTestServer): DriverFixtureFactory =>
  async (options) => windowsPasswordFixture(ecs(), options.hostileNames);
