/**
 * Creates the secret store's Tablestore tables and indexes (idempotent: existing tables are left
 * as they are and reported). Reads ROTOR_OTS_ENDPOINT, ROTOR_OTS_INSTANCE, ROTOR_OTS_TABLE_PREFIX
 * (default "rotor_"), ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and, with STS
 * credentials, ALIBABA_CLOUD_SECURITY_TOKEN.
 *
 *   npm run provision:tablestore
 */
import { createTablestoreClient } from '../shared/adapters/tablestore/client.js';
import { describeProvisionReport, provisionTablestore } from '../shared/adapters/tablestore/provision.js';
import { tablestoreSettingsFromEnv } from '../shared/adapters/tablestore/settings.js';

const main = async (): Promise<number> => {
  const settings = tablestoreSettingsFromEnv(process.env);
  const client = createTablestoreClient(settings.connection);
  console.log(`Provisioning tables with prefix "${settings.tablePrefix}" in instance ${settings.connection.instanceName}`);
  const report = await provisionTablestore({ client, tablePrefix: settings.tablePrefix });
  for (const line of describeProvisionReport(report)) console.log(`  ${line}`);
  const troubled = report.existing.filter((table) => table.problems.length > 0);
  if (troubled.length > 0) {
    console.error('Some existing tables do not match what the store needs; fix or recreate them.');
    return 1;
  }
  return 0;
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`provision:tablestore failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
