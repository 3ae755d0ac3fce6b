/**
 * PostgreSQL primitives over `pg`. ALTER/CREATE ROLE take no bind parameters, so every identifier
 * goes through escapeIdentifier and every literal through escapeLiteral. Passwords are sent as
 * SCRAM verifiers when the server stores SCRAM, so no plaintext lands in server logs.
 *
 * Logging in: a server may ask for the password in cleartext (AuthenticationCleartextPassword);
 * pg would send it to whoever asks. Here the password is given only when the TLS connection was
 * verified; otherwise the login fails before the password leaves the process.
 */
import type pg from 'pg';
import { commonJsExports } from '../../support/commonjs.js';
import { connecting, UntrustedTransport } from '../connect-failure.js';
import type { SqlTargetConfig } from './config.js';
import type { ManagementScope, SqlEngine, SqlLogin, SqlSession, SqlTimeouts } from './engine.js';
import { canPrehash, scramSha256Verifier } from './scram.js';
import { isVerifiedTls, tlsOptions } from './tls-config.js';

type PgModule = typeof pg;

/** Loaded on first connect: most functions never reach a PostgreSQL server. */
let pgModule: Promise<PgModule> | undefined;
const loadPg = (): Promise<PgModule> =>
  (pgModule ??= import('pg').then((m) => commonJsExports<PgModule>(m)));

/** Pure quoting functions of pg; a session exists only once pg is loaded, so they are always set there. */
let ident: PgModule['escapeIdentifier'] = () => {
  throw new Error('pg is not loaded yet.');
};
let literal: PgModule['escapeLiteral'] = ident;

/** From PostgreSQL 16, CREATEROLE alone no longer lets a role alter roles it does not administer. */
const PG_ADMIN_OPTION_VERSION = 160_000;

/** NAMEDATALEN - 1: PostgreSQL silently truncates longer names, which would rotate the wrong role. */
const MAX_NAME_BYTES = 63;

const CLEARTEXT_REFUSED =
  'The server asked for the password in cleartext over a connection whose TLS certificate was not verified; it was not sent.';

/**
 * Hands pg the password only when it asks for it (pg calls `give` for every password method). A
 * cleartext request is answered only over verified TLS; SCRAM and MD5 never reveal the password itself.
 */
class PasswordGate {
  private cleartextAsked = false;
  private connection: pg.Connection | undefined;

  constructor(private readonly password: string) {}

  watch(client: pg.Client): void {
    this.connection = client.connection;
    client.connection.on('authenticationCleartextPassword', () => {
      this.cleartextAsked = true;
    });
  }

  readonly give = (): string => {
    if (this.cleartextAsked && !isVerifiedTls(this.connection?.stream)) throw new UntrustedTransport(CLEARTEXT_REFUSED);
    return this.password;
  };
}

class PostgresSession implements SqlSession {
  constructor(private readonly client: pg.Client) {}

  async ping(): Promise<void> {
    await this.client.query('SELECT 1');
  }

  async managementPermission(scope: ManagementScope): Promise<{ ok: boolean; detail: string }> {
    const { rows } = await this.client.query<{ rolsuper: boolean; rolcreaterole: boolean; version: number }>(
      `SELECT rolsuper, rolcreaterole, current_setting('server_version_num')::int AS version
         FROM pg_roles WHERE rolname = current_user`,
    );
    const row = rows[0];
    if (row?.rolsuper) return { ok: true, detail: 'The managing role is a superuser.' };
    if (!row?.rolcreaterole) return { ok: false, detail: 'The managing role has neither SUPERUSER nor CREATEROLE.' };
    if (row.version < PG_ADMIN_OPTION_VERSION) return { ok: true, detail: 'The managing role has CREATEROLE.' };
    const lacking: string[] = [];
    for (const name of [...scope.accounts, ...(scope.group === undefined ? [] : [scope.group])]) {
      if (!(await this.accountExists(name))) continue;
      const admin = await this.client.query<{ ok: boolean }>("SELECT pg_has_role(current_user, $1, 'MEMBER WITH ADMIN OPTION') AS ok", [name]);
      if (!admin.rows[0]?.ok) lacking.push(`"${name}"`);
    }
    return lacking.length === 0
      ? { ok: true, detail: 'The managing role has CREATEROLE and ADMIN OPTION on the roles it rotates.' }
      : { ok: false, detail: `The managing role lacks ADMIN OPTION on ${lacking.join(', ')} (PostgreSQL 16+ needs it to alter a role).` };
  }

  async accountExists(name: string): Promise<boolean> {
    const { rowCount } = await this.client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
    return (rowCount ?? 0) > 0;
  }

  async effectiveRole(): Promise<string | null> {
    const { rows } = await this.client.query<{ role: string }>('SELECT current_user AS role');
    return rows[0]?.role ?? null;
  }

  async resetPassword(account: string, password: string): Promise<void> {
    await this.client.query(`ALTER ROLE ${ident(account)} WITH PASSWORD ${await this.passwordLiteral(password)}`);
  }

  async setGroupMember(account: string, password: string, group: string, partner: string): Promise<void> {
    const secret = await this.passwordLiteral(password);
    await this.client.query('BEGIN');
    try {
      if (!(await this.accountExists(group))) await this.client.query(`CREATE ROLE ${ident(group)} NOLOGIN`);
      const verb = (await this.accountExists(account)) ? 'ALTER' : 'CREATE';
      await this.client.query(`${verb} ROLE ${ident(account)} WITH LOGIN PASSWORD ${secret}`);
      for (const member of [account, partner]) {
        if (!(await this.isMember(member, group))) await this.client.query(`GRANT ${ident(group)} TO ${ident(member)}`);
        // Sessions act as the group, so objects either account creates belong to the group and the
        // other account can use them: the ownership drift of AWS's _clone strategy cannot happen.
        await this.client.query(`ALTER ROLE ${ident(member)} SET role = ${literal(group)}`);
      }
      await this.client.query('COMMIT');
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private async isMember(member: string, group: string): Promise<boolean> {
    const { rowCount } = await this.client.query(
      `SELECT 1 FROM pg_auth_members m
         JOIN pg_roles g ON g.oid = m.roleid
         JOIN pg_roles u ON u.oid = m.member
        WHERE g.rolname = $1 AND u.rolname = $2`,
      [group, member],
    );
    return (rowCount ?? 0) > 0;
  }

  private async passwordLiteral(password: string): Promise<string> {
    const { rows } = await this.client.query<{ password_encryption: string }>('SHOW password_encryption');
    const scram = rows[0]?.password_encryption === 'scram-sha-256' && canPrehash(password);
    return literal(scram ? scramSha256Verifier(password) : password);
  }
}

export const postgresEngine: SqlEngine = {
  kind: 'postgresql',
  subType: 'PostgreSQL',
  passwordTarget: 'postgresql',
  defaultPort: 5432,
  maxRoleNameBytes: MAX_NAME_BYTES,
  maxAccountNameBytes: MAX_NAME_BYTES,

  async connect(config: SqlTargetConfig, login: SqlLogin, timeouts: SqlTimeouts): Promise<SqlSession> {
    const loaded = await loadPg();
    ({ escapeIdentifier: ident, escapeLiteral: literal } = loaded);
    const gate = new PasswordGate(login.password);
    const client = new loaded.Client({
      host: config.host,
      port: config.port,
      database: config.database ?? 'postgres',
      user: login.user,
      password: gate.give,
      ssl: tlsOptions(config) ?? false,
      connectionTimeoutMillis: timeouts.connectMs,
      query_timeout: timeouts.queryMs,
      application_name: 'secret-rotor',
    });
    gate.watch(client);
    // A dropped connection is reported through the pending query; without a listener it would crash the process.
    client.on('error', () => undefined);
    await connecting(async () => {
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
    });
    return new PostgresSession(client);
  },
};
