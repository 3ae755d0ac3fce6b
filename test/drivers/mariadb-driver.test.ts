/**
 * The MySQL/MariaDB driver against the MariaDB server on this machine (scripts/ensure-mariadb.sh
 * starts it): the driver contract for both strategies, then what is specific to MySQL/MariaDB.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMysqlDriver } from '../../shared/adapters/drivers/sql/drivers.js';
import type { TargetFailureReport } from '../../shared/adapters/drivers/redacting-driver.js';
import { TargetError } from '../../shared/domain/errors.js';
import { targetDriverContract, type DriverFixture } from '../contract/target-driver.contract.js';
import { adminQuery, connectMysqlAdmin } from '../support/mariadb.js';
import { mysqlFixtures, randomSecret } from '../support/sql-driver-fixtures.js';

targetDriverContract('MariaDB SingleUser', mysqlFixtures('SingleUser'));
targetDriverContract('MariaDB DoubleUsers', mysqlFixtures('DoubleUsers'));

const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => null,
    (e: unknown) => e,
  );

describe('MariaDB specifics', () => {
  let f: DriverFixture;
  afterEach(async () => f?.cleanup());

  it('verify proves the pending account logs in with the group role active by default', async () => {
    f = await mysqlFixtures('DoubleUsers')({ hostileNames: false });
    const { secret, driver, initialValue } = f;
    const { value } = await driver.generate({ secret, currentValue: initialValue, previousValue: null });
    await driver.apply({ secret, pendingValue: value, currentValue: initialValue, previousValue: null });
    await expect(driver.verify({ secret, pendingValue: value })).resolves.toEqual({});
    // The account that was in use before the first rotation now takes its privileges from the group too.
    expect(await f.usesGroupPrivileges!(initialValue)).toBe(true);
    expect(await f.usesGroupPrivileges!(value)).toBe(true);
  });

  it('DoubleUsers refuses a pending value for an account that is not the partner of ACSCurrent', async () => {
    f = await mysqlFixtures('DoubleUsers')({ hostileNames: false });
    const pending = JSON.stringify({ AccountName: 'root', AccountPassword: randomSecret() });
    const error = await errorOf(f.driver.apply({ secret: f.secret, pendingValue: pending, currentValue: f.initialValue, previousValue: null }));
    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({ code: 'Target.AccountMismatch', retryable: false });
    expect((error as Error).message).not.toContain(JSON.parse(pending).AccountPassword);
  });

  it('DoubleUsers changes nothing while the account in use is missing: the other account keeps its password and grants', async () => {
    f = await mysqlFixtures('DoubleUsers')({ hostileNames: false });
    const current = JSON.parse(f.initialValue) as { AccountName: string };
    const other = { AccountName: `${current.AccountName}_clone`, AccountPassword: randomSecret() };
    const admin = await connectMysqlAdmin();
    try {
      await adminQuery(admin, 'CREATE USER ?@? IDENTIFIED BY ?', [other.AccountName, '%', other.AccountPassword]);
      await adminQuery(admin, 'DROP USER ?@?', [current.AccountName, '%']);
    } finally {
      await admin.end();
    }
    const { value } = await f.driver.generate({ secret: f.secret, currentValue: f.initialValue, previousValue: null });
    expect(JSON.parse(value).AccountName).toBe(other.AccountName);
    // MySQL DDL commits statement by statement: a late discovery would leave the other account reset.
    const error = await errorOf(f.driver.apply({ secret: f.secret, pendingValue: value, currentValue: f.initialValue, previousValue: null }));
    expect(error).toMatchObject({ code: 'Target.InvalidAccount', retryable: false });
    expect(await f.logsIn(JSON.stringify(other))).toBe(true);
    expect(await f.logsIn(value)).toBe(false);
    expect(await f.usesGroupPrivileges!(JSON.stringify(other))).toBe(false);
  });

  it('preflight reports a managing account without CREATE USER as a failed check', async () => {
    f = await mysqlFixtures('SingleUser')({ hostileNames: false });
    const unprivileged = createMysqlDriver({ resolveSecret: async () => f.initialValue });
    const checks = (await unprivileged.preflight({ secret: f.secret, currentValue: f.initialValue })).checks;
    expect(checks.find((c) => c.name === 'manager-login')).toMatchObject({ ok: true });
    expect(checks.find((c) => c.name === 'manage-accounts')).toMatchObject({ ok: false });
    expect(JSON.stringify(checks)).not.toContain(JSON.parse(f.initialValue).AccountPassword);
  });

  it('a wrong managing password fails apply with Target.Unavailable (the cause in the operator log) that does not quote it', async () => {
    f = await mysqlFixtures('SingleUser')({ hostileNames: false });
    const wrongManager = JSON.stringify({ AccountName: 'root', AccountPassword: 'Not-The-Root-Password-1' });
    const reports: TargetFailureReport[] = [];
    const driver = createMysqlDriver({ resolveSecret: async () => wrongManager, operatorLog: (r) => reports.push(r) });
    const { value } = await driver.generate({ secret: f.secret, currentValue: f.initialValue });
    const error = await errorOf(driver.apply({ secret: f.secret, pendingValue: value, currentValue: f.initialValue, previousValue: null }));
    expect(error).toMatchObject({ code: 'Target.Unavailable', retryable: true });
    expect((error as Error).message).not.toContain('Not-The-Root-Password-1');
    expect(reports).toMatchObject([{ driver: 'mysql', operation: 'apply', cause: 'Target.AuthenticationFailed' }]);
    expect(await f.logsIn(f.initialValue)).toBe(true);
  });
});
