/**
 * The managed-RDS test bed: the RDS OpenAPI test server, with one instance id standing for a real
 * embedded PostgreSQL and (when reachable) one for the MariaDB on the machine; the driver wired
 * to the server through the official SDK; real logins; and driver-contract fixtures.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createRdsDriver } from '../../shared/adapters/drivers/rds/drivers.js';
import type { RdsDriverWiring } from '../../shared/adapters/drivers/rds/drivers.js';
import { partnerAccount, requireAccountCredential, type AccountStrategy } from '../../shared/domain/database-accounts.js';
import type { DriverSecret, TargetDriver } from '../../shared/ports/target-driver.js';
import type { DriverFixture, DriverFixtureFactory } from '../contract/target-driver.contract.js';
import { startEmbeddedPostgres, type PostgresServer } from './embedded-postgres.js';
import { MYSQL_TEST_SERVER } from './mariadb.js';
import { mysqlDatabase, postgresDatabase, startRdsOpenApiServer, type RdsOpenApiServer } from './rds-openapi-server/index.js';

export type TestEngine = 'PostgreSQL' | 'MySQL';
export const POSTGRES_INSTANCE = 'pgm-testpostgres01';
export const MYSQL_INSTANCE = 'rm-testmariadb01';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

/** An RDS-valid password (8–32, three classes, RDS's specials only). */
export const rdsPassword = (): string => `Aa1_${randomBytes(12).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x')}`;
export const uniqueTag = (): string => randomBytes(3).toString('hex');

export interface RdsTestbed {
  rds: RdsOpenApiServer;
  postgres: PostgresServer;
  /** Prefix of every MariaDB account this test bed creates (the server is shared). */
  mysqlPrefix: string;
  driver(options?: Omit<RdsDriverWiring, 'credentials' | 'connection'>): TargetDriver;
  instanceOf(engine: TestEngine): string;
  /** A real login; false only when the server refuses the password. */
  logsIn(engine: TestEngine, value: string, database?: string): Promise<boolean>;
  /** Makes an account directly on the database, as one made outside the secret manager. */
  createAccount(engine: TestEngine, name: string, password: string): Promise<void>;
  dropAccount(engine: TestEngine, name: string): Promise<void>;
  stop(): Promise<void>;
}

export const isMysqlReachable = async (): Promise<boolean> => {
  try {
    const conn = await mysql.createConnection({ ...MYSQL_TEST_SERVER, connectTimeout: 2000 });
    await conn.end();
    return true;
  } catch {
    return false;
  }
};

const loginPostgres = async (server: PostgresServer, user: string, password: string, database = 'postgres'): Promise<boolean> => {
  const client = new pg.Client({ host: server.host, port: server.port, user, password, database });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '28P01') return false;
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
};

const loginMysql = async (user: string, password: string): Promise<boolean> => {
  try {
    const conn = await mysql.createConnection({ host: MYSQL_TEST_SERVER.host, port: MYSQL_TEST_SERVER.port, user, password });
    await conn.query('SELECT 1');
    await conn.end();
    return true;
  } catch (error) {
    if ((error as { errno?: number }).errno === 1045) return false;
    throw error;
  }
};

const mysqlAdminRun = async (sql: string, values: string[]) => {
  const conn = await mysql.createConnection(MYSQL_TEST_SERVER);
  try {
    await conn.query("SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
    await conn.query(mysql.format(sql, values));
  } finally {
    await conn.end();
  }
};

export interface RdsTestbedOptions {
  /** Also stand an instance id for the machine's MariaDB. */
  mysql?: boolean;
  /**
   * SCRAM iterations of the passwords PostgreSQL stores (its default is 4096). Fewer make each
   * login cheaper on both ends, for load tests on a small shared machine; the login is still SCRAM.
   */
  scramIterations?: number;
}

export const startRdsTestbed = async (options: RdsTestbedOptions = {}): Promise<RdsTestbed> => {
  const postgres = await startEmbeddedPostgres();
  if (options.scramIterations !== undefined) {
    await postgres.admin.query(`ALTER SYSTEM SET scram_iterations = ${Math.trunc(options.scramIterations)}`);
    await postgres.admin.query('SELECT pg_reload_conf()');
  }
  const rds = await startRdsOpenApiServer();
  const mysqlPrefix = `rds${uniqueTag()}`;
  rds.addInstance(POSTGRES_INSTANCE, postgresDatabase(postgres));
  if (options.mysql) rds.addInstance(MYSQL_INSTANCE, mysqlDatabase(MYSQL_TEST_SERVER, mysqlPrefix));
  const created: Array<[TestEngine, string]> = [];

  const dropAccount = async (engine: TestEngine, name: string) => {
    if (engine === 'PostgreSQL') {
      await postgres.admin.query(`DROP OWNED BY ${ident(name)}`).catch(() => undefined);
      await postgres.admin.query(`DROP ROLE IF EXISTS ${ident(name)}`);
    } else {
      await mysqlAdminRun("DROP USER IF EXISTS ?@'%'", [name]);
    }
  };

  return {
    rds,
    postgres,
    mysqlPrefix,
    driver: (extra = {}) =>
      createRdsDriver({
        credentials: () => ({ accessKeyId: rds.accessKeyId, accessKeySecret: rds.accessKeySecret }),
        connection: { endpoint: rds.endpoint, protocol: 'http' },
        verifyAttempts: 1,
        ...extra,
      }),
    instanceOf: (engine) => (engine === 'PostgreSQL' ? POSTGRES_INSTANCE : MYSQL_INSTANCE),
    logsIn: (engine, value, database) => {
      const { AccountName, AccountPassword } = requireAccountCredential(value, 'value');
      return engine === 'PostgreSQL' ? loginPostgres(postgres, AccountName, AccountPassword, database) : loginMysql(AccountName, AccountPassword);
    },
    createAccount: async (engine, name, password) => {
      created.push([engine, name]);
      if (engine === 'PostgreSQL') await postgres.admin.query(`CREATE ROLE ${ident(name)} LOGIN PASSWORD ${literal(password)}`);
      else await mysqlAdminRun("CREATE USER ?@'%' IDENTIFIED BY ?", [name, password]);
    },
    dropAccount,
    stop: async () => {
      for (const [engine, name] of created) await dropAccount(engine, name).catch(() => undefined);
      if (options.mysql) {
        const conn = await mysql.createConnection(MYSQL_TEST_SERVER);
        const [rows] = await conn.query(mysql.format("SELECT User FROM mysql.user WHERE Host = '%' AND User LIKE ?", [`${mysqlPrefix}%`]));
        for (const row of rows as Array<{ User: string }>) await conn.query(mysql.format("DROP USER IF EXISTS ?@'%'", [row.User]));
        await conn.end();
      }
      await rds.stop();
      await postgres.stop();
    },
  };
};

/** RDS-valid, yet full of what breaks naive quoting: `$$` dollar quotes, `--` comments, `%s`, `#`, `&`. */
export const HOSTILE_RDS_PASSWORD = 'Aa9$$x%s--#(*)=+!^_-&';

/**
 * Contract fixtures: two accounts made directly on the database (`<name>` and `<name>_clone`),
 * the first as ACSCurrent. Hostile names carry quotes, backslashes and separators: RDS would not
 * create such names, but imported accounts may have them, and every layer must escape them.
 */
export const rdsFixtures =
  (bed: () => RdsTestbed, engine: TestEngine, strategy: AccountStrategy): DriverFixtureFactory =>
  async ({ hostileNames }) => {
    const testbed = bed();
    const t = uniqueTag();
    const base = engine === 'MySQL' ? `${testbed.mysqlPrefix}${t}` : `app${t}`;
    const account = hostileNames ? `${base}"; DROP x; --'\\ ü` : base;
    const twin = partnerAccount(account);
    const initialPassword = rdsPassword();
    await testbed.createAccount(engine, account, initialPassword);
    if (strategy === 'DoubleUsers') await testbed.createAccount(engine, twin, rdsPassword());
    const secret: DriverSecret = {
      name: `rds/${t}`,
      type: 'Rds',
      extendedConfig: { SecretSubType: strategy, DBInstanceId: testbed.instanceOf(engine) },
    };
    const fixture: DriverFixture = {
      driver: testbed.driver(),
      secret,
      initialValue: JSON.stringify({ AccountName: account, AccountPassword: initialPassword }),
      strategy: strategy === 'DoubleUsers' ? 'dual' : 'single',
      logsIn: (value) => testbed.logsIn(engine, value),
      withWrongSecret: (value) =>
        JSON.stringify({ AccountName: requireAccountCredential(value, 'value').AccountName, AccountPassword: rdsPassword() }),
      hostileCustomValue: (current) => {
        const name = requireAccountCredential(current, 'current').AccountName;
        return JSON.stringify({ AccountName: strategy === 'DoubleUsers' ? partnerAccount(name) : name, AccountPassword: HOSTILE_RDS_PASSWORD });
      },
      accountOf: (value) => requireAccountCredential(value, 'value').AccountName,
      cleanup: async () => {
        await testbed.dropAccount(engine, account);
        await testbed.dropAccount(engine, twin);
      },
    };
    return fixture;
  };
