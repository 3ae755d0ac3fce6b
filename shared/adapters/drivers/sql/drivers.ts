/** The self-managed database drivers as the runtime should register them: redaction always on. */
import type { TargetDriver } from '../../../ports/target-driver.js';
import { RedactingDriver } from '../redacting-driver.js';
import { mysqlEngine } from './mysql-engine.js';
import { postgresEngine } from './postgres-engine.js';
import { SqlAccountDriver, type SqlDriverOptions } from './sql-account-driver.js';

export type { ResolveSecret, SqlDriverOptions } from './sql-account-driver.js';

export const createPostgresDriver = (options: SqlDriverOptions): TargetDriver =>
  new RedactingDriver(new SqlAccountDriver(postgresEngine, options));

export const createMysqlDriver = (options: SqlDriverOptions): TargetDriver =>
  new RedactingDriver(new SqlAccountDriver(mysqlEngine, options));

export const createSqlDrivers = (options: SqlDriverOptions): TargetDriver[] => [createPostgresDriver(options), createMysqlDriver(options)];
