/**
 * A real login to an RDS instance with an account's password: how verify proves the reset took
 * effect. Errors are the client library's own; RedactingDriver classifies them and strips secrets.
 */
import type * as Mysql from 'mysql2/promise';
import type pg from 'pg';
import { TargetError } from '../../../domain/errors.js';
import { commonJsExports } from '../../support/commonjs.js';
import type { RdsInstanceInfo } from './rds-api.js';

export interface LoginTarget {
  instance: RdsInstanceInfo;
  /** PostgreSQL needs a database to connect to. */
  database?: string;
  timeoutMs: number;
}

export type InstanceLogin = (target: LoginTarget, accountName: string, password: string) => Promise<void>;


/** Loaded when a login runs: a verify step is the only user of these clients. */
const loginPostgres: InstanceLogin = async ({ instance, database, timeoutMs }, user, password) => {
  const { Client } = commonJsExports<typeof pg>(await import('pg'));
  const client = new Client({
    host: instance.host,
    port: instance.port,
    user,
    password,
    database: database ?? 'postgres',
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
};

const loginMysql: InstanceLogin = async ({ instance, timeoutMs }, user, password) => {
  const mysql = commonJsExports<typeof Mysql>(await import('mysql2/promise'));
  const conn = await mysql.createConnection({ host: instance.host, port: instance.port, user, password, connectTimeout: timeoutMs });
  conn.on('error', () => undefined);
  try {
    await conn.query({ sql: 'SELECT 1', timeout: timeoutMs });
  } finally {
    await conn.end().catch(() => undefined);
  }
};

export const loginToInstance: InstanceLogin = (target, accountName, password) => {
  const engine = target.instance.engine.toLowerCase();
  if (engine === 'postgresql') return loginPostgres(target, accountName, password);
  if (engine === 'mysql' || engine === 'mariadb') return loginMysql(target, accountName, password);
  throw new TargetError(
    'Target.Rejected',
    `Verify logs in to MySQL, MariaDB and PostgreSQL instances; this one runs ${target.instance.engine}. Set ExtendedConfig.VerifyLogin to false.`,
    false,
  );
};
