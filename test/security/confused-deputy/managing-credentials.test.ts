/**
 * Boundary: the managing credentials the service holds for callers (a database superuser's login).
 *
 * Attacker's goal: with a key that may create secrets and do anything to its own `secret/att/*`,
 * but may not read the admin's managing secret, make the service use that credential for it:
 * reset an account it names and read the new password, get a superuser session through a
 * DoubleUsers group role, point the rotation at another team's account by writing the value, or
 * keep using the credential after its permission was taken away (or its key deleted).
 *
 * Against a real PostgreSQL with SCRAM password authentication; every request goes through the
 * real HTTP API of a local runtime process, and "untouched" is proven from the database itself
 * (the account's stored SCRAM verifier), not from the service's answer.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type PostgresServer } from '../../support/embedded-postgres.js';
import { secretScanHooks } from '../../support/secret-scan-hooks.js';
import { randomSecret } from '../../support/sql-driver-fixtures.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { arnOf, startBoundaryRuntime, type BoundaryRuntime, type KmsAnswer } from '../support/boundary-runtime.js';
import type { Key, Pairs } from '../support/signed-requests.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

const tally = new BoundaryTally('confused-deputy', import.meta.url);
let rt: BoundaryRuntime;
let db: PostgresServer;
let attacker: Key;

const MANAGER = 'admin/pg-manager';
const UNSCOPED_MANAGER = 'admin/pg-unscoped';
const ATTACKER_BASE = [
  { Effect: 'Allow', Action: 'kms:CreateSecret', Resource: `acs:kms:*:*:secret` },
  { Effect: 'Allow', Action: 'kms:*', Resource: 'acs:kms:*:*:secret/att/*' },
];
const policy = (...extra: object[]) => ({ Version: '1', Statement: [...ATTACKER_BASE, ...extra] });
const useManager = (name = MANAGER) => ({ Effect: 'Allow', Action: 'kms:UseManagingSecret', Resource: arnOf(name) });
const rotateAppAccounts = () => ({ Effect: 'Allow', Action: 'kms:RotateTarget', Resource: `acs:rotor:*:*:database/127.0.0.1:${db.port}/*` });

const sqlConfig = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ SecretSubType: 'PostgreSQL', Strategy: 'SingleUser', Host: '127.0.0.1', Port: db.port, ManagerSecretName: MANAGER, ...extra });
const account = (name: string, password = randomSecret()) => JSON.stringify({ AccountName: name, AccountPassword: password });

/** The stored SCRAM verifier: changes exactly when the account's password does. */
const verifierOf = async (role: string): Promise<string> => {
  const { rows } = await db.admin.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
  return rows[0]?.rolpassword ?? '(no such role)';
};

const create = (name: string, config: string, value: string, key: Key = attacker): Promise<KmsAnswer> => {
  tally.tried();
  return rt.call('CreateSecret', [['SecretName', name], ['VersionId', 'v1'], ['SecretData', value], ['ExtendedConfig', config]], key);
};

const expectRefused = (answer: KmsAnswer, code: string, naming: string[]): void => {
  if (answer.status === 200) tally.crossed(`answered 200 where ${code} was expected`);
  expect(answer.status).toBe(403);
  expect(answer.body.Code).toBe(code);
  for (const part of naming) expect(String(answer.body.Message)).toContain(part);
};

const expectNotStored = async (name: string): Promise<void> => {
  const described = await rt.call('DescribeSecret', [['SecretName', name]], rt.root);
  expect(described.body.Code).toBe('Forbidden.ResourceNotFound');
};

/** Waits for the rotation to end; the bound only keeps a broken run from hanging the file. */
const rotationOutcome = async (name: string): Promise<Record<string, unknown>> => {
  for (let i = 0; i < 600; i++) {
    const described = await rt.setup('DescribeSecret', [['SecretName', name]]);
    if (described.RotationStatus !== 'Rotating') return described;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`rotation of ${name} did not end`);
};

const rotate = async (name: string, key: Key, extra: Pairs = []): Promise<KmsAnswer> => {
  tally.tried();
  return rt.call('RotateSecret', [['SecretName', name], ['VersionId', `r-${randomSecret()}`], ...extra], key);
};

beforeAll(async () => {
  db = await startEmbeddedPostgres();
  secretScanHooks.register(db.adminPassword, 'postgres superuser password');
  for (const role of ['app_orders', 'app_billing', 'team_b_owner']) await db.admin.query(`CREATE ROLE ${ident(role)} LOGIN PASSWORD ${literal(randomSecret())}`);
  await db.admin.query('CREATE ROLE app_reader NOLOGIN');
  rt = await startBoundaryRuntime('rotor-deputy-managing-', { ROTOR_QUEUE_POLL_MS: '50' });
  const admin = account(db.adminUser, db.adminPassword);
  const scope = { Hosts: [`127.0.0.1:${db.port}`], Accounts: ['app_*'], Roles: ['app_reader'] };
  await rt.setup('CreateSecret', [['SecretName', MANAGER], ['VersionId', 'm1'], ['SecretData', admin], ['ExtendedConfig', JSON.stringify({ ManagedScope: scope })]]);
  await rt.setup('CreateSecret', [['SecretName', UNSCOPED_MANAGER], ['VersionId', 'm1'], ['SecretData', admin]]);
  attacker = await rt.createKey('confused-deputy attacker');
  expect((await rt.putPolicy(attacker, policy())).status).toBe(200);
}, 120_000);

afterAll(async () => {
  tally.write();
  await rt?.stop();
  await db?.stop();
  expect(tally.crossedCount).toBe(0);
});

describe("someone else's managing credential", () => {
  it('is refused at CreateSecret when the caller may not use it, by name or by ARN, and nothing is stored or touched', async () => {
    tally.tried();
    expect((await rt.call('GetSecretValue', [['SecretName', MANAGER]], attacker)).status).toBe(403);
    const before = await verifierOf('app_orders');
    for (const reference of [MANAGER, arnOf(MANAGER)]) {
      const answer = await create('att/steal', sqlConfig({ ManagerSecretName: reference }), account('app_orders'));
      expectRefused(answer, 'Forbidden.NoPermission', ['kms:UseManagingSecret', arnOf(MANAGER)]);
      await expectNotStored('att/steal');
    }
    expect(await verifierOf('app_orders')).toBe(before);
  });

  it('is refused for an account, a host or a role its ManagedScope does not admit, even with kms:UseManagingSecret', async () => {
    expect((await rt.putPolicy(attacker, policy(useManager(), useManager(UNSCOPED_MANAGER), rotateAppAccounts()))).status).toBe(200);
    expectRefused(await create('att/other-team', sqlConfig(), account('team_b_owner')), 'Forbidden.ManagedScope', ['Accounts', 'team_b_owner']);
    // The managing password handed to a server of the caller's choosing: refused before any connection.
    const elsewhere = { Host: '127.0.0.2', Port: db.port };
    expectRefused(await create('att/elsewhere', sqlConfig(elsewhere), account('app_orders')), 'Forbidden.NoPermission', ['kms:RotateTarget']);
    expect((await rt.putPolicy(attacker, policy(useManager(), { Effect: 'Allow', Action: 'kms:RotateTarget', Resource: '*' }))).status).toBe(200);
    expectRefused(await create('att/elsewhere', sqlConfig(elsewhere), account('app_orders')), 'Forbidden.ManagedScope', ['Hosts', `127.0.0.2:${db.port}`]);
    const role = { Strategy: 'DoubleUsers', Role: 'team_b_rw' };
    expectRefused(await create('att/role', sqlConfig(role), account('app_orders')), 'Forbidden.ManagedScope', ['Roles', 'team_b_rw']);
    expect((await rt.putPolicy(attacker, policy(useManager(UNSCOPED_MANAGER), rotateAppAccounts()))).status).toBe(200);
    const unscoped = sqlConfig({ ManagerSecretName: UNSCOPED_MANAGER });
    expectRefused(await create('att/unscoped', unscoped, account('app_orders')), 'Forbidden.ManagedScope', ['is not set']);
    for (const name of ['att/other-team', 'att/elsewhere', 'att/role', 'att/unscoped']) await expectNotStored(name);
  });

  it('a DoubleUsers secret whose Role is a superuser or predefined role is refused, even under a `*` Allow', async () => {
    expect((await rt.putPolicy(attacker, { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] })).status).toBe(200);
    for (const role of ['postgres', 'pg_execute_server_program', 'pg_read_server_files']) {
      const answer = await create('att/superuser', sqlConfig({ Strategy: 'DoubleUsers', Role: role }), account('app_orders'));
      expectRefused(answer, 'Forbidden.NoPermission', ['kms:RotatePrivilegedTarget', `role/${role}`]);
    }
    expectRefused(await create('att/superuser', sqlConfig(), account('postgres')), 'Forbidden.NoPermission', ['kms:RotatePrivilegedTarget', 'account/postgres']);
    // Named explicitly, the privileged action still meets the managing secret's own scope.
    const named = { Effect: 'Allow', Action: 'kms:RotatePrivilegedTarget', Resource: '*' };
    expect((await rt.putPolicy(attacker, { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, named] })).status).toBe(200);
    const answer = await create('att/superuser', sqlConfig({ Strategy: 'DoubleUsers', Role: 'postgres' }), account('app_orders'));
    expectRefused(answer, 'Forbidden.ManagedScope', ['Roles does not admit postgres']);
    await expectNotStored('att/superuser');
    // And what the scope admits is created: the refusals above are not a blanket no.
    const allowed = await create('att/reader', sqlConfig({ Strategy: 'DoubleUsers', Role: 'app_reader' }), account('app_billing'));
    expect(allowed.status).toBe(200);
  });
});

describe('a managed Linux host', () => {
  const SSH_MANAGER = 'admin/ssh-manager';
  const hostConfig = (user: string) =>
    JSON.stringify({ SecretSubType: 'LinuxSSHKey', Host: '10.0.0.5', Port: 22, UserName: user, ManagerSecretName: SSH_MANAGER, HostKeyFingerprint: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8' });

  it("root's authorized_keys is refused under a `*` Allow, and a user outside the scope under any policy", async () => {
    await rt.setup('CreateSecret', [
      ['SecretName', SSH_MANAGER],
      ['VersionId', 'm1'],
      ['SecretData', JSON.stringify({ UserName: 'root', Password: randomSecret() })],
      ['ExtendedConfig', JSON.stringify({ ManagedScope: { Hosts: ['10.0.0.5:22'], Accounts: ['deploy'] } })],
    ]);
    expect((await rt.putPolicy(attacker, { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] })).status).toBe(200);
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7n9Kx0WlB5Yw1n8s6J3o2p9m4Q1r5T7u8V9w0X1yZ attacker';
    expectRefused(await create('att/ssh-root', hostConfig('root'), key), 'Forbidden.NoPermission', ['kms:RotatePrivilegedTarget', 'host/10.0.0.5:22/user/root']);
    expectRefused(await create('att/ssh-ops', hostConfig('ops'), key), 'Forbidden.ManagedScope', ['Accounts does not admit ops']);
    for (const name of ['att/ssh-root', 'att/ssh-ops']) await expectNotStored(name);
  });
});

describe('permission taken away after creation', () => {
  it('the next rotation is refused and the account keeps its password; while allowed, the same rotation does change it', async () => {
    expect((await rt.putPolicy(attacker, policy(useManager(), rotateAppAccounts()))).status).toBe(200);
    expect((await create('att/orders', sqlConfig(), account('app_orders'))).status).toBe(200);
    const original = await verifierOf('app_orders');
    expect((await rotate('att/orders', attacker)).status).toBe(200);
    expect((await rotationOutcome('att/orders')).RotationStatus).toBe('Normal');
    const rotated = await verifierOf('app_orders');
    expect(rotated).not.toBe(original);

    expect((await rt.putPolicy(attacker, policy(rotateAppAccounts()))).status).toBe(200);
    expect((await rotate('att/orders', attacker)).status).toBe(200);
    const outcome = await rotationOutcome('att/orders');
    if (outcome.RotationStatus !== 'Failed') tally.crossed('rotation ran after kms:UseManagingSecret was removed');
    expect(outcome.RotationStatus).toBe('Failed');
    const error = outcome.LastRotationError as { Code: string; Message: string };
    expect(error.Code).toBe('Forbidden.NoPermission');
    expect(error.Message).toContain(`kms:UseManagingSecret on ${arnOf(MANAGER)}`);
    expect(await verifierOf('app_orders')).toBe(rotated);
    tally.tried();
    const pending = await rt.call('GetSecretValue', [['SecretName', 'att/orders'], ['VersionStage', 'RotorPending']], attacker);
    expect(pending.status).toBe(404);
  });

  it('a deleted creating key: its secrets are not rotated, not even at the root key\'s request', async () => {
    const creator = await rt.createKey('confused-deputy creator, then deleted');
    expect((await rt.putPolicy(creator, policy(useManager(), rotateAppAccounts()))).status).toBe(200);
    expect((await create('att/billing', sqlConfig(), account('app_billing'), creator)).status).toBe(200);
    await rt.setup('DeleteAccessKey', [['UserAccessKeyId', creator.id]]);
    const before = await verifierOf('app_billing');
    expect((await rotate('att/billing', rt.root)).status).toBe(200);
    const outcome = await rotationOutcome('att/billing');
    expect(outcome.RotationStatus).toBe('Failed');
    expect((outcome.LastRotationError as { Code: string }).Code).toBe('Forbidden.NoPermission');
    expect(await verifierOf('app_billing')).toBe(before);
  });
});

describe('retargeting through the value', () => {
  it("PutSecretValue or a custom RotateSecret value naming another team's account is refused and changes nothing", async () => {
    expect((await rt.putPolicy(attacker, policy(useManager(), rotateAppAccounts()))).status).toBe(200);
    expect((await create('att/retarget', sqlConfig(), account('app_orders'))).status).toBe(200);
    const before = await verifierOf('team_b_owner');
    tally.tried();
    const put = await rt.call('PutSecretValue', [['SecretName', 'att/retarget'], ['VersionId', 'p1'], ['SecretData', account('team_b_owner')]], attacker);
    expectRefused(put, 'Forbidden.ManagedScope', ['Accounts does not admit team_b_owner']);
    const custom = await rotate('att/retarget', attacker, [['SecretData', account('team_b_owner')]]);
    expectRefused(custom, 'Forbidden.ManagedScope', ['Accounts does not admit team_b_owner']);
    const versions = await rt.setup('ListSecretVersionIds', [['SecretName', 'att/retarget']]);
    expect(JSON.stringify(versions)).not.toContain('"p1"');
    expect(await verifierOf('team_b_owner')).toBe(before);
  });
});
