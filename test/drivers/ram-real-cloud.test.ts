/**
 * The RAM AccessKey driver against a real Alibaba Cloud account. Skipped unless
 * ROTOR_TEST_RAM_USER_NAME and ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET are set: the credential must be
 * allowed to manage that user's AccessKeys (AliyunRAMFullAccess), and the user must be a throwaway
 * one that has NO AccessKey when the test starts (the test creates and deletes keys of it and
 * leaves none). ROTOR_RAM_ENDPOINT overrides the endpoint.
 *
 * The shared driver contract does not run here: it issues keys with chosen secrets (real RAM does
 * not) and expects a deleted key to be refused at once (real RAM takes a while). This suite runs
 * the same rotation order and checks RAM's own key list, which is authoritative.
 */
import { describe, expect, it } from 'vitest';
import { RamAccessKeyDriver } from '../../shared/adapters/drivers/ram/ram-access-key-driver.js';
import { formatAccessKey } from '../../shared/adapters/drivers/ram/access-key-value.js';
import { sdkRamApi } from '../../shared/adapters/drivers/ram/ram-api.js';
import type { DriverSecret } from '../../shared/ports/target-driver.js';
import { idOf } from '../support/ram-driver-fixtures.js';

const userName = process.env.ROTOR_TEST_RAM_USER_NAME;
const manager = { accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '', accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '' };
const endpoint = process.env.ROTOR_RAM_ENDPOINT;
const hasRealRam = Boolean(userName && manager.accessKeyId && manager.accessKeySecret);

describe.skipIf(!hasRealRam)(
  'RAM AccessKey driver against real RAM (skipped unless ROTOR_TEST_RAM_USER_NAME and ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET are set)',
  () => {
    it('rotates twice: the new key authenticates, the user never holds more than two keys, finalize and cleanup leave only ACSCurrent', async () => {
      const user = userName as string;
      const api = sdkRamApi(endpoint ? { endpoint } : {})(manager);
      expect(await api.listAccessKeys(user), 'the test user must start with no AccessKey').toEqual([]);
      const driver = new RamAccessKeyDriver({ credentials: () => manager, ...(endpoint ? { endpoint } : {}), verifyAttempts: 8 });
      const secret: DriverSecret = { name: `acs/ram/user/${user}`, type: 'RAMCredentials', extendedConfig: { SecretSubType: 'RamUserAccessKey', UserName: user } };
      const first = await api.createAccessKey(user);
      let current = formatAccessKey({ AccessKeyId: first.accessKeyId, AccessKeySecret: first.accessKeySecret }, first.createDate);
      let previous: string | null = null;
      try {
        for (let i = 0; i < 2; i++) {
          const { value } = await driver.generate({ secret, currentValue: current, previousValue: previous });
          expect((await api.listAccessKeys(user)).length).toBeLessThanOrEqual(2);
          await driver.apply();
          await driver.verify({ secret, pendingValue: value });
          await driver.finalize({ secret, newCurrentValue: value, newPreviousValue: current });
          [previous, current] = [current, value];
        }
        await driver.cleanup({ secret, retiredValue: previous as string, currentValue: current });
        expect((await api.listAccessKeys(user)).map((k) => k.accessKeyId)).toEqual([idOf(current)]);
      } finally {
        for (const key of await api.listAccessKeys(user)) {
          await api.updateAccessKey(user, key.accessKeyId, 'Inactive');
          await api.deleteAccessKey(user, key.accessKeyId);
        }
      }
    }, 180_000);
  },
);
