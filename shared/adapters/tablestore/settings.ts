/** Tablestore connection settings from environment variables, shared by the functions and scripts. */
import type { TablestoreConnection } from './client.js';
import { DEFAULT_TABLE_PREFIX } from './schema.js';

export interface TablestoreSettings {
  connection: TablestoreConnection;
  tablePrefix: string;
}

type Env = Record<string, string | undefined>;

/**
 * Connection and prefix from the environment, as the functions and the provisioning script get
 * them. Throws naming the first missing variable.
 */
export const tablestoreSettingsFromEnv = (env: Env): TablestoreSettings => {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new Error(`Environment variable ${name} is required for Tablestore but is not set.`);
    return value;
  };
  const securityToken = env.ALIBABA_CLOUD_SECURITY_TOKEN?.trim();
  return {
    connection: {
      endpoint: required('ROTOR_OTS_ENDPOINT'),
      instanceName: required('ROTOR_OTS_INSTANCE'),
      accessKeyId: required('ALIBABA_CLOUD_ACCESS_KEY_ID'),
      accessKeySecret: required('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
      ...(securityToken ? { securityToken } : {}),
    },
    tablePrefix: env.ROTOR_OTS_TABLE_PREFIX?.trim() || DEFAULT_TABLE_PREFIX,
  };
};
