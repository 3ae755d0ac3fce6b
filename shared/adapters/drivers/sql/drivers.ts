/** The self-managed database drivers as the runtime should register them: redaction always on. */
import type { TargetDriver } from '../../../ports/target-driver.js';
import { RedactingDriver, type OperatorLog } from '../redacting-driver.js';
import { mysqlEngine } from './mysql-engine.js';
import { postgresEngine } from './postgres-engine.js';
import { SqlAccountDriver, type SqlDriverOptions } from './sql-account-driver.js';

export type { ResolveSecret, SqlDriverOptions } from './sql-account-driver.js';

/** `operatorLog` gets the detail of failures to connect or log in, which callers see only as Target.Unavailable. */
export type SqlDriverWiring = SqlDriverOptions & { operatorLog?: OperatorLog };

export const createPostgresDriver = ({ operatorLog, ...options }: SqlDriverWiring): TargetDriver =>
  new RedactingDriver(new SqlAccountDriver(postgresEngine, options), operatorLog);

export const createMysqlDriver = ({ operatorLog, ...options }: SqlDriverWiring): TargetDriver =>
  new RedactingDriver(new SqlAccountDriver(mysqlEngine, options), operatorLog);

export const createSqlDrivers = (options: SqlDriverWiring): TargetDriver[] => [createPostgresDriver(options), createMysqlDriver(options)];
