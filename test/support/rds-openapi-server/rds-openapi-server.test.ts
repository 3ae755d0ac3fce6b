/**
 * The RDS OpenAPI test server as the official SDK sees it: signed calls are accepted and change the
 * real database; a wrong secret, an unknown AccessKey or a missing STS token are refused; RDS's
 * name and password rules hold; no recorded call keeps a password. Errors reach the driver's API
 * wrapper as TargetErrors that quote no value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRdsAccountsApi } from '../../../shared/adapters/drivers/rds/rds-api.js';
import { TargetError } from '../../../shared/domain/errors.js';
import { startEmbeddedPostgres, type PostgresServer } from '../embedded-postgres.js';
import { rdsPassword } from '../rds-testbed.js';
import { postgresDatabase, startRdsOpenApiServer, type RdsOpenApiServer } from './index.js';

const INSTANCE = 'pgm-serverunit01';
let postgres: PostgresServer;
let rds: RdsOpenApiServer;
let sts: RdsOpenApiServer;

const apiFor = (server: RdsOpenApiServer, credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string }) =>
  createRdsAccountsApi(() => credentials, { endpoint: server.endpoint, protocol: 'http' });

beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
  rds = await startRdsOpenApiServer();
  sts = await startRdsOpenApiServer({ securityToken: 'sts-token-1' });
  for (const server of [rds, sts]) server.addInstance(INSTANCE, postgresDatabase(postgres));
}, 120_000);

afterAll(async () => {
  await rds?.stop();
  await sts?.stop();
  await postgres?.stop();
});

const errorOf = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as TargetError);

describe('RDS OpenAPI test server', () => {
  it('applies signed account calls to the real database', async () => {
    const api = apiFor(rds, rds);
    const instance = await api.describeInstance(INSTANCE);
    expect(instance).toMatchObject({ engine: 'PostgreSQL', status: 'Running', host: postgres.host, port: postgres.port });
    const password = rdsPassword();
    await api.createAccount({ instanceId: INSTANCE, accountName: 'unit_app', password, accountType: 'Normal' });
    expect(await api.describeAccount(INSTANCE, 'unit_app')).toMatchObject({ name: 'unit_app', status: 'Available', type: 'Normal' });
    const next = rdsPassword();
    await api.resetPassword(INSTANCE, 'unit_app', next);
    const { rows } = await postgres.admin.query<{ ok: boolean }>("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' AS ok FROM pg_authid WHERE rolname = 'unit_app'");
    expect(rows[0]?.ok).toBe(true);
    await api.deleteAccount(INSTANCE, 'unit_app');
    expect(await api.describeAccount(INSTANCE, 'unit_app')).toBeNull();
    const recorded = JSON.stringify(rds.calls);
    expect(recorded).not.toContain(password);
    expect(recorded).not.toContain(next);
    expect(rds.calls.map((c) => c.action)).toEqual([
      'DescribeDBInstanceAttribute',
      'CreateAccount',
      'DescribeAccounts',
      'ResetAccountPassword',
      'DeleteAccount',
      'DescribeAccounts',
    ]);
  });

  it('refuses a wrong AccessKey secret, an unknown AccessKey and a missing or wrong STS token', async () => {
    const wrongSecret = await errorOf(apiFor(rds, { accessKeyId: rds.accessKeyId, accessKeySecret: 'not-the-secret' }).describeInstance(INSTANCE));
    expect(wrongSecret).toBeInstanceOf(TargetError);
    expect(wrongSecret?.message).toContain('SignatureDoesNotMatch');
    expect(wrongSecret?.retryable).toBe(false);
    const unknown = await errorOf(apiFor(rds, { accessKeyId: 'nobody', accessKeySecret: rds.accessKeySecret }).describeInstance(INSTANCE));
    expect(unknown?.message).toContain('InvalidAccessKeyId.NotFound');
    const noToken = await errorOf(apiFor(sts, { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret }).describeInstance(INSTANCE));
    expect(noToken?.message).toContain('InvalidSecurityToken');
    const withToken = apiFor(sts, { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, securityToken: 'sts-token-1' });
    await expect(withToken.describeInstance(INSTANCE)).resolves.toMatchObject({ engine: 'PostgreSQL' });
  });

  it("holds RDS's rules for account names, passwords and unknown instances, without quoting values", async () => {
    const api = apiFor(rds, rds);
    const badName = await errorOf(api.createAccount({ instanceId: INSTANCE, accountName: 'Bad"Name', password: rdsPassword(), accountType: 'Normal' }));
    expect(badName?.message).toContain('InvalidAccountName.Format');
    const weak = 'alllowercase';
    const badPassword = await errorOf(api.createAccount({ instanceId: INSTANCE, accountName: 'unit_weak', password: weak, accountType: 'Normal' }));
    expect(badPassword?.message).toContain('InvalidAccountPassword.Format');
    expect(badPassword?.message).not.toContain(weak);
    const missing = await errorOf(api.resetPassword(INSTANCE, 'no_such_account', rdsPassword()));
    expect(missing?.message).toContain('InvalidAccountName.NotFound');
    const noInstance = await errorOf(api.describeInstance('rm-doesnotexist'));
    expect(noInstance?.message).toContain('InvalidDBInstanceId.NotFound');
    expect(noInstance?.code).toBe('Target.Rejected');
  });

  it('reports an endpoint that does not answer as retryable, without the request URL', async () => {
    const closed = await startRdsOpenApiServer();
    await closed.stop();
    const password = rdsPassword();
    const error = await errorOf(apiFor(closed, closed).resetPassword(INSTANCE, 'unit_app', password));
    expect(error).toMatchObject({ code: 'Target.Unreachable', retryable: true });
    expect(error?.message).not.toContain(password);
  });
});
