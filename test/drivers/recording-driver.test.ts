/**
 * The in-memory RecordingDriver the engine tests rely on passes the same driver contract as the
 * real drivers (a single credential replaced in place), so engine tests over it mean something.
 * GeneratedPasswordDriver does not run it: it has no target, so nothing can refuse a wrong value.
 */
import { targetDriverContract } from '../contract/target-driver.contract.js';
import { HOSTILE_PASSWORD_CORE } from '../support/sql-driver-fixtures.js';
import { RecordingDriver } from '../support/recording-driver.js';

targetDriverContract('RecordingDriver', async () => {
  const driver = new RecordingDriver();
  const initialValue = 'initial-credential';
  driver.applied = initialValue;
  return {
    driver,
    secret: { name: 'recorded', type: 'Generic', extendedConfig: { SecretSubType: 'Recorded' } },
    initialValue,
    strategy: 'single',
    logsIn: async (value) => driver.applied === value,
    withWrongSecret: (value) => `${value}-wrong`,
    hostileCustomValue: () => `${HOSTILE_PASSWORD_CORE}custom`,
    accountOf: () => null,
    cleanup: async () => undefined,
  };
});
