/**
 * The managed RDS driver contract against a real Alibaba Cloud RDS instance. Runs only when
 * ROTOR_TEST_RDS_INSTANCE_ID and ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET
 * (optionally ALIBABA_CLOUD_SECURITY_TOKEN, ROTOR_RDS_ENDPOINT) are set, and the machine can reach
 * the instance's connection address (the test logs in for real). Accounts are created with
 * CreateAccount under a random `rotortest` name and removed with DeleteAccount.
 */
import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import { createRdsDriver, rdsConnectionFromEnv } from '../../shared/adapters/drivers/rds/drivers.js';
import { loginToInstance } from '../../shared/adapters/drivers/rds/instance-login.js';
import { createRdsAccountsApi } from '../../shared/adapters/drivers/rds/rds-api.js';
import { classifyError } from '../../shared/adapters/drivers/classify-error.js';
import { partnerAccount, requireAccountCredential, type AccountStrategy } from '../../shared/domain/database-accounts.js';
import { invocationCredentials } from '../../shared/runtime/invocation-credentials.js';
import { targetDriverContract, type DriverFixtureFactory } from '../contract/target-driver.contract.js';
import { HOSTILE_RDS_PASSWORD, rdsPassword } from '../support/rds-testbed.js';

const instanceId = process.env.ROTOR_TEST_RDS_INSTANCE_ID;
const hasCredentials = Boolean(process.env.ALIBABA_CLOUD_ACCESS_KEY_ID && process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET);
// Without a real instance and credentials there is nothing to run against; the same contract runs
// against the RDS OpenAPI test server in rds-driver.test.ts.
const configured = Boolean(instanceId) && hasCredentials;

const cloudFixtures =
  (strategy: AccountStrategy): DriverFixtureFactory =>
  // Hostile names cannot exist on RDS (CreateAccount allows lowercase, digits and _), so both variants use valid names.
  async () => {
    const id = instanceId as string;
    const credentials = () => invocationCredentials();
    const api = createRdsAccountsApi(credentials, rdsConnectionFromEnv());
    const instance = await api.describeInstance(id);
    const account = `rotortest${randomBytes(4).toString('hex')}`;
    const twin = partnerAccount(account);
    const initialPassword = rdsPassword();
    const names = strategy === 'DoubleUsers' ? [account, twin] : [account];
    for (const name of names)
      await api.createAccount({ instanceId: id, accountName: name, password: name === account ? initialPassword : rdsPassword(), accountType: 'Normal' });
    const logsIn = async (value: string) => {
      const { AccountName, AccountPassword } = requireAccountCredential(value, 'value');
      try {
        await loginToInstance({ instance, timeoutMs: 10_000 }, AccountName, AccountPassword);
        return true;
      } catch (error) {
        if (classifyError(error).code === 'Target.AuthenticationFailed') return false;
        throw error;
      }
    };
    return {
      driver: createRdsDriver({ credentials, connection: rdsConnectionFromEnv() }),
      secret: { name: `rds/cloud/${account}`, type: 'Rds', extendedConfig: { SecretSubType: strategy, DBInstanceId: id } },
      initialValue: JSON.stringify({ AccountName: account, AccountPassword: initialPassword }),
      strategy: strategy === 'DoubleUsers' ? 'dual' : 'single',
      logsIn,
      withWrongSecret: (value) => JSON.stringify({ AccountName: requireAccountCredential(value, 'value').AccountName, AccountPassword: rdsPassword() }),
      hostileCustomValue: (current) => {
        const name = requireAccountCredential(current, 'current').AccountName;
        return JSON.stringify({ AccountName: strategy === 'DoubleUsers' ? partnerAccount(name) : name, AccountPassword: HOSTILE_RDS_PASSWORD });
      },
      accountOf: (value) => requireAccountCredential(value, 'value').AccountName,
      cleanup: async () => {
        for (const name of names) await api.deleteAccount(id, name).catch(() => undefined);
      },
    };
  };

describe.skipIf(!configured)('managed RDS against a real instance (ROTOR_TEST_RDS_INSTANCE_ID and cloud credentials set)', () => {
  targetDriverContract('managed RDS, real instance, SingleUser', cloudFixtures('SingleUser'));
  targetDriverContract('managed RDS, real instance, DoubleUsers', cloudFixtures('DoubleUsers'));
});
