/**
 * The managed RDS driver (`@alicloud/rds20140815` against the RDS OpenAPI test server, which
 * applies every change to a real database) through the shared driver contract: SingleUser and
 * DoubleUsers on PostgreSQL, and on the machine's MariaDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverSecret } from '../../shared/ports/target-driver.js';
import { targetDriverContract } from '../contract/target-driver.contract.js';
import { isValidRdsPassword } from '../support/rds-openapi-server/index.js';
import {
  isMysqlReachable,
  POSTGRES_INSTANCE,
  rdsFixtures,
  rdsPassword,
  startRdsTestbed,
  uniqueTag,
  type RdsTestbed,
} from '../support/rds-testbed.js';

let bed: RdsTestbed;
// MariaDB is ensured by `npm test` (.ci/run); when it is down the MySQL suites fail loudly rather than skip.
beforeAll(async () => {
  bed = await startRdsTestbed({ mysql: await isMysqlReachable() });
}, 120_000);
afterAll(async () => bed?.stop());

targetDriverContract('managed RDS, PostgreSQL, SingleUser', rdsFixtures(() => bed, 'PostgreSQL', 'SingleUser'));
targetDriverContract('managed RDS, PostgreSQL, DoubleUsers', rdsFixtures(() => bed, 'PostgreSQL', 'DoubleUsers'));
targetDriverContract('managed RDS, MariaDB, SingleUser', rdsFixtures(() => bed, 'MySQL', 'SingleUser'));
targetDriverContract('managed RDS, MariaDB, DoubleUsers', rdsFixtures(() => bed, 'MySQL', 'DoubleUsers'));

describe('managed RDS driver: preflight and confused-deputy checks', () => {
  const secret = (extendedConfig: Record<string, unknown>): DriverSecret => ({ name: 'rds/checks', type: 'Rds', extendedConfig });
  const value = (AccountName: string, AccountPassword: string) => JSON.stringify({ AccountName, AccountPassword });

  it('preflight reports an unknown instance, a missing account and a wrong ACSCurrent as failed checks, changing nothing', async () => {
    const driver = bed.driver();
    const unknown = await driver.preflight({ secret: secret({ SecretSubType: 'SingleUser', DBInstanceId: 'rm-doesnotexist' }), currentValue: null });
    expect(unknown.checks.find((c) => c.name === 'instance')).toMatchObject({ ok: false });
    const config = { SecretSubType: 'SingleUser', DBInstanceId: POSTGRES_INSTANCE };
    const missing = await driver.preflight({ secret: secret(config), currentValue: value('no_such_account', rdsPassword()) });
    expect(missing.checks.find((c) => c.name === 'account')).toMatchObject({ ok: false });
    const name = `pre${uniqueTag()}`;
    const password = rdsPassword();
    await bed.createAccount('PostgreSQL', name, password);
    const wrong = rdsPassword();
    const wrongLogin = await driver.preflight({ secret: secret(config), currentValue: value(name, wrong) });
    expect(wrongLogin.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['current-login']);
    expect(JSON.stringify(wrongLogin)).not.toContain(wrong);
    expect(await bed.logsIn('PostgreSQL', value(name, password))).toBe(true);
    await bed.dropAccount('PostgreSQL', name);
  });

  it('never resets the account in use (DoubleUsers) or another account (SingleUser)', async () => {
    const driver = bed.driver();
    const before = bed.rds.calls.length;
    const dual = secret({ SecretSubType: 'DoubleUsers', DBInstanceId: POSTGRES_INSTANCE });
    const current = value('app_a', rdsPassword());
    const previous = value('app_b', rdsPassword());
    await expect(
      driver.apply({ secret: dual, pendingValue: value('app_a', rdsPassword()), currentValue: current, previousValue: previous }),
    ).rejects.toMatchObject({ code: 'Target.AccountMismatch' });
    await expect(
      driver.apply({ secret: dual, pendingValue: value('app_c', rdsPassword()), currentValue: current, previousValue: previous }),
    ).rejects.toMatchObject({ code: 'Target.AccountMismatch' });
    const single = secret({ SecretSubType: 'SingleUser', DBInstanceId: POSTGRES_INSTANCE });
    await expect(
      driver.apply({ secret: single, pendingValue: value('app_b', rdsPassword()), currentValue: current, previousValue: null }),
    ).rejects.toMatchObject({ code: 'Target.AccountMismatch' });
    expect(bed.rds.calls.length).toBe(before);
    const generated = await driver.generate({ secret: dual, currentValue: current, previousValue: previous });
    expect(JSON.parse(generated.value).AccountName).toBe('app_b');
    expect(isValidRdsPassword(JSON.parse(generated.value).AccountPassword)).toBe(true);
  });

  it('validateConfig names the bad ExtendedConfig field', () => {
    const driver = bed.driver();
    const fieldOf = (config: Record<string, unknown>) => {
      try {
        driver.validateConfig(secret(config));
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(fieldOf({ SecretSubType: 'Triple', DBInstanceId: POSTGRES_INSTANCE })).toContain('SecretSubType');
    expect(fieldOf({ SecretSubType: 'SingleUser' })).toContain('DBInstanceId');
    expect(fieldOf({ SecretSubType: 'SingleUser', DBInstanceId: 'rm-x; DROP' })).toContain('DBInstanceId');
    const create = (fields: Record<string, unknown>, strategy = 'DoubleUsers') => fieldOf({ SecretSubType: strategy, DBInstanceId: POSTGRES_INSTANCE, CreateAccounts: fields });
    expect(create({ AccountName: 'Bad-Name', DBName: 'orders', Privilege: 'ReadWrite' })).toContain('CreateAccounts.AccountName');
    expect(create({ AccountName: 'a'.repeat(28), DBName: 'orders', Privilege: 'ReadWrite' })).toContain('CreateAccounts.AccountName');
    expect(create({ AccountName: 'app', DBName: 'orders', Privilege: 'Everything' })).toContain('CreateAccounts.Privilege');
    expect(create({ AccountName: 'app', Privilege: 'ReadOnly' })).toContain('CreateAccounts.DBName');
    expect(create({ AccountName: 'app', AccountType: 'Super' })).toContain('CreateAccounts.AccountType');
    expect(create({ AccountName: 'app', AccountType: 'Super' }, 'SingleUser')).toBeNull();
    expect(fieldOf({ SecretSubType: 'SingleUser', DBInstanceId: POSTGRES_INSTANCE, PasswordProfile: { PasswordLength: 64 } })).toContain('PasswordLength');
    expect(fieldOf({ SecretSubType: 'SingleUser', DBInstanceId: POSTGRES_INSTANCE, Surprise: 1 })).toContain('Surprise');
  });
});
