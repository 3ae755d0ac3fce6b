/**
 * The real database behind an RDS instance id: every account change the API accepts is made on it,
 * so tests log in for real afterwards. Names and passwords go through the client libraries'
 * escaping (the server takes no bind parameters for CREATE/ALTER ROLE or USER).
 */
import mysql from 'mysql2/promise';
import pg from 'pg';

export type RdsEngine = 'PostgreSQL' | 'MySQL';
export const PRIVILEGES = ['ReadWrite', 'ReadOnly', 'DDLOnly', 'DMLOnly', 'DBOwner'] as const;
export type AccountPrivilege = (typeof PRIVILEGES)[number];

export interface InstanceDatabase {
  readonly engine: RdsEngine;
  readonly engineVersion: string;
  readonly host: string;
  readonly port: number;
  /** Login accounts an RDS console would list: not the administrator, not built-in roles. */
  listAccounts(): Promise<string[]>;
  createAccount(name: string, password: string, highPrivilege: boolean): Promise<void>;
  databaseExists(database: string): Promise<boolean>;
  grant(account: string, database: string, privilege: AccountPrivilege): Promise<void>;
  resetPassword(account: string, password: string): Promise<void>;
  deleteAccount(account: string): Promise<void>;
}

export interface PostgresAdmin {
  host: string;
  port: number;
  adminUser: string;
  adminPassword: string;
}

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

const PG_TABLE_PRIVILEGES: Record<AccountPrivilege, string> = {
  ReadWrite: 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER',
  ReadOnly: 'SELECT',
  DDLOnly: 'REFERENCES, TRIGGER',
  DMLOnly: 'SELECT, INSERT, UPDATE, DELETE',
  DBOwner: 'ALL PRIVILEGES',
};

export const postgresDatabase = (server: PostgresAdmin, engineVersion = '18.0'): InstanceDatabase => {
  const run = async <T extends pg.QueryResultRow>(database: string, sql: string, values: unknown[] = []) => {
    const client = new pg.Client({ host: server.host, port: server.port, user: server.adminUser, password: server.adminPassword, database });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<T>(sql, values)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  return {
    engine: 'PostgreSQL',
    engineVersion,
    host: server.host,
    port: server.port,
    listAccounts: async () =>
      (
        await run<{ rolname: string }>(
          'postgres',
          "SELECT rolname FROM pg_roles WHERE rolcanlogin AND NOT rolsuper AND rolname NOT LIKE 'pg\\_%' ORDER BY rolname",
        )
      ).map((r) => r.rolname),
    createAccount: async (name, password, highPrivilege) => {
      await run('postgres', `CREATE ROLE ${ident(name)} LOGIN ${highPrivilege ? 'CREATEDB CREATEROLE' : ''} PASSWORD ${literal(password)}`);
    },
    databaseExists: async (database) => (await run('postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [database])).length > 0,
    grant: async (account, database, privilege) => {
      const who = ident(account);
      await run('postgres', `GRANT CONNECT ${privilege === 'DBOwner' || privilege === 'DDLOnly' ? ', CREATE' : ''} ON DATABASE ${ident(database)} TO ${who}`);
      const schemaPrivileges = privilege === 'ReadOnly' || privilege === 'DMLOnly' ? 'USAGE' : 'USAGE, CREATE';
      await run(database, `GRANT ${schemaPrivileges} ON SCHEMA public TO ${who}`);
      await run(database, `GRANT ${PG_TABLE_PRIVILEGES[privilege]} ON ALL TABLES IN SCHEMA public TO ${who}`);
      await run(database, `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ${PG_TABLE_PRIVILEGES[privilege]} ON TABLES TO ${who}`);
      if (privilege !== 'ReadOnly' && privilege !== 'DDLOnly') {
        // Inserting into a serial column needs the sequence too.
        await run(database, `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${who}`);
        await run(database, `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${who}`);
      }
    },
    resetPassword: async (account, password) => {
      await run('postgres', `ALTER ROLE ${ident(account)} PASSWORD ${literal(password)}`);
    },
    deleteAccount: async (account) => {
      for (const { datname } of await run<{ datname: string }>('postgres', 'SELECT datname FROM pg_database WHERE datallowconn')) {
        await run(datname, `DROP OWNED BY ${ident(account)}`).catch(() => undefined);
      }
      await run('postgres', `DROP ROLE IF EXISTS ${ident(account)}`);
    },
  };
};

export interface MysqlAdmin {
  host: string;
  port: number;
  user: string;
  password: string;
}

const MYSQL_PRIVILEGES: Record<AccountPrivilege, string> = {
  ReadWrite: 'ALL PRIVILEGES',
  ReadOnly: 'SELECT, SHOW VIEW',
  DDLOnly: 'CREATE, DROP, ALTER, INDEX, CREATE VIEW, SHOW VIEW',
  DMLOnly: 'SELECT, INSERT, UPDATE, DELETE, SHOW VIEW',
  DBOwner: 'ALL PRIVILEGES',
};

/**
 * Accounts are `'name'@'%'`. The server is shared with other tests, so listAccounts shows only the
 * accounts named with `accountPrefix`.
 */
export const mysqlDatabase = (server: MysqlAdmin, accountPrefix: string, engineVersion = '10.11'): InstanceDatabase => {
  const run = async (sql: string, values: string[] = []) => {
    const conn = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
    conn.on('error', () => undefined);
    try {
      // Backslash escaping in mysql.format is only safe when the session honours backslashes.
      await conn.query("SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
      const [rows] = await conn.query(mysql.format(sql, values));
      return rows as Array<Record<string, unknown>>;
    } finally {
      await conn.end().catch(() => undefined);
    }
  };
  return {
    engine: 'MySQL',
    engineVersion,
    host: server.host,
    port: server.port,
    listAccounts: async () =>
      (await run("SELECT User AS name FROM mysql.user WHERE Host = '%' AND User LIKE ? ORDER BY User", [`${accountPrefix}%`])).map((r) =>
        String(r.name),
      ),
    createAccount: async (name, password, highPrivilege) => {
      await run("CREATE USER ?@'%' IDENTIFIED BY ?", [name, password]);
      if (highPrivilege) await run("GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION", [name]);
    },
    databaseExists: async (database) => (await run('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database])).length > 0,
    grant: async (account, database, privilege) => {
      await run(`GRANT ${MYSQL_PRIVILEGES[privilege]} ON ??.* TO ?@'%'`, [database, account]);
    },
    resetPassword: async (account, password) => {
      await run("ALTER USER ?@'%' IDENTIFIED BY ?", [account, password]);
    },
    deleteAccount: async (account) => {
      await run("DROP USER IF EXISTS ?@'%'", [account]);
    },
  };
};
