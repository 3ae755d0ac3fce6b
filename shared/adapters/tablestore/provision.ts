/**
 * Creates the store's tables and indexes, idempotently: a table that exists is left as it is and
 * reported, with any way it differs from what the store needs (missing index, TTL other than -1).
 */
import type { TableStoreAdminClientLike } from './client.js';
import { tablestoreError } from './errors.js';
import { DEFAULT_TABLE_PREFIX, tableDefinitions, tableNames } from './schema.js';

export interface ProvisionOptions {
  client: TableStoreAdminClientLike;
  tablePrefix?: string;
}

export interface ExistingTable {
  name: string;
  /** Why the table, as found, does not serve the store; empty when it does. */
  problems: string[];
}

export interface ProvisionReport {
  created: string[];
  existing: ExistingTable[];
}

const call = async <T>(operation: string, request: () => Promise<T>): Promise<T> => {
  try {
    return await request();
  } catch (error) {
    throw tablestoreError(operation, error, { withServiceMessage: true });
  }
};

const isAlreadyExists = (error: unknown): boolean =>
  typeof (error as { message?: unknown })?.message === 'string' &&
  (error as { message: string }).message.includes('OTSObjectAlreadyExist');

const problemsOf = async (client: TableStoreAdminClientLike, tableName: string, indexNames: string[]): Promise<string[]> => {
  const table = await call('DescribeTable', () => client.describeTable({ tableName }));
  const problems: string[] = [];
  if (table.tableOptions.timeToLive !== -1) {
    problems.push(`time to live is ${table.tableOptions.timeToLive} s, expected -1 (rows must never expire)`);
  }
  const present = new Set((table.indexMetas ?? []).map((index) => index.name));
  for (const name of indexNames) if (!present.has(name)) problems.push(`index ${name} is missing`);
  return problems;
};

export async function provisionTablestore(options: ProvisionOptions): Promise<ProvisionReport> {
  const { client } = options;
  const definitions = tableDefinitions(tableNames(options.tablePrefix ?? DEFAULT_TABLE_PREFIX));
  const { tableNames: present } = await call('ListTable', () => client.listTable({}));
  const report: ProvisionReport = { created: [], existing: [] };
  for (const definition of definitions) {
    const name = definition.tableMeta.tableName;
    const indexNames = (definition.indexMetas ?? []).map((index) => index.name);
    if (!present.includes(name)) {
      try {
        await client.createTable(definition);
        report.created.push(name);
        continue;
      } catch (error) {
        // Another provisioning run got there first: report the table as found.
        if (!isAlreadyExists(error)) throw tablestoreError('CreateTable', error, { withServiceMessage: true });
      }
    }
    report.existing.push({ name, problems: await problemsOf(client, name, indexNames) });
  }
  return report;
}

/** Deletes the store's tables (their indexes go with them). For tests and teardown. */
export async function deleteTablestoreTables(options: ProvisionOptions): Promise<string[]> {
  const { client } = options;
  const { tableNames: present } = await call('ListTable', () => client.listTable({}));
  const deleted: string[] = [];
  for (const definition of tableDefinitions(tableNames(options.tablePrefix ?? DEFAULT_TABLE_PREFIX))) {
    const name = definition.tableMeta.tableName;
    if (!present.includes(name)) continue;
    await call('DeleteTable', () => client.deleteTable({ tableName: name }));
    deleted.push(name);
  }
  return deleted;
}

export const describeProvisionReport = (report: ProvisionReport): string[] => [
  ...report.created.map((name) => `created ${name}`),
  ...report.existing.map(({ name, problems }) =>
    problems.length === 0 ? `exists  ${name} (left as is)` : `exists  ${name} (left as is) BUT ${problems.join('; ')}`,
  ),
];
