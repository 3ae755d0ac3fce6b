/**
 * Boundary: the target of a driver-managed secret (the database account it rotates).
 *
 * Attacker's goal: with a key allowed only to read, write, stage and rotate its own database
 * secrets (`secret/att/*`), reset the password of another account the same managing credential
 * administers (`victim`), and read the new password: by writing a value that names `victim`
 * (PutSecretValue, then RotateSecret; PutSecretValue under another stage, then moving ACSCurrent
 * to it; RotateSecret with a custom value), against real PostgreSQL (SCRAM password
 * authentication) and real MariaDB, for SingleUser and DoubleUsers.
 *
 * Guarded by: the account is fixed when the secret is created (ExtendedConfig.AccountName); a
 * written value naming any other account is refused with InvalidParameter before anything is
 * stored, and every rotation step acts only on the fixed account (and, for DoubleUsers, its
 * partner), whatever the stored values say.
 */
import fc from 'fast-check';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDriver, createPostgresDriver } from '../../../shared/adapters/drivers/sql/drivers.js';
import { KmsError, TargetError } from '../../../shared/domain/errors.js';
import type { DriverSecret } from '../../../shared/ports/target-driver.js';
import { startEmbeddedPostgres, type PostgresServer } from '../../support/embedded-postgres.js';
import { eventually } from '../../support/e2e.js';
import { adminQuery, connectMysqlAdmin, MYSQL_TEST_SERVER } from '../../support/mariadb.js';
import { secretScanHooks } from '../../support/secret-scan-hooks.js';
import { randomSecret } from '../../support/sql-driver-fixtures.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { startBoundaryRuntime, type BoundaryRuntime, type KmsAnswer } from '../support/boundary-runtime.js';
import type { Key, Pairs } from '../support/signed-requests.js';

const tally = new BoundaryTally('confused-deputy', import.meta.url);
const TAG = Math.random().toString(36).slice(2, 8);

/** The attacker's own secrets only, and every call that writes a value or moves a stage on them. */
const ATTACKER_POLICY = {
  Version: '1',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['kms:GetSecretValue', 'kms:PutSecretValue', 'kms:RotateSecret', 'kms:UpdateSecretVersionStage', 'kms:DescribeSecret', 'kms:ListSecretVersionIds'],
      Resource: 'acs:kms:*:*:secret/att/*',
    },
    // Deliberately broad deputy rights (the managers' scopes admit any account too), so that what
    // stops the attack here is the target fixed at creation, not the managing-credential policy.
    { Effect: 'Allow', Action: ['kms:UseManagingSecret', 'kms:RotateTarget'], Resource: '*' },
  ],
};

/** A scope that admits every account on the manager's one server: see ATTACKER_POLICY. */
const anyAccountOn = (host: string, port: number): [string, string] => [
  'ExtendedConfig',
  JSON.stringify({ ManagedScope: { Hosts: [`${host}:${port}`], Accounts: ['*'], Roles: ['*'] } }),
];

interface Credential {
  AccountName: string;
  AccountPassword: string;
}

/** One database secret of the attacker's, the victim account beside it, and a real login check. */
interface Target {
  label: string;
  secretName: string;
  /** The accounts the secret may act on: its own (and, for DoubleUsers, the partner). */
  own: string[];
  victim: Credential;
  logsIn(credential: Credential): Promise<boolean>;
}

const credentialJson = (c: Credential): string => JSON.stringify(c);
const secretData = (account: string): string => credentialJson({ AccountName: account, AccountPassword: `Attacker-Chosen-${randomSecret()}` });

let rt: BoundaryRuntime;
let attacker: Key;
let postgres: PostgresServer;
let mariadb: mysql.Connection;
const targets: Target[] = [];
const mysqlAccounts: string[] = [];

const pgLogsIn = async (c: Credential): Promise<boolean> => {
  const client = new pg.Client({ host: postgres.host, port: postgres.port, user: c.AccountName, password: c.AccountPassword, database: 'postgres' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '28P01') return false; // password authentication failed
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
};

const mysqlLogsIn = async (c: Credential): Promise<boolean> => {
  try {
    const conn = await mysql.createConnection({ host: MYSQL_TEST_SERVER.host, port: MYSQL_TEST_SERVER.port, user: c.AccountName, password: c.AccountPassword });
    await conn.end();
    return true;
  } catch (error) {
    if ((error as { errno?: number }).errno === 1045) return false; // access denied
    throw error;
  }
};

const valueOf = async (secretName: string): Promise<{ versionId: string; value: string }> => {
  const body = await rt.setup('GetSecretValue', [['SecretName', secretName]]);
  return { versionId: String(body.VersionId), value: String(body.SecretData) };
};

const created = (c: Credential): Credential => {
  secretScanHooks.register(c.AccountPassword, 'retargeting suite');
  return c;
};

const setUpPostgres = async (): Promise<void> => {
  postgres = await startEmbeddedPostgres();
  const manager = created({ AccountName: postgres.adminUser, AccountPassword: postgres.adminPassword });
  const victim = created({ AccountName: `victim_${TAG}`, AccountPassword: randomSecret() });
  const single = created({ AccountName: `att_${TAG}`, AccountPassword: randomSecret() });
  const double = created({ AccountName: `attd_${TAG}`, AccountPassword: randomSecret() });
  for (const c of [victim, single, double])
    await postgres.admin.query(`CREATE ROLE "${c.AccountName}" LOGIN PASSWORD '${c.AccountPassword}'`);
  const config = { SecretSubType: 'PostgreSQL', Host: postgres.host, Port: postgres.port, ManagerSecretName: 'ops/pg-manager' };
  await rt.setup('CreateSecret', [['SecretName', 'ops/pg-manager'], ['VersionId', 'm1'], ['SecretData', credentialJson(manager)], anyAccountOn(postgres.host, postgres.port)]);
  await rt.setup('CreateSecret', [
    ['SecretName', 'att/pg'],
    ['VersionId', 'v1'],
    ['SecretData', credentialJson(single)],
    ['ExtendedConfig', JSON.stringify({ ...config, Strategy: 'SingleUser' })],
  ]);
  await rt.setup('CreateSecret', [
    ['SecretName', 'att/pg-double'],
    ['VersionId', 'v1'],
    ['SecretData', credentialJson(double)],
    ['ExtendedConfig', JSON.stringify({ ...config, Strategy: 'DoubleUsers', Role: `attgrp_${TAG}` })],
  ]);
  targets.push({ label: 'PostgreSQL SingleUser', secretName: 'att/pg', own: [single.AccountName], victim, logsIn: pgLogsIn });
  targets.push({
    label: 'PostgreSQL DoubleUsers',
    secretName: 'att/pg-double',
    own: [double.AccountName, `${double.AccountName}_clone`],
    victim,
    logsIn: pgLogsIn,
  });
};

const setUpMariaDb = async (): Promise<void> => {
  mariadb = await connectMysqlAdmin();
  const manager = created({ AccountName: `mgr_${TAG}`, AccountPassword: randomSecret() });
  const victim = created({ AccountName: `victim_${TAG}`, AccountPassword: randomSecret() });
  const single = created({ AccountName: `att_${TAG}`, AccountPassword: randomSecret() });
  for (const c of [manager, victim, single]) {
    await adminQuery(mariadb, 'CREATE USER ?@? IDENTIFIED BY ?', [c.AccountName, '%', c.AccountPassword]);
    mysqlAccounts.push(c.AccountName);
  }
  await adminQuery(mariadb, 'GRANT CREATE USER ON *.* TO ?@?', [manager.AccountName, '%']);
  await adminQuery(mariadb, 'GRANT SELECT, UPDATE ON mysql.* TO ?@?', [manager.AccountName, '%']);
  await rt.setup('CreateSecret', [
    ['SecretName', 'ops/mysql-manager'],
    ['VersionId', 'm1'],
    ['SecretData', credentialJson(manager)],
    anyAccountOn(MYSQL_TEST_SERVER.host, MYSQL_TEST_SERVER.port),
  ]);
  await rt.setup('CreateSecret', [
    ['SecretName', 'att/mysql'],
    ['VersionId', 'v1'],
    ['SecretData', credentialJson(single)],
    [
      'ExtendedConfig',
      JSON.stringify({
        SecretSubType: 'MySQL',
        Strategy: 'SingleUser',
        Host: MYSQL_TEST_SERVER.host,
        Port: MYSQL_TEST_SERVER.port,
        ManagerSecretName: 'ops/mysql-manager',
      }),
    ],
  ]);
  targets.push({ label: 'MariaDB SingleUser', secretName: 'att/mysql', own: [single.AccountName], victim, logsIn: mysqlLogsIn });
};

beforeAll(async () => {
  rt = await startBoundaryRuntime('rotor-retarget-');
  attacker = await rt.createKey('Get/Put/Rotate on its own secrets');
  expect((await rt.putPolicy(attacker, ATTACKER_POLICY)).status).toBe(200);
  await setUpPostgres();
  await setUpMariaDb();
}, 120_000);

afterAll(async () => {
  tally.write();
  await rt?.stop();
  await postgres?.stop();
  if (mariadb) {
    for (const account of mysqlAccounts) await adminQuery(mariadb, 'DROP USER IF EXISTS ?@?', [account, '%']);
    await mariadb.end();
  }
});

/** Every way a written value could carry the victim's name into a rotation. */
const attempts = (target: Target, n: number): [string, Pairs][] => {
  const name = target.secretName;
  const victims = [target.victim.AccountName, `${target.victim.AccountName}_clone`];
  return victims.flatMap((account, i): [string, Pairs][] => [
    ['PutSecretValue', [['SecretName', name], ['VersionId', `put-${n}-${i}`], ['SecretData', secretData(account)]]],
    ['PutSecretValue', [['SecretName', name], ['VersionId', `staged-${n}-${i}`], ['SecretData', secretData(account)], ['VersionStages', '["Staged"]']]],
    ['RotateSecret', [['SecretName', name], ['VersionId', `custom-${n}-${i}`], ['SecretData', secretData(account)]]],
  ]);
};

const refusedAsInvalid = (answer: KmsAnswer): boolean => answer.status === 400 && answer.body.Code === 'InvalidParameter';

describe('a value naming another account', () => {
  it('is refused with InvalidParameter on every write path, changing nothing', async () => {
    const before = rt.secretState();
    for (const [n, target] of targets.entries())
      for (const [action, params] of attempts(target, n)) {
        const answer = await rt.call(action, params, attacker);
        tally.tried();
        if (answer.status === 200) tally.crossed(`${target.label} ${action}: accepted a value naming another account`);
        expect(refusedAsInvalid(answer), `${target.label} ${action}: ${answer.status} ${String(answer.body.Code)}`).toBe(true);
        expect(String(answer.body.Message)).toMatch(/SecretData/);
        expect(JSON.stringify(answer.body)).not.toContain('Attacker-Chosen-');
      }
    expect(rt.secretState()).toEqual(before);
  }, 60_000);

  it('leaves the victim account working with its own password after the attacker rotates its secrets', async () => {
    for (const [n, target] of targets.entries()) {
      // The whole attack: write a value naming the victim, then rotate. The refusal is asserted
      // last, so that without the guard this test fails on what the attack did to the victim.
      const put = await rt.call('PutSecretValue', [['SecretName', target.secretName], ['VersionId', `again-${n}`], ['SecretData', secretData(target.victim.AccountName)]], attacker);
      tally.tried();
      const versionId = `rotation-${n}`;
      const rotate = await rt.call('RotateSecret', [['SecretName', target.secretName], ['VersionId', versionId]], attacker);
      tally.tried();
      expect(rotate.status, `${target.label}: ${String(rotate.body.Code)}`).toBe(200);
      // Bounded wait for the runtime's own queue (500 ms polls), generous for a busy 2-core machine.
      const current = await eventually(async () => {
        const now = await valueOf(target.secretName);
        return now.versionId === versionId ? now : undefined;
      }, `${target.label} rotation`, 60_000);
      const rotated = JSON.parse(current.value) as Credential;
      if (!target.own.includes(rotated.AccountName) || (await target.logsIn(rotated)) === false || !(await target.logsIn(target.victim)))
        tally.crossed(`${target.label}: the rotation touched an account it was not created for`);
      expect(target.own).toContain(rotated.AccountName);
      expect(await target.logsIn(rotated)).toBe(true);
      expect(await target.logsIn(target.victim)).toBe(true);
      expect(refusedAsInvalid(put)).toBe(true);
    }
  }, 240_000);
});

describe('the account recorded at creation', () => {
  it('is shown in the ExtendedConfig and cannot contradict the initial value', async () => {
    const described = await rt.setup('DescribeSecret', [['SecretName', 'att/pg']]);
    expect(JSON.parse(String(described.ExtendedConfig))).toMatchObject({ AccountName: targets[0]?.own[0] });
    const contradicting = await rt.call(
      'CreateSecret',
      [
        ['SecretName', 'att/contradiction'],
        ['VersionId', 'v1'],
        ['SecretData', secretData(`att_${TAG}`)],
        ['ExtendedConfig', JSON.stringify({ SecretSubType: 'PostgreSQL', Strategy: 'SingleUser', Host: postgres.host, Port: postgres.port, ManagerSecretName: 'ops/pg-manager', AccountName: `victim_${TAG}` })],
      ],
      rt.root,
    );
    tally.tried();
    expect(refusedAsInvalid(contradicting)).toBe(true);
  });
});

describe('the driver, given stored values that name another account', () => {
  const secretOf = (strategy: 'SingleUser' | 'DoubleUsers', accountName: string): DriverSecret => ({
    name: 'att/direct',
    type: 'Generic',
    extendedConfig: {
      SecretSubType: 'PostgreSQL',
      Strategy: strategy,
      Host: postgres.host,
      Port: postgres.port,
      ManagerSecretName: 'ops/pg-manager',
      AccountName: accountName,
      ...(strategy === 'DoubleUsers' ? { Role: `attgrp_${TAG}` } : {}),
    },
  });
  const driver = () => createPostgresDriver({ resolveSecret: async () => credentialJson({ AccountName: postgres.adminUser, AccountPassword: postgres.adminPassword }) });

  it('refuses every step that would act on them, and the victim keeps its password', async () => {
    const victim = targets[0]!.victim;
    const forged = credentialJson({ AccountName: victim.AccountName, AccountPassword: `Attacker-Chosen-${randomSecret()}` });
    const own = `att_${TAG}`;
    for (const strategy of ['SingleUser', 'DoubleUsers'] as const) {
      const secret = secretOf(strategy, own);
      // ACSCurrent and the pending value both name the victim: the old guard compared them with each other.
      const steps = [
        () => driver().generate({ secret, currentValue: forged, previousValue: null }),
        () => driver().apply({ secret, pendingValue: forged, currentValue: forged, previousValue: null }),
        () => driver().apply({ secret, pendingValue: forged, currentValue: null, previousValue: null }),
        () => driver().verify({ secret, pendingValue: forged }),
      ];
      for (const step of steps) {
        tally.tried();
        const error = await step().then(
          () => null,
          (e: unknown) => e,
        );
        if (error === null) tally.crossed(`driver ${strategy}: a step accepted a value naming another account`);
        expect(error).toBeInstanceOf(TargetError);
        expect(error).toMatchObject({ code: 'Target.AccountMismatch', retryable: false });
      }
    }
    expect(await pgLogsIn(victim)).toBe(true);
  });

  it('accepts a written value only for the fixed account (and its partner): a property over account names', async () => {
    const mysqlDriver = createMysqlDriver({ resolveSecret: async () => '{}' });
    const fixed = 'app';
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('SingleUser', 'DoubleUsers'), fc.oneof(fc.string(), fc.constantFrom('app', 'app_clone', 'App', 'app ', 'app_clone_clone', 'clone')), async (strategy, name) => {
        tally.tried();
        const secret: DriverSecret = { ...secretOf(strategy, fixed), extendedConfig: { ...secretOf(strategy, fixed).extendedConfig, SecretSubType: 'MySQL' } };
        const allowed = strategy === 'SingleUser' ? [fixed] : [fixed, 'app_clone'];
        const value = credentialJson({ AccountName: name, AccountPassword: 'x' });
        const outcome = await mysqlDriver.checkWrittenValue!({ secret, value, currentValue: credentialJson({ AccountName: fixed, AccountPassword: 'y' }) }).then(
          () => 'accepted',
          (e: unknown) => (e instanceof KmsError && e.code === 'InvalidParameter' ? 'refused' : 'other'),
        );
        const expected = name !== '' && allowed.includes(name) ? 'accepted' : 'refused';
        if (outcome === 'accepted' && expected === 'refused') tally.crossed(`checkWrittenValue accepted ${JSON.stringify(name)} (${strategy})`);
        expect(outcome).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
