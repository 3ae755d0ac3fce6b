/**
 * MySQL and MariaDB primitives over `mysql2`. Account statements take no bind parameters, so every
 * name and password goes through mysql2's `format` (string literals: MySQL accounts and roles are
 * quoted strings). Backslash escaping is only safe without NO_BACKSLASH_ESCAPES, so each session
 * clears that mode first. Group membership uses a ROLE with SET DEFAULT ROLE (MariaDB ≥ 10.1.1 and
 * MySQL ≥ 8.0 both have roles; only the SET DEFAULT ROLE syntax differs). Logging in goes through
 * guarded authentication plugins (mysql-auth.ts): the password itself leaves only over verified TLS.
 * Connections are opened with mysql2's callback API, whose connection exists before the TLS upgrade
 * (mysql-tls.ts checks the certificate against Host there), and then used through its promise API.
 */
import type * as Mysql from 'mysql2/promise';
import type { AuthPlugin, Connection as CoreConnection } from 'mysql2';
import { commonJsExports } from '../../support/commonjs.js';
import { TargetError } from '../../../domain/errors.js';
import { connecting } from '../connect-failure.js';
import type { SqlTargetConfig } from './config.js';
import type { ManagementScope, SqlEngine, SqlLogin, SqlSession, SqlTimeouts } from './engine.js';
import { guardedAuthPlugins } from './mysql-auth.js';
import { checkHostAfterTls, mysqlSslOption } from './mysql-tls.js';

type MysqlModule = typeof Mysql;
type CallbackModule = typeof import('mysql2');
type Loaded = { mysql: MysqlModule; createConnection: CallbackModule['createConnection']; authPlugins: Record<string, AuthPlugin> };

/** Loaded on first connect: most functions never reach a MySQL server, and the client is large. */
let mysqlModule: Promise<Loaded> | undefined;
const loadMysql = (): Promise<Loaded> =>
  (mysqlModule ??= Promise.all([import('mysql2/promise'), import('mysql2')]).then(([promiseApi, callbackApi]) => {
    const callbacks = commonJsExports<CallbackModule>(callbackApi);
    return { mysql: commonJsExports<MysqlModule>(promiseApi), createConnection: callbacks.createConnection, authPlugins: guardedAuthPlugins(callbacks.authPlugins) };
  }));

/** MariaDB allows 80 characters, MySQL 8 allows 32; the server rejects what is too long (it does not truncate). */
const MAX_NAME_BYTES = 80;

type Row = Record<string, unknown>;

/** Resolves once the server accepted the login (what mysql2/promise's createConnection waits for). */
const loggedIn = (core: CoreConnection): Promise<Mysql.Connection> =>
  new Promise((resolve, reject) => {
    core.once('connect', () => resolve(core.promise()));
    core.once('error', reject);
  });

/** MySQL 8 reports `app_role`@`%`, MariaDB reports app_role. */
const roleName = (reported: string): string => {
  const quoted = /^`((?:[^`]|``)*)`@`(?:[^`]|``)*`$/.exec(reported);
  return quoted ? (quoted[1] as string).replace(/``/g, '`') : reported;
};

/** Privileges on one level from SHOW GRANTS lines such as "GRANT CREATE USER, RELOAD ON *.* TO ...". */
const privilegesOn = (grants: string[], level: string): Set<string> => {
  const marker = ` ON ${level} TO `;
  return new Set(
    grants.flatMap((line) => {
      const at = line.indexOf(marker);
      return line.startsWith('GRANT ') && at > 0 ? line.slice('GRANT '.length, at).split(',').map((p) => p.trim().toUpperCase()) : [];
    }),
  );
};

class MysqlSession implements SqlSession {
  constructor(
    private readonly conn: Mysql.Connection,
    private readonly format: MysqlModule['format'],
    private readonly accountHost: string,
    private readonly isMariaDb: boolean,
    private readonly queryMs: number,
  ) {}

  async ping(): Promise<void> {
    await this.run('SELECT 1');
  }

  async managementPermission(scope: ManagementScope): Promise<{ ok: boolean; detail: string }> {
    const lines = (await this.run('SHOW GRANTS')).map((r) => String(Object.values(r)[0]));
    const global = privilegesOn(lines, '*.*');
    const onMysqlSchema = privilegesOn(lines, '`mysql`.*');
    if (!global.has('ALL PRIVILEGES') && !global.has('CREATE USER'))
      return { ok: false, detail: 'The managing account lacks the global CREATE USER privilege.' };
    // MariaDB lets only a writer of the mysql schema set another account's default role.
    const mayUpdateMysql = ['ALL PRIVILEGES', 'UPDATE'].some((p) => global.has(p) || onMysqlSchema.has(p));
    if (scope.strategy === 'DoubleUsers' && this.isMariaDb && !mayUpdateMysql)
      return { ok: false, detail: 'The managing account needs UPDATE on the mysql schema to set default roles (MariaDB).' };
    return { ok: true, detail: 'The managing account may create accounts and set their passwords and default roles.' };
  }

  async accountExists(name: string): Promise<boolean> {
    const rows = await this.run('SELECT 1 FROM mysql.user WHERE User = ? AND (Host = ? OR Host = ?)', [name, this.accountHost, '']);
    return rows.length > 0;
  }

  /** user@AccountHost itself, the account GRANT and SET DEFAULT ROLE name (accountExists also accepts a row with an empty Host). */
  private async exactAccountExists(name: string): Promise<boolean> {
    return (await this.run('SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?', [name, this.accountHost])).length > 0;
  }

  async effectiveRole(): Promise<string | null> {
    const [row] = await this.run('SELECT CURRENT_ROLE() AS role');
    const role = row?.role;
    return typeof role === 'string' && role !== 'NONE' ? roleName(role) : null;
  }

  async resetPassword(account: string, password: string): Promise<void> {
    await this.run('ALTER USER ?@? IDENTIFIED BY ?', [account, this.accountHost, password]);
  }

  /**
   * MySQL DDL commits statement by statement, so nothing runs until the partner (the account in
   * use) is known to exist: a missing one would otherwise be found only after `account` was reset.
   */
  async setGroupMember(account: string, password: string, group: string, partner: string): Promise<void> {
    if (!(await this.exactAccountExists(partner)))
      throw new TargetError('Target.InvalidAccount', 'The account in ACSCurrent does not exist on the server; nothing was changed.', false);
    await this.run('CREATE ROLE IF NOT EXISTS ?', [group]);
    await this.run('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [account, this.accountHost, password]);
    await this.run('ALTER USER ?@? IDENTIFIED BY ?', [account, this.accountHost, password]);
    for (const member of [account, partner]) {
      await this.run('GRANT ? TO ?@?', [group, member, this.accountHost]);
      await this.run(this.isMariaDb ? 'SET DEFAULT ROLE ? FOR ?@?' : 'SET DEFAULT ROLE ? TO ?@?', [group, member, this.accountHost]);
    }
  }

  async close(): Promise<void> {
    try {
      await this.conn.end();
    } catch {
      this.conn.destroy();
    }
  }

  /** Values are spliced by `format` (escaped literals), never by string concatenation. */
  private async run(sql: string, values: string[] = []): Promise<Row[]> {
    const [rows] = await this.conn.query({ sql: this.format(sql, values), timeout: this.queryMs });
    return Array.isArray(rows) ? (rows as Row[]) : [];
  }
}

export const mysqlEngine: SqlEngine = {
  kind: 'mysql',
  subType: 'MySQL',
  passwordTarget: 'mysql',
  defaultPort: 3306,
  maxRoleNameBytes: MAX_NAME_BYTES,
  maxAccountNameBytes: MAX_NAME_BYTES,

  async connect(config: SqlTargetConfig, login: SqlLogin, timeouts: SqlTimeouts): Promise<SqlSession> {
    const { mysql, createConnection, authPlugins } = await loadMysql();
    const conn = await connecting(() => {
      const core = createConnection({
        host: config.host,
        port: config.port,
        user: login.user,
        password: login.password,
        ...(config.database === undefined ? {} : { database: config.database }),
        ssl: mysqlSslOption(config),
        authPlugins,
        connectTimeout: timeouts.connectMs,
        multipleStatements: false,
      });
      try {
        checkHostAfterTls(core, config, config.host);
      } catch (error) {
        core.destroy();
        throw error;
      }
      return loggedIn(core);
    });
    // A dropped connection is reported through the pending query; without a listener it would crash the process.
    conn.on('error', () => undefined);
    try {
      await conn.query({ sql: "SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')", timeout: timeouts.queryMs });
      const [rows] = await conn.query({ sql: 'SELECT VERSION() AS version', timeout: timeouts.queryMs });
      const version = String((rows as Row[])[0]?.version ?? '');
      return new MysqlSession(conn, mysql.format, config.accountHost, version.includes('MariaDB'), timeouts.queryMs);
    } catch (error) {
      conn.destroy();
      throw error;
    }
  },
};
