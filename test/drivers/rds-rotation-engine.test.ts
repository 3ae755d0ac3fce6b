/**
 * The real service (SQLite store and queue, local master key, queue pump) with the managed RDS
 * driver, the official RDS SDK and the RDS OpenAPI test server in front of a real PostgreSQL.
 * Covers one-click creation (accounts made only once the create is confirmed), import of existing
 * accounts (a wrong imported password is healed by the first rotation), and rotations where
 * ACSCurrent (and, for DoubleUsers, ACSPrevious) log in for real and older values do not.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAccountCredential } from '../../shared/domain/database-accounts.js';
import { KmsError, TargetError } from '../../shared/domain/errors.js';
import type { TargetDriver } from '../../shared/ports/target-driver.js';
import { POSTGRES_INSTANCE, rdsPassword, startRdsTestbed, type RdsTestbed } from '../support/rds-testbed.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

let bed: RdsTestbed;
let h: Harness;

const accountOf = (value: string) => requireAccountCredential(value, 'value').AccountName;
const passwordOf = (value: string) => requireAccountCredential(value, 'value').AccountPassword;
const valueAt = async (secretName: string, versionStage: string) => (await h.service.getSecretValue({ secretName: secretIdOf(secretName), versionStage })).secretData;
const logsIn = (value: string, database?: string) => bed.logsIn('PostgreSQL', value, database);
const accountExists = async (name: string) => (await bed.postgres.admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;
const callsOf = (action: string) => bed.rds.calls.filter((c) => c.action === action);

/** Inserts and reads a row of the `orders` database's table: proves the granted privilege, not just the login. */
const writesOrders = async (value: string): Promise<boolean> => {
  const { AccountName, AccountPassword } = requireAccountCredential(value, 'value');
  const client = new pg.Client({ host: bed.postgres.host, port: bed.postgres.port, user: AccountName, password: AccountPassword, database: 'orders' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('INSERT INTO orders (note) VALUES ($1)', [AccountName]);
    const { rows } = await client.query<{ mine: string }>('SELECT count(*) AS mine FROM orders WHERE note = $1', [AccountName]);
    return Number(rows[0]?.mine) >= 1;
  } finally {
    await client.end().catch(() => undefined);
  }
};

const rotate = async (secretName: string, versionId: string) => {
  expect((await h.service.rotateSecret({ secretName: secretIdOf(secretName), versionId })).started).toBe(true);
  expect(await h.pump()).toBe(5); // four steps, then the finalize after the promote
  expect((await h.service.describeSecret(secretIdOf(secretName))).lastRotation).toMatchObject({ versionId, status: 'Succeeded' });
};

beforeAll(async () => {
  bed = await startRdsTestbed();
  await bed.postgres.admin.query('CREATE DATABASE orders');
  const orders = new pg.Client({ host: bed.postgres.host, port: bed.postgres.port, user: bed.postgres.adminUser, password: bed.postgres.adminPassword, database: 'orders' });
  await orders.connect();
  await orders.query('CREATE TABLE orders (id serial PRIMARY KEY, note text)');
  await orders.end();
  h = await createHarness({ drivers: [bed.driver()] });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await bed?.stop();
});

const oneClick = (accountName: string, strategy = 'DoubleUsers') =>
  JSON.stringify({
    SecretSubType: strategy,
    DBInstanceId: POSTGRES_INSTANCE,
    CreateAccounts: { AccountName: accountName, DBName: 'orders', Privilege: 'ReadWrite' },
  });

describe('one-click creation and authorization', () => {
  it('creates nothing when another check of CreateSecret fails', async () => {
    await h.service.createSecret({ secretName: 'rds/taken', versionId: 'v0', secretData: 'x' });
    const before = bed.rds.calls.length;
    const error = await h.service
      .createSecret({ secretName: 'rds/taken', versionId: 'v1', secretType: 'Rds', secretData: '{"Accounts":[]}', extendedConfig: oneClick('never_made') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KmsError);
    const badInterval = await h.service
      .createSecret({
        secretName: 'rds/bad-interval',
        versionId: 'v1',
        secretType: 'Rds',
        secretData: '{"Accounts":[]}',
        extendedConfig: oneClick('never_made'),
        enableAutomaticRotation: true,
      })
      .catch((e: unknown) => e);
    expect(badInterval).toMatchObject({ code: 'InvalidParameter' });
    expect(bed.rds.calls.length).toBe(before);
    expect(await accountExists('never_made')).toBe(false);
    expect(await accountExists('never_made_clone')).toBe(false);
  });

  it('DoubleUsers: creates two accounts with the same grant, then rotates them in turn without cutting either off', async () => {
    await h.service.createSecret({ secretName: 'rds/orders', versionId: 'v0', secretType: 'Rds', secretData: '{"Accounts":[]}', extendedConfig: oneClick('orders_app') });
    expect(callsOf('CreateAccount').map((c) => [c.params.AccountName, c.params.AccountType])).toEqual([
      ['orders_app', 'Normal'],
      ['orders_app_clone', 'Normal'],
    ]);
    expect(callsOf('GrantAccountPrivilege').map((c) => [c.params.AccountName, c.params.DBName, c.params.AccountPrivilege])).toEqual([
      ['orders_app', 'orders', 'ReadWrite'],
      ['orders_app_clone', 'orders', 'ReadWrite'],
    ]);
    const history = [await valueAt('rds/orders', 'ACSCurrent')];
    const firstPrevious = await valueAt('rds/orders', 'ACSPrevious');
    expect([accountOf(history[0] as string), accountOf(firstPrevious)]).toEqual(['orders_app', 'orders_app_clone']);
    expect(await writesOrders(history[0] as string)).toBe(true);
    expect(await writesOrders(firstPrevious)).toBe(true);

    for (let i = 1; i <= 3; i++) {
      await rotate('rds/orders', `r${i}`);
      const current = await valueAt('rds/orders', 'ACSCurrent');
      const previous = await valueAt('rds/orders', 'ACSPrevious');
      expect(previous).toBe(history.at(-1));
      expect(accountOf(current)).toBe(i % 2 === 1 ? 'orders_app_clone' : 'orders_app');
      expect(await writesOrders(current)).toBe(true);
      expect(await logsIn(previous, 'orders')).toBe(true);
      const beforePrevious = i === 1 ? firstPrevious : (history[i - 2] as string);
      expect(await logsIn(beforePrevious, 'orders')).toBe(false);
      history.push(current);
    }
    const published = JSON.stringify(h.events.events) + JSON.stringify(bed.rds.calls);
    for (const value of [...history, firstPrevious]) expect(published).not.toContain(passwordOf(value));
  });

  it('refuses a name that is already taken and leaves that account alone', async () => {
    const password = rdsPassword();
    await bed.createAccount('PostgreSQL', 'someone_else', password);
    const error = await h.service
      .createSecret({ secretName: 'rds/takeover', versionId: 'v0', secretType: 'Rds', secretData: '{"Accounts":[]}', extendedConfig: oneClick('someone_else', 'SingleUser') })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'InvalidParameter' });
    expect((error as Error).message).toContain('CreateAccounts.AccountName');
    expect(await logsIn(JSON.stringify({ AccountName: 'someone_else', AccountPassword: password }))).toBe(true);
    await expect(h.service.describeSecret(secretIdOf('rds/takeover'))).rejects.toMatchObject({ code: 'Forbidden.ResourceNotFound' });
  });
});

describe('import existing accounts', () => {
  it('SingleUser with a wrong password: the first rotation heals it and the old password stops working', async () => {
    const real = rdsPassword();
    await bed.createAccount('PostgreSQL', 'legacy_admin', real);
    const secretData = JSON.stringify({ Accounts: [{ AccountName: 'legacy_admin', AccountPassword: 'Wrong_password_1' }] });
    await h.service.createSecret({
      secretName: 'rds/legacy',
      versionId: 'v0',
      secretType: 'Rds',
      secretData,
      extendedConfig: JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: POSTGRES_INSTANCE }),
    });
    const initial = await valueAt('rds/legacy', 'ACSCurrent');
    expect(JSON.parse(initial)).toEqual({ AccountName: 'legacy_admin', AccountPassword: 'Wrong_password_1' });
    expect(await logsIn(initial)).toBe(false);

    await rotate('rds/legacy', 'r1');
    const current = await valueAt('rds/legacy', 'ACSCurrent');
    expect(accountOf(current)).toBe('legacy_admin');
    expect(await logsIn(current)).toBe(true);
    expect(await logsIn(JSON.stringify({ AccountName: 'legacy_admin', AccountPassword: real }))).toBe(false);
    await rotate('rds/legacy', 'r2');
    expect(await logsIn(current)).toBe(false);
    expect(await logsIn(await valueAt('rds/legacy', 'ACSCurrent'))).toBe(true);
  });

  it('DoubleUsers: the first account becomes ACSCurrent, the second ACSPrevious, whatever their names', async () => {
    const [blue, green] = [rdsPassword(), rdsPassword()];
    await bed.createAccount('PostgreSQL', 'svc_blue', blue);
    await bed.createAccount('PostgreSQL', 'svc_green', green);
    await h.service.createSecret({
      secretName: 'rds/svc',
      versionId: 'v0',
      secretType: 'Rds',
      secretData: JSON.stringify({ Accounts: [{ AccountName: 'svc_blue', AccountPassword: blue }, { AccountName: 'svc_green', AccountPassword: green }] }),
      extendedConfig: JSON.stringify({ SecretSubType: 'DoubleUsers', DBInstanceId: POSTGRES_INSTANCE }),
    });
    expect(JSON.parse(await valueAt('rds/svc', 'ACSCurrent'))).toEqual({ AccountName: 'svc_blue', AccountPassword: blue });
    expect(JSON.parse(await valueAt('rds/svc', 'ACSPrevious'))).toEqual({ AccountName: 'svc_green', AccountPassword: green });
    await rotate('rds/svc', 'r1');
    const current = await valueAt('rds/svc', 'ACSCurrent');
    expect(accountOf(current)).toBe('svc_green');
    expect(await logsIn(current)).toBe(true);
    expect(await logsIn(JSON.stringify({ AccountName: 'svc_blue', AccountPassword: blue }))).toBe(true);
    expect(await logsIn(JSON.stringify({ AccountName: 'svc_green', AccountPassword: green }))).toBe(false);
    await rotate('rds/svc', 'r2');
    expect(accountOf(await valueAt('rds/svc', 'ACSCurrent'))).toBe('svc_blue');
    expect(await logsIn(await valueAt('rds/svc', 'ACSCurrent'))).toBe(true);
    expect(await logsIn(await valueAt('rds/svc', 'ACSPrevious'))).toBe(true);
  });

  it('refuses accounts the instance does not have, and the wrong number of accounts, storing nothing', async () => {
    const config = JSON.stringify({ SecretSubType: 'DoubleUsers', DBInstanceId: POSTGRES_INSTANCE });
    const missing = JSON.stringify({ Accounts: [{ AccountName: 'svc_blue', AccountPassword: 'x' }, { AccountName: 'no_such_account', AccountPassword: 'y' }] });
    await expect(
      h.service.createSecret({ secretName: 'rds/missing', versionId: 'v0', secretType: 'Rds', secretData: missing, extendedConfig: config }),
    ).rejects.toMatchObject({ code: 'InvalidParameter', message: expect.stringContaining('Accounts[1].AccountName') });
    const one = JSON.stringify({ Accounts: [{ AccountName: 'svc_blue', AccountPassword: 'x' }] });
    await expect(
      h.service.createSecret({ secretName: 'rds/missing', versionId: 'v0', secretType: 'Rds', secretData: one, extendedConfig: config }),
    ).rejects.toMatchObject({ code: 'InvalidParameter' });
    await expect(h.service.describeSecret(secretIdOf('rds/missing'))).rejects.toMatchObject({ code: 'Forbidden.ResourceNotFound' });
  });
});

/**
 * A crash right after a driver operation took effect and before the engine recorded the step:
 * the wrapper lets every operation run, then fails it once as a crashed runtime would, so the
 * engine runs that step again (as after a restart).
 */
const crashingOnceAfterEachOperation = (inner: TargetDriver): TargetDriver & { crashes: string[] } => {
  const crashes: string[] = [];
  const crashOnce = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    const result = await run();
    if (!crashes.includes(operation)) {
      crashes.push(operation);
      throw new TargetError('Target.Unavailable', `simulated crash after ${operation}`, true);
    }
    return result;
  };
  return {
    kind: inner.kind,
    crashes,
    supports: (s) => inner.supports(s),
    validateConfig: (s) => inner.validateConfig(s),
    preflight: (r) => inner.preflight(r),
    initialVersions: (r) => (inner.initialVersions as NonNullable<TargetDriver['initialVersions']>).call(inner, r),
    generate: (r) => crashOnce('generate', () => inner.generate(r)),
    apply: (r) => crashOnce('apply', () => inner.apply(r)),
    verify: (r) => crashOnce('verify', () => inner.verify(r)),
    finalize: (r) => crashOnce('finalize', () => inner.finalize(r)),
  };
};

describe('crash safety', () => {
  for (const strategy of ['DoubleUsers', 'SingleUser'] as const) {
    it(`${strategy}: a crash after every operation still ends with a working ACSCurrent and no extra account`, async () => {
      const driver = crashingOnceAfterEachOperation(bed.driver());
      const crashHarness = await createHarness({ drivers: [driver] });
      try {
        const base = `crash_${strategy === 'DoubleUsers' ? 'dual' : 'single'}`;
        await crashHarness.service.createSecret({
          secretName: `rds/${base}`,
          versionId: 'v0',
          secretType: 'Rds',
          secretData: '{"Accounts":[]}',
          extendedConfig: JSON.stringify({
            SecretSubType: strategy,
            DBInstanceId: POSTGRES_INSTANCE,
            CreateAccounts: { AccountName: base, DBName: 'orders', Privilege: 'ReadOnly' },
          }),
        });
        const before = await crashHarness.service.getSecretValue({ secretName: secretIdOf(`rds/${base}`) });
        await crashHarness.service.rotateSecret({ secretName: secretIdOf(`rds/${base}`), versionId: 'r1' });
        expect(await crashHarness.pump()).toBe(9); // each of the five messages twice but the promote, which calls no driver
        expect(driver.crashes).toEqual(['generate', 'apply', 'verify', 'finalize']);
        expect((await crashHarness.service.describeSecret(secretIdOf(`rds/${base}`))).lastRotation).toMatchObject({ status: 'Succeeded' });
        const current = (await crashHarness.service.getSecretValue({ secretName: secretIdOf(`rds/${base}`) })).secretData;
        expect(await logsIn(current, 'orders')).toBe(true);
        if (strategy === 'DoubleUsers') expect(await logsIn(before.secretData, 'orders')).toBe(true);
        else expect(await logsIn(before.secretData, 'orders')).toBe(false);
        const { rows } = await bed.postgres.admin.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE 'crash\\_%' AND rolname LIKE $1 ORDER BY rolname", [`${base}%`]);
        expect(rows.map((r) => r.rolname)).toEqual(strategy === 'DoubleUsers' ? [base, `${base}_clone`] : [base]);
      } finally {
        await crashHarness.close();
      }
    });
  }
});
