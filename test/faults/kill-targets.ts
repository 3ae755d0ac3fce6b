/**
 * The real targets the kill matrix rotates, one fresh credential set per case: what to create
 * through the KMS API, how a value logs in for real, and which credentials on the target no stage
 * accounts for (orphans). Every target is one of the test servers the driver tests use, started
 * once per file: an embedded PostgreSQL and the machine's MariaDB (both also behind the RDS
 * OpenAPI test server), a real sshd (also behind the ECS OpenAPI test server), the RAM OpenAPI test server.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { requireAccountCredential } from '../../shared/domain/database-accounts.js';
import { addTestInstances, ECS_REGION, LINUX_INSTANCE } from '../support/ecs-driver-fixtures.js';
import { startEcsOpenApiServer, type EcsOpenApiTestServer } from '../support/ecs-openapi-server/index.js';
import { adminQuery, connectMysqlAdmin, MYSQL_TEST_SERVER } from '../support/mariadb.js';
import { idOf, keyIdsOf, logsInWith } from '../support/ram-driver-fixtures.js';
import { startRamOpenApiServer, type RamOpenApiTestServer } from '../support/ram-openapi-server/index.js';
import { rdsPassword, startRdsTestbed, type RdsTestbed, type TestEngine } from '../support/rds-testbed.js';
import { keyOfLine, keyPairValue, readAuthorizedKeys, writeAuthorizedKeys } from '../support/ssh-driver-fixtures.js';
import { randomSecret } from '../support/sql-driver-fixtures.js';
import { createLinuxUser, ed25519Pair, randomUserName, sshLogsIn, startSshd, type SshdServer, type SshLoginValue } from '../support/sshd.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

/** CreateSecret's parameters, as the KMS SDK sends them. */
export type CreateSecretParams = Record<string, string>;

export interface Target {
  /** Created first, in order: the managing credentials the driver reads from other secrets. */
  setup: CreateSecretParams[];
  /** The rotated secret. */
  secret: CreateSecretParams;
  /** Its name once created (RAM secrets are created as $Auto). */
  name: string;
  /** A real login with the value; null for a secret with no target (generated passwords). */
  logsIn: ((value: string) => Promise<boolean>) | null;
  /** After a rotation ACSPrevious still logs in (dual accounts, RAM's previous key window); otherwise it must not. */
  previousWorks: boolean;
  /**
   * ACSCurrent logs in at every moment of a rotation (dual accounts, key overlap). A single-user
   * strategy changes the one credential at apply: until promote, either ACSCurrent or the pending
   * value logs in.
   */
  overlap: boolean;
  /** GetSecretValue by VersionId reads the pending value; KMS ignores VersionId for managed secrets (RAM, RDS, ECS). */
  pendingReadable: boolean;
  /** Target-side credentials no stage accounts for, described without secret values; [] when clean. */
  orphans(current: string, previous: string): Promise<string[]>;
  /** Kinds of step message that stay queued after a completed rotation (RAM's delayed retirement of ACSPrevious). */
  expectedLeftoverSteps: string[];
  cleanup(): Promise<void>;
}

export interface TargetKind {
  id: string;
  /** What the runtime needs to reach this target (cloud endpoints and the managing AccessKey). */
  runtimeEnv: Record<string, string>;
  create(): Promise<Target>;
}

export interface Testbeds {
  rds: RdsTestbed;
  sshd: SshdServer;
  ram: RamOpenApiTestServer;
  ecs: EcsOpenApiTestServer;
  stop(): Promise<void>;
}

export const startTestbeds = async (): Promise<Testbeds> => {
  // The RDS test server also stands an instance for the machine's MariaDB (the managed MySQL kind).
  const [rds, sshd, ram, ecs] = await Promise.all([startRdsTestbed({ mysql: true }), startSshd(), startRamOpenApiServer(), startEcsOpenApiServer()]);
  addTestInstances(ecs);
  return {
    rds,
    sshd,
    ram,
    ecs,
    stop: async () => {
      await Promise.allSettled([rds.stop(), sshd.stop(), ram.stop(), ecs.stop()]);
    },
  };
};

const tag = (): string => randomBytes(4).toString('hex');
const accountOf = (value: string): string => requireAccountCredential(value, 'value').AccountName;
const unaccounted = (present: readonly string[], staged: readonly string[], what: string): string[] =>
  present.filter((p) => !staged.includes(p)).map((p) => `${what} ${p} is in no stage`);
const cloudKey = (key: { accessKeyId: string; accessKeySecret: string; securityToken?: string }): Record<string, string> => ({
  ALIBABA_CLOUD_ACCESS_KEY_ID: key.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.accessKeySecret,
  ...(key.securityToken ? { ALIBABA_CLOUD_SECURITY_TOKEN: key.securityToken } : {}),
});

// ------------------------------------------------------------------ generated password (no target)

const generic = (): TargetKind => ({
  id: 'generic',
  runtimeEnv: {},
  create: async () => {
    const name = `app/generated/${tag()}`;
    return {
      setup: [],
      secret: { SecretName: name, VersionId: 'v0', SecretData: randomSecret(), ExtendedConfig: JSON.stringify({ SecretSubType: 'GeneratedPassword' }) },
      name,
      logsIn: null,
      previousWorks: false,
      overlap: true,
      pendingReadable: true,
      orphans: async () => [],
      expectedLeftoverSteps: [],
      cleanup: async () => undefined,
    };
  },
});

// ------------------------------------------------------------------ self-managed PostgreSQL

const pgLogin = async (bed: RdsTestbed, value: string, query: string): Promise<boolean> => {
  const { AccountName, AccountPassword } = requireAccountCredential(value, 'value');
  const client = new pg.Client({ host: bed.postgres.host, port: bed.postgres.port, user: AccountName, password: AccountPassword, database: 'postgres' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(query);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '28P01') return false;
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
};

/** Roles whose names start with the prefix (LIKE with its wildcards escaped). */
const pgRolesLike = async (bed: RdsTestbed, prefix: string): Promise<string[]> => {
  const { rows } = await bed.postgres.admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) AND rolcanlogin', [prefix]);
  return rows.map((r) => r.rolname);
};

const selfManagedPostgres = (bed: () => RdsTestbed, strategy: 'SingleUser' | 'DoubleUsers'): TargetKind => ({
  id: strategy === 'DoubleUsers' ? 'postgres-dual' : 'postgres-single',
  runtimeEnv: {},
  create: async () => {
    const b = bed();
    const t = tag();
    const account = `kapp_${t}`;
    const group = `kgrp_${t}`;
    const table = `kt_${t}`;
    const manager = { AccountName: `kmgr_${t}`, AccountPassword: randomSecret() };
    const initial = { AccountName: account, AccountPassword: randomSecret() };
    await b.postgres.admin.query(`CREATE ROLE ${ident(manager.AccountName)} LOGIN CREATEROLE PASSWORD ${literal(manager.AccountPassword)}`);
    const asManager = new pg.Client({ host: b.postgres.host, port: b.postgres.port, user: manager.AccountName, password: manager.AccountPassword, database: 'postgres' });
    await asManager.connect();
    try {
      await asManager.query(`CREATE ROLE ${ident(account)} LOGIN PASSWORD ${literal(initial.AccountPassword)}`);
      if (strategy === 'DoubleUsers') {
        // The application's account already reads through the group, as it would in use.
        await asManager.query(`CREATE ROLE ${ident(group)} NOLOGIN`);
        await asManager.query(`GRANT ${ident(group)} TO ${ident(account)}`);
      }
    } finally {
      await asManager.end();
    }
    if (strategy === 'DoubleUsers') {
      await b.postgres.admin.query(`CREATE TABLE ${ident(table)} (n int)`);
      await b.postgres.admin.query(`GRANT SELECT ON ${ident(table)} TO ${ident(group)}`);
    }
    const managerName = `managers/${t}`;
    const name = `db/postgres/${t}`;
    return {
      setup: [{ SecretName: managerName, VersionId: 'm1', SecretData: JSON.stringify(manager) }],
      secret: {
        SecretName: name,
        VersionId: 'v0',
        SecretData: JSON.stringify(initial),
        ExtendedConfig: JSON.stringify({
          SecretSubType: 'PostgreSQL',
          Strategy: strategy,
          Host: b.postgres.host,
          Port: b.postgres.port,
          ManagerSecretName: managerName,
          ...(strategy === 'DoubleUsers' ? { Role: group } : {}),
        }),
      },
      name,
      // The dual strategy's promise includes the shared grants: the query reads the group's table.
      logsIn: (value) => pgLogin(b, value, strategy === 'DoubleUsers' ? `SELECT count(*) FROM ${ident(table)}` : 'SELECT 1'),
      previousWorks: strategy === 'DoubleUsers',
      overlap: strategy === 'DoubleUsers',
      pendingReadable: true,
      orphans: async (current, previous) => unaccounted(await pgRolesLike(b, account), [accountOf(current), accountOf(previous)], 'PostgreSQL login role'),
      expectedLeftoverSteps: [],
      cleanup: async () => {
        await b.postgres.admin.query(`DROP TABLE IF EXISTS ${ident(table)}`);
        for (const role of [`${account}_clone`, account, group, manager.AccountName]) await b.postgres.admin.query(`DROP ROLE IF EXISTS ${ident(role)}`);
      },
    };
  },
});

// ------------------------------------------------------------------ self-managed MariaDB

const mysqlLogin = async (value: string, query: string): Promise<boolean> => {
  const { AccountName, AccountPassword } = requireAccountCredential(value, 'value');
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection({ host: MYSQL_TEST_SERVER.host, port: MYSQL_TEST_SERVER.port, user: AccountName, password: AccountPassword });
    conn.on('error', () => undefined);
    await conn.query(query);
    return true;
  } catch (error) {
    if ((error as { errno?: number }).errno === 1045) return false;
    throw error;
  } finally {
    await conn?.end().catch(() => undefined);
  }
};

const selfManagedMysql = (strategy: 'SingleUser' | 'DoubleUsers'): TargetKind => ({
  id: strategy === 'DoubleUsers' ? 'mysql-dual' : 'mysql-single',
  runtimeEnv: {},
  create: async () => {
    const t = tag();
    const account = `kapp_${t}`;
    const group = `kgrp_${t}`;
    const database = `krotor_${t}`;
    const manager = { AccountName: `kmgr_${t}`, AccountPassword: randomSecret() };
    const initial = { AccountName: account, AccountPassword: randomSecret() };
    const admin = await connectMysqlAdmin();
    try {
      await adminQuery(admin, 'CREATE USER ?@? IDENTIFIED BY ?', [manager.AccountName, '%', manager.AccountPassword]);
      await adminQuery(admin, 'GRANT CREATE USER ON *.* TO ?@?', [manager.AccountName, '%']);
      await adminQuery(admin, 'GRANT SELECT, UPDATE ON mysql.* TO ?@?', [manager.AccountName, '%']);
      await adminQuery(admin, 'CREATE USER ?@? IDENTIFIED BY ?', [account, '%', initial.AccountPassword]);
      await admin.query(`CREATE DATABASE ${mysql.escapeId(database)}`);
      await admin.query(`CREATE TABLE ${mysql.escapeId(database)}.t (n int)`);
      if (strategy === 'DoubleUsers') {
        await adminQuery(admin, 'CREATE ROLE ?', [group]);
        await admin.query(mysql.format(`GRANT SELECT ON ${mysql.escapeId(database)}.t TO ?`, [group]));
        await adminQuery(admin, 'GRANT ? TO ?@? WITH ADMIN OPTION', [group, manager.AccountName, '%']);
        // The application's account already reads through the group, as it would in use.
        await adminQuery(admin, 'GRANT ? TO ?@?', [group, account, '%']);
        await adminQuery(admin, 'SET DEFAULT ROLE ? FOR ?@?', [group, account, '%']);
      }
    } finally {
      await admin.end();
    }
    const managerName = `managers/${t}`;
    const name = `db/mysql/${t}`;
    const usersLike = (): Promise<string[]> => mysqlUsersLike(account);
    return {
      setup: [{ SecretName: managerName, VersionId: 'm1', SecretData: JSON.stringify(manager) }],
      secret: {
        SecretName: name,
        VersionId: 'v0',
        SecretData: JSON.stringify(initial),
        ExtendedConfig: JSON.stringify({
          SecretSubType: 'MySQL',
          Strategy: strategy,
          Host: MYSQL_TEST_SERVER.host,
          Port: MYSQL_TEST_SERVER.port,
          ManagerSecretName: managerName,
          ...(strategy === 'DoubleUsers' ? { Role: group } : {}),
        }),
      },
      name,
      logsIn: (value) => mysqlLogin(value, strategy === 'DoubleUsers' ? `SELECT COUNT(*) FROM ${mysql.escapeId(database)}.t` : 'SELECT 1'),
      previousWorks: strategy === 'DoubleUsers',
      overlap: strategy === 'DoubleUsers',
      pendingReadable: true,
      orphans: async (current, previous) => unaccounted(await usersLike(), [accountOf(current), accountOf(previous)], 'MariaDB account'),
      expectedLeftoverSteps: [],
      cleanup: async () => {
        const conn = await connectMysqlAdmin();
        try {
          for (const user of [`${account}_clone`, account, manager.AccountName]) await adminQuery(conn, 'DROP USER IF EXISTS ?@?', [user, '%']);
          await adminQuery(conn, 'DROP ROLE IF EXISTS ?', [group]);
          await conn.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(database)}`);
        } finally {
          await conn.end();
        }
      },
    };
  },
});

// ------------------------------------------------------------------ Linux host over SSH, and ECS through Cloud Assistant

const sshLogin = (bed: () => Testbeds) => (value: string) => sshLogsIn(bed().sshd, JSON.parse(value) as SshLoginValue);
const publicKeyOf = (value: string): string => keyOfLine((JSON.parse(value) as { PublicKey: string }).PublicKey);

/**
 * A key user's authorized_keys: the lines outside the managed block must stay as written, and
 * the block must hold exactly ACSCurrent's key (the previous key is retired at finalize).
 */
const keyBlockOrphans = (readKeys: () => string, blockName: string, outside: string[], current: string): string[] => {
  const lines = readKeys().split('\n');
  const begin = `# BEGIN secret-rotor ${blockName}`;
  const end = `# END secret-rotor ${blockName}`;
  const problems: string[] = [];
  if (lines.filter((l) => l === begin).length !== 1 || lines.filter((l) => l === end).length !== 1) problems.push('not exactly one managed block');
  const block = lines.slice(lines.indexOf(begin) + 1, lines.indexOf(end)).filter((l) => l.trim() !== '');
  const stale = block.map(keyOfLine).filter((k) => k !== publicKeyOf(current));
  if (stale.length > 0) problems.push(`${stale.length} key(s) in the managed block are not ACSCurrent`);
  if (!block.map(keyOfLine).includes(publicKeyOf(current))) problems.push('ACSCurrent is missing from the managed block');
  const outsideNow = lines.filter((l, i) => (i < lines.indexOf(begin) || i > lines.indexOf(end)) && l.trim() !== '');
  if (JSON.stringify(outsideNow) !== JSON.stringify(outside)) problems.push('the lines outside the managed block changed');
  return problems;
};

type HostFlavour = { kind: 'ssh' } | { kind: 'ecs' };

const hostKind = (bed: () => Testbeds, flavour: HostFlavour, subType: 'password' | 'key'): TargetKind => ({
  id: `${flavour.kind}-${subType}`,
  get runtimeEnv() {
    return flavour.kind === 'ecs' ? { ...cloudKey(bed().ecs.manager), ROTOR_ECS_ENDPOINT: `http://${bed().ecs.endpoint}` } : {};
  },
  create: async () => {
    const b = bed();
    const t = tag();
    const userName = randomUserName(false);
    const name = flavour.kind === 'ecs' ? `acs/ecs/${subType}-${t}` : `hosts/${subType}/${t}`;
    const managerName = `hosts/manager-${t}`;
    const extendedConfig =
      flavour.kind === 'ecs'
        ? { SecretSubType: subType === 'key' ? 'SSHKey' : 'Password', RegionId: ECS_REGION, InstanceId: LINUX_INSTANCE }
        : {
            SecretSubType: subType === 'key' ? 'LinuxSSHKey' : 'LinuxPassword',
            Host: b.sshd.host,
            Port: b.sshd.port,
            UserName: userName,
            ManagerSecretName: managerName,
            HostKeyFingerprint: b.sshd.hostKeyFingerprint,
          };
    const common = {
      setup: flavour.kind === 'ssh' ? [{ SecretName: managerName, VersionId: 'm1', SecretData: b.sshd.managerValue }] : [],
      name,
      logsIn: sshLogin(bed),
      previousWorks: false,
      pendingReadable: flavour.kind === 'ssh',
      expectedLeftoverSteps: [],
    };
    const secretParams = (data: string): CreateSecretParams => ({
      SecretName: name,
      VersionId: 'v0',
      SecretData: data,
      ExtendedConfig: JSON.stringify(extendedConfig),
      ...(flavour.kind === 'ecs' ? { SecretType: 'ECS' } : {}),
    });
    if (subType === 'password') {
      const initial = { UserName: userName, Password: randomSecret() };
      const user = await createLinuxUser(userName, initial.Password);
      return {
        ...common,
        secret: secretParams(JSON.stringify(initial)),
        overlap: false,
        // One password: the retired value must be refused (checked by the caller through previousWorks).
        orphans: async () => [],
        cleanup: () => user.remove(),
      };
    }
    const user = await createLinuxUser(userName);
    const first = ed25519Pair('initial');
    const other = ed25519Pair('ops@laptop');
    const outside = ['# the ops team', other.publicKey];
    writeAuthorizedKeys(user, `${outside.join('\n')}\n${first.publicKey}\n`);
    return {
      ...common,
      secret: secretParams(keyPairValue(userName, first)),
      overlap: true,
      orphans: async (current) => {
        const problems = keyBlockOrphans(() => readAuthorizedKeys(user), name, outside, current);
        if (!(await sshLogsIn(b.sshd, { UserName: userName, PrivateKey: other.privateKey }))) problems.push('the key outside the block no longer logs in');
        return problems;
      },
      cleanup: () => user.remove(),
    };
  },
});

// ------------------------------------------------------------------ managed RAM

/** Exported for the kill of its delayed cleanup (kill-cleanup.test.ts), which needs only the RAM test server. */
export const ramKind = (server: () => RamOpenApiTestServer): TargetKind => ({
  id: 'ram',
  get runtimeEnv() {
    return { ...cloudKey(server().manager), ROTOR_RAM_ENDPOINT: `http://${server().endpoint}` };
  },
  create: async () => {
    const ram = server();
    const userName = `kill-${tag()}`;
    ram.addUser(userName);
    const key = ram.issueKey(userName);
    return {
      setup: [],
      secret: {
        SecretName: '$Auto',
        SecretType: 'RAMCredentials',
        VersionId: 'v0',
        SecretData: JSON.stringify({ AccessKeys: [{ AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret }] }),
        ExtendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: userName, PreviousKeyWindow: '10m' }),
      },
      name: `acs/ram/user/${userName}`,
      logsIn: (value) => logsInWith(ram, value, userName),
      previousWorks: true,
      overlap: true,
      pendingReadable: false,
      orphans: async (current, previous) => {
        const keys = keyIdsOf(ram, userName);
        const problems = unaccounted(keys, [idOf(current), idOf(previous)], 'AccessKey');
        if (keys.length > 2) problems.push(`the user holds ${keys.length} AccessKeys`);
        return problems;
      },
      // The previous key is retired once its window (10 min, the shortest allowed) has passed.
      expectedLeftoverSteps: ['retirePrevious'],
      cleanup: async () => undefined,
    };
  },
});

// ------------------------------------------------------------------ managed RDS (on the embedded PostgreSQL, or the machine's MariaDB)

/** MariaDB accounts (not roles) whose names start with the prefix; compared here, as mysql.user's collation differs. */
const mysqlUsersLike = async (prefix: string): Promise<string[]> => {
  const conn = await connectMysqlAdmin();
  try {
    const [rows] = await conn.query("SELECT User AS user, is_role AS isRole FROM mysql.user WHERE Host = '%'");
    return (rows as Array<{ user: string | Buffer; isRole: string | Buffer }>)
      .filter((r) => String(r.isRole) !== 'Y')
      .map((r) => String(r.user))
      .filter((user) => user.startsWith(prefix));
  } finally {
    await conn.end();
  }
};

const rdsKind = (bed: () => Testbeds, strategy: 'SingleUser' | 'DoubleUsers', engine: TestEngine): TargetKind => ({
  id: `rds-${engine === 'MySQL' ? 'mysql-' : ''}${strategy === 'DoubleUsers' ? 'dual' : 'single'}`,
  get runtimeEnv() {
    return { ...cloudKey(bed().rds.rds), ROTOR_RDS_ENDPOINT: `http://${bed().rds.rds.endpoint}` };
  },
  create: async () => {
    const b = bed().rds;
    // The MariaDB instance serves only accounts under the test bed's prefix (the server is shared).
    const account = engine === 'MySQL' ? `${b.mysqlPrefix}${tag()}` : `krds_${tag()}`;
    const accounts = [{ AccountName: account, AccountPassword: rdsPassword() }];
    if (strategy === 'DoubleUsers') accounts.push({ AccountName: `${account}_twin`, AccountPassword: rdsPassword() });
    for (const a of accounts) await b.createAccount(engine, a.AccountName, a.AccountPassword);
    const name = `rds/kill/${account}`;
    const accountsNow = () => (engine === 'MySQL' ? mysqlUsersLike(account) : pgRolesLike(b, account));
    return {
      setup: [],
      secret: {
        SecretName: name,
        SecretType: 'Rds',
        VersionId: 'v0',
        SecretData: JSON.stringify({ Accounts: accounts }),
        ExtendedConfig: JSON.stringify({ SecretSubType: strategy, DBInstanceId: b.instanceOf(engine) }),
      },
      name,
      logsIn: (value) => b.logsIn(engine, value),
      previousWorks: strategy === 'DoubleUsers',
      overlap: strategy === 'DoubleUsers',
      pendingReadable: false,
      orphans: async (current, previous) => unaccounted(await accountsNow(), [accountOf(current), accountOf(previous)], 'RDS account'),
      expectedLeftoverSteps: [],
      cleanup: async () => {
        for (const a of accounts) await b.dropAccount(engine, a.AccountName);
      },
    };
  },
});

export const targetKinds = (bed: () => Testbeds) => ({
  generic: generic(),
  postgresDual: selfManagedPostgres(() => bed().rds, 'DoubleUsers'),
  postgresSingle: selfManagedPostgres(() => bed().rds, 'SingleUser'),
  mysqlDual: selfManagedMysql('DoubleUsers'),
  mysqlSingle: selfManagedMysql('SingleUser'),
  sshKey: hostKind(bed, { kind: 'ssh' }, 'key'),
  sshPassword: hostKind(bed, { kind: 'ssh' }, 'password'),
  ram: ramKind(() => bed().ram),
  rdsDual: rdsKind(bed, 'DoubleUsers', 'PostgreSQL'),
  rdsSingle: rdsKind(bed, 'SingleUser', 'PostgreSQL'),
  rdsMysqlDual: rdsKind(bed, 'DoubleUsers', 'MySQL'),
  rdsMysqlSingle: rdsKind(bed, 'SingleUser', 'MySQL'),
  ecsKey: hostKind(bed, { kind: 'ecs' }, 'key'),
  ecsPassword: hostKind(bed, { kind: 'ecs' }, 'password'),
});
