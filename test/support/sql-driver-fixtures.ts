/**
 * Driver-contract fixtures for the self-managed database drivers: each fixture creates its own
 * managing account, the account to rotate and (DoubleUsers) a group role holding a privilege on a
 * table, all under fresh names, and drops them all in cleanup. Logins are real.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createMysqlDriver, createPostgresDriver } from '../../shared/adapters/drivers/sql/drivers.js';
import {
  partnerAccount,
  requireAccountCredential,
  type AccountCredential,
  type AccountStrategy,
} from '../../shared/domain/database-accounts.js';
import { secretNotFound } from '../../shared/domain/errors.js';
import type { DriverSecret } from '../../shared/ports/target-driver.js';
import type { DriverFixture, DriverFixtureFactory } from '../contract/target-driver.contract.js';
import type { PostgresServer } from './embedded-postgres.js';
import { adminQuery, connectMysqlAdmin, MYSQL_TEST_SERVER } from './mariadb.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

export const randomSecret = (): string => `Aa1-${randomBytes(12).toString('base64url')}`;
const tag = (): string => randomBytes(4).toString('hex');

/** Quotes, backslashes, separators, comment markers, dollar quotes, spaces and non-ASCII. */
export const HOSTILE_PASSWORD_CORE = `p'"\\;--$$ $tag$ DROP ROLE x; /* ' OR '1'='1 \`ü€`;

const names = (t: string, hostile: boolean) => ({
  account: hostile ? `app"; DROP ROLE x; --'\\ ü${t}` : `app_${t}`,
  group: hostile ? `grp' OR '1'='1"\\;${t}` : `grp_${t}`,
  manager: `mgr_${t}`,
});

const secretFor = (subType: string, strategy: AccountStrategy, managerSecretName: string, host: string, port: number, group: string): DriverSecret => ({
  name: `db/${subType.toLowerCase()}/${tag()}`,
  type: 'Generic',
  extendedConfig: {
    SecretSubType: subType,
    Strategy: strategy,
    Host: host,
    Port: port,
    ManagerSecretName: managerSecretName,
    ...(strategy === 'DoubleUsers' ? { Role: group } : {}),
  },
});

const resolverFor = (managerSecretName: string, manager: AccountCredential) => async (name: string) => {
  if (name !== managerSecretName) throw secretNotFound(name);
  return JSON.stringify(manager);
};

const commonParts = (strategy: AccountStrategy) => ({
  strategy: strategy === 'DoubleUsers' ? ('dual' as const) : ('single' as const),
  accountOf: (value: string) => requireAccountCredential(value, 'value').AccountName,
  withWrongSecret: (value: string) =>
    JSON.stringify({ AccountName: requireAccountCredential(value, 'value').AccountName, AccountPassword: `Wrong-${randomSecret()}` }),
  hostileCustomValue: (current: string) => {
    const name = requireAccountCredential(current, 'current').AccountName;
    return JSON.stringify({
      AccountName: strategy === 'DoubleUsers' ? partnerAccount(name) : name,
      AccountPassword: `${HOSTILE_PASSWORD_CORE}${randomSecret()}`,
    });
  },
});

// ---------------------------------------------------------------- PostgreSQL

const pgLogin = async (server: PostgresServer, value: string, query: string): Promise<boolean> => {
  const { AccountName, AccountPassword } = requireAccountCredential(value, 'value');
  const client = new pg.Client({ host: server.host, port: server.port, user: AccountName, password: AccountPassword, database: 'postgres' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(query);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '28P01' || code === '42501') return false; // wrong password / permission denied
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
};

export const postgresFixtures =
  (server: () => PostgresServer, strategy: AccountStrategy): DriverFixtureFactory =>
  async ({ hostileNames }) => {
    const s = server();
    const t = tag();
    const n = names(t, hostileNames);
    const table = `shared_${t}`;
    const manager = { AccountName: n.manager, AccountPassword: randomSecret() };
    const initial = { AccountName: n.account, AccountPassword: randomSecret() };
    await s.admin.query(`CREATE ROLE ${ident(n.manager)} LOGIN CREATEROLE PASSWORD ${literal(manager.AccountPassword)}`);
    // The managing role creates what it rotates, as a DBA would: PostgreSQL 16+ then gives it ADMIN OPTION on them.
    const asManager = new pg.Client({ host: s.host, port: s.port, user: n.manager, password: manager.AccountPassword, database: 'postgres' });
    await asManager.connect();
    try {
      await asManager.query(`CREATE ROLE ${ident(n.account)} LOGIN PASSWORD ${literal(initial.AccountPassword)}`);
      if (strategy === 'DoubleUsers') await asManager.query(`CREATE ROLE ${ident(n.group)} NOLOGIN`);
    } finally {
      await asManager.end();
    }
    if (strategy === 'DoubleUsers') {
      await s.admin.query(`CREATE TABLE ${ident(table)} (n int)`);
      await s.admin.query(`GRANT SELECT ON ${ident(table)} TO ${ident(n.group)}`);
    }
    const managerSecretName = `managers/${t}`;
    const fixture: DriverFixture = {
      driver: createPostgresDriver({ resolveSecret: resolverFor(managerSecretName, manager) }),
      secret: secretFor('PostgreSQL', strategy, managerSecretName, s.host, s.port, n.group),
      initialValue: JSON.stringify(initial),
      ...commonParts(strategy),
      logsIn: (value) => pgLogin(s, value, 'SELECT 1'),
      usesGroupPrivileges: (value) => pgLogin(s, value, `SELECT count(*) FROM ${ident(table)}`),
      cleanup: async () => {
        await s.admin.query(`DROP TABLE IF EXISTS ${ident(table)}`);
        for (const role of [partnerAccount(n.account), n.account, n.group, n.manager])
          await s.admin.query(`DROP ROLE IF EXISTS ${ident(role)}`);
      },
    };
    return fixture;
  };

// ---------------------------------------------------------------- MySQL / MariaDB

const mysqlLogin = async (value: string, query: string): Promise<boolean> => {
  const { AccountName, AccountPassword } = requireAccountCredential(value, 'value');
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection({ host: MYSQL_TEST_SERVER.host, port: MYSQL_TEST_SERVER.port, user: AccountName, password: AccountPassword });
    conn.on('error', () => undefined);
    await conn.query(query);
    return true;
  } catch (error) {
    const errno = (error as { errno?: number }).errno;
    if (errno === 1045 || errno === 1142) return false; // wrong password / table access denied
    throw error;
  } finally {
    await conn?.end().catch(() => undefined);
  }
};

export const mysqlFixtures =
  (strategy: AccountStrategy): DriverFixtureFactory =>
  async ({ hostileNames }) => {
    const admin = await connectMysqlAdmin();
    const t = tag();
    const n = names(t, hostileNames);
    const database = `rotor_${t}`;
    const manager = { AccountName: n.manager, AccountPassword: randomSecret() };
    const initial = { AccountName: n.account, AccountPassword: randomSecret() };
    // CREATE USER to create and reset accounts; SELECT on mysql to look them up in preflight;
    // UPDATE on mysql because MariaDB requires it to set another account's default role.
    await adminQuery(admin, 'CREATE USER ?@? IDENTIFIED BY ?', [n.manager, '%', manager.AccountPassword]);
    await adminQuery(admin, 'GRANT CREATE USER ON *.* TO ?@?', [n.manager, '%']);
    await adminQuery(admin, 'GRANT SELECT, UPDATE ON mysql.* TO ?@?', [n.manager, '%']);
    await adminQuery(admin, 'CREATE USER ?@? IDENTIFIED BY ?', [n.account, '%', initial.AccountPassword]);
    if (strategy === 'DoubleUsers') {
      await admin.query(`CREATE DATABASE ${mysql.escapeId(database)}`);
      await admin.query(`CREATE TABLE ${mysql.escapeId(database)}.t (n int)`);
      await adminQuery(admin, 'CREATE ROLE ?', [n.group]);
      await admin.query(mysql.format(`GRANT SELECT ON ${mysql.escapeId(database)}.t TO ?`, [n.group]));
      await adminQuery(admin, 'GRANT ? TO ?@? WITH ADMIN OPTION', [n.group, n.manager, '%']);
    }
    const managerSecretName = `managers/${t}`;
    const fixture: DriverFixture = {
      driver: createMysqlDriver({ resolveSecret: resolverFor(managerSecretName, manager) }),
      secret: secretFor('MySQL', strategy, managerSecretName, MYSQL_TEST_SERVER.host, MYSQL_TEST_SERVER.port, n.group),
      initialValue: JSON.stringify(initial),
      ...commonParts(strategy),
      logsIn: (value) => mysqlLogin(value, 'SELECT 1'),
      usesGroupPrivileges: (value) => mysqlLogin(value, `SELECT COUNT(*) FROM ${mysql.escapeId(database)}.t`),
      cleanup: async () => {
        try {
          for (const account of [partnerAccount(n.account), n.account, n.manager]) await adminQuery(admin, 'DROP USER IF EXISTS ?@?', [account, '%']);
          await adminQuery(admin, 'DROP ROLE IF EXISTS ?', [n.group]);
          await admin.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(database)}`);
        } finally {
          await admin.end();
        }
      },
    };
    return fixture;
  };
