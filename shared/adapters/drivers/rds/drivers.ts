/** Wiring for managed RDS secrets: the SDK-backed accounts API behind the redaction decorator. */
import type { CredentialsProvider } from '../../support/cloud-credentials.js';
import type { TargetDriver } from '../../../ports/target-driver.js';
import { RedactingDriver } from '../redacting-driver.js';
import { createRdsAccountsApi, type RdsConnection } from './rds-api.js';
import { RdsAccountDriver, type RdsDriverOptions } from './rds-account-driver.js';

export interface RdsDriverWiring extends Omit<RdsDriverOptions, 'api'> {
  credentials: CredentialsProvider;
  /** Endpoint, protocol and region of the RDS API; tests point it at the protocol test server. */
  connection?: RdsConnection;
}

export const createRdsDriver = ({ credentials, connection, ...options }: RdsDriverWiring): TargetDriver =>
  new RedactingDriver(new RdsAccountDriver({ ...options, api: createRdsAccountsApi(credentials, connection) }));

/** ROTOR_RDS_ENDPOINT (host or http(s)://host) points the driver at another RDS endpoint; default the central one. */
export const rdsConnectionFromEnv = (env: NodeJS.ProcessEnv = process.env): RdsConnection =>
  env.ROTOR_RDS_ENDPOINT ? { endpoint: env.ROTOR_RDS_ENDPOINT } : {};
