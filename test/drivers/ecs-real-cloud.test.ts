/**
 * The managed ECS secret driver against a real ECS instance through real Cloud Assistant. Skipped
 * unless ROTOR_TEST_ECS_INSTANCE_ID, ROTOR_TEST_ECS_REGION_ID, ROTOR_TEST_ECS_USER_NAME and
 * ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET are set: a Linux instance with Cloud Assistant running, a
 * throwaway user on it (its password and this test's managed block in its authorized_keys are
 * changed), and a credential allowed ecs:DescribeInstances, ecs:RunCommand and
 * ecs:DescribeInvocationResults. ROTOR_ECS_ENDPOINT overrides the regional endpoint.
 *
 * The driver's verify reads the change back from the instance, so it is the proof here; no SSH
 * login is attempted (the instance need not be reachable from where the test runs).
 *
 * Windows passwords likewise, when ROTOR_TEST_ECS_WINDOWS_INSTANCE_ID and
 * ROTOR_TEST_ECS_WINDOWS_USER_NAME name a Windows Server 2016+ instance and a throwaway local user
 * on it (its password is changed; one failed logon is spent on purpose).
 */
import { describe, expect, it } from 'vitest';
import { sdkCloudAssistant } from '../../shared/adapters/drivers/ecs/cloud-assistant.js';
import { EcsSecretDriver } from '../../shared/adapters/drivers/ecs/ecs-secret-driver.js';
import { RedactingDriver } from '../../shared/adapters/drivers/redacting-driver.js';
import type { DriverSecret } from '../../shared/ports/target-driver.js';

const instanceId = process.env.ROTOR_TEST_ECS_INSTANCE_ID;
const regionId = process.env.ROTOR_TEST_ECS_REGION_ID;
const userName = process.env.ROTOR_TEST_ECS_USER_NAME;
const manager = { accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '', accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '' };
const endpoint = process.env.ROTOR_ECS_ENDPOINT;
const hasRealEcs = Boolean(instanceId && regionId && userName && manager.accessKeyId && manager.accessKeySecret);

describe.skipIf(!hasRealEcs)(
  'managed ECS secrets against real Cloud Assistant (skipped unless ROTOR_TEST_ECS_INSTANCE_ID, ROTOR_TEST_ECS_REGION_ID, ROTOR_TEST_ECS_USER_NAME and ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET are set)',
  () => {
    const driver = new RedactingDriver(new EcsSecretDriver({ cloudAssistant: sdkCloudAssistant({ credentials: () => manager, ...(endpoint ? { endpoint } : {}) }) }));
    const secretOf = (subType: 'Password' | 'SSHKey'): DriverSecret => ({
      name: `acs/ecs/secret-rotor-test-${subType.toLowerCase()}`,
      type: 'ECS',
      extendedConfig: { SecretSubType: subType, RegionId: regionId, InstanceId: instanceId },
    });

    for (const subType of ['Password', 'SSHKey'] as const) {
      it(`${subType}: preflight passes, then two rotations apply, verify on the instance and finalize`, async () => {
        const secret = secretOf(subType);
        let current = JSON.stringify({ UserName: userName, Password: 'invalid-initial-value' });
        const { checks } = await driver.preflight({ secret, currentValue: current });
        expect(checks.filter((c) => !c.ok)).toEqual([]);
        for (let i = 0; i < 2; i++) {
          const { value } = await driver.generate({ secret, currentValue: current, previousValue: null });
          await driver.apply({ secret, pendingValue: value, currentValue: current, previousValue: null });
          await driver.verify({ secret, pendingValue: value });
          await driver.finalize({ secret, newCurrentValue: value, newPreviousValue: current });
          current = value;
        }
      }, 600_000);
    }
  },
);

const windowsInstanceId = process.env.ROTOR_TEST_ECS_WINDOWS_INSTANCE_ID;
const windowsUserName = process.env.ROTOR_TEST_ECS_WINDOWS_USER_NAME;
const hasRealWindows = Boolean(windowsInstanceId && regionId && windowsUserName && manager.accessKeyId && manager.accessKeySecret);

// The only place the Windows PowerShell scripts run on Windows: the other Windows tests emulate the instance side.
describe.skipIf(!hasRealWindows)(
  'managed ECS Windows passwords against real Cloud Assistant (skipped unless ROTOR_TEST_ECS_WINDOWS_INSTANCE_ID, ROTOR_TEST_ECS_REGION_ID, ROTOR_TEST_ECS_WINDOWS_USER_NAME and ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET are set)',
  () => {
    const driver = new RedactingDriver(new EcsSecretDriver({ cloudAssistant: sdkCloudAssistant({ credentials: () => manager, ...(endpoint ? { endpoint } : {}) }) }));
    const secret: DriverSecret = {
      name: 'acs/ecs/secret-rotor-test-windows-password',
      type: 'ECS',
      extendedConfig: { SecretSubType: 'Password', RegionId: regionId, InstanceId: windowsInstanceId },
    };

    it('Password: preflight passes, then two rotations set the password and verify it with a logon on the instance; a wrong one fails verify', async () => {
      let current = JSON.stringify({ UserName: windowsUserName, Password: 'invalid-initial-value' });
      const { checks } = await driver.preflight({ secret, currentValue: current });
      expect(checks.filter((c) => !c.ok)).toEqual([]);
      for (let i = 0; i < 2; i++) {
        const { value } = await driver.generate({ secret, currentValue: current, previousValue: null });
        await driver.apply({ secret, pendingValue: value, currentValue: current, previousValue: null });
        await driver.verify({ secret, pendingValue: value });
        await driver.finalize({ secret, newCurrentValue: value, newPreviousValue: current });
        current = value;
      }
      await expect(driver.verify({ secret, pendingValue: JSON.stringify({ UserName: windowsUserName, Password: 'Not-the-password-1' }) })).rejects.toMatchObject({
        code: 'Target.VerificationFailed',
      });
    }, 600_000);
  },
);
