/**
 * A Tablestore test server that the real `tablestore` SDK talks to over HTTP on 127.0.0.1. See
 * README.md in this folder for what it implements and the wire facts behind it.
 *
 *   const server = await startTablestoreServer();
 *   const client = new TableStore.Client(server.clientConfig);
 *
 * Restart with the same data: `await server.stop()`, then
 * `startTablestoreServer({ port: server.port, state: server.state })`.
 */
import { OtsError } from './errors.js';
import { listen, type Injection } from './http-server.js';
import { batchOperations } from './ops/batch-ops.js';
import type { Operation } from './ops/operation.js';
import { rangeOperations } from './ops/range-ops.js';
import { rowOperations } from './ops/row-ops.js';
import { tableOperations } from './ops/table-ops.js';
import { createTablestoreState, namedPrimaryKey, type TablestoreState } from './table-store.js';
import { plainValue } from './values.js';
import { secretScanHooks } from '../secret-scan-hooks.js';

export { createTablestoreState, type TablestoreState } from './table-store.js';

export interface TablestoreServerOptions {
  accessKeyId?: string;
  accessKeySecret?: string;
  instanceName?: string;
  /** 0 or absent: any free port. */
  port?: number;
  /** The data of an earlier server instance, to restart over it. */
  state?: TablestoreState;
  /** Source of cell timestamps and TTL expiry, in milliseconds. */
  clock?: { now(): number };
}

export interface InjectedError {
  httpStatus: number;
  code: string;
  message: string;
}

export interface StoredRowView {
  /** Integers are bigint, binary values Buffers. */
  primaryKey: Record<string, unknown>;
  /** The latest version of each attribute column. */
  attributes: Record<string, unknown>;
}

export interface TablestoreTestServer {
  endpoint: string;
  instanceName: string;
  accessKeyId: string;
  accessKeySecret: string;
  port: number;
  state: TablestoreState;
  /** Options for `new TableStore.Client(...)` that point the SDK at this server. */
  clientConfig: { endpoint: string; instancename: string; accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
  /** Every row of a table or index table, in primary-key order. */
  rows(table: string): StoredRowView[];
  /** The next request for `operation` (e.g. "PutRow") fails with this error; calls queue up. */
  failNext(operation: string, error: InjectedError): void;
  /**
   * The next request for `operation` is carried out, then its connection is dropped without a
   * response: the write happened, the client sees a networking error. Queues with failNext.
   */
  dropNextResponse(operation: string): void;
}

const operations: Readonly<Record<string, Operation>> = {
  ...tableOperations,
  ...rowOperations,
  ...rangeOperations,
  ...batchOperations,
};

const operationName = (operation: string): string => operation.charAt(0).toUpperCase() + operation.slice(1);

const rowsOf = (state: TablestoreState, tableName: string): StoredRowView[] => {
  const table = state.tables.get(tableName);
  if (!table) throw new Error(`the test server has no table named ${tableName}`);
  return table.rows.map((row) => ({
    primaryKey: Object.fromEntries(
      namedPrimaryKey(table.schema, row.primaryKey).map((column) => [column.name, plainValue(column.value)]),
    ),
    attributes: Object.fromEntries(
      [...row.columns].flatMap(([name, versions]) => (versions[0] ? [[name, plainValue(versions[0].value)]] : [])),
    ),
  }));
};

export async function startTablestoreServer(options: TablestoreServerOptions = {}): Promise<TablestoreTestServer> {
  const credentials = {
    accessKeyId: options.accessKeyId ?? 'test-access-key-id',
    accessKeySecret: options.accessKeySecret ?? 'test-access-key-secret',
    instanceName: options.instanceName ?? 'test-instance',
  };
  const state = options.state ?? createTablestoreState();
  const clock = options.clock ?? { now: () => Date.now() };
  const injections = new Map<string, Injection[]>();
  const enqueue = (operation: string, injection: Injection): void => {
    const name = operationName(operation);
    if (!operations[name]) throw new Error(`the test server has no operation named ${name}`);
    injections.set(name, [...(injections.get(name) ?? []), injection]);
  };

  const http = await listen({
    port: options.port ?? 0,
    credentials,
    operations,
    context: () => ({ state, now: clock.now() }),
    takeInjection: (operation) => injections.get(operation)?.shift(),
  });

  const endpoint = `http://127.0.0.1:${http.port}`;
  return {
    ...credentials,
    endpoint,
    port: http.port,
    state,
    clientConfig: {
      endpoint,
      instancename: credentials.instanceName,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.accessKeySecret,
    },
    stop: () => {
      // The rows as stored when the server stops, for the secret scan: no plaintext may be among them.
      for (const table of state.tables.keys()) secretScanHooks.rows(rowsOf(state, table), `tablestore rows of ${table}`);
      return http.close();
    },
    rows: (table) => rowsOf(state, table),
    failNext: (operation, error) =>
      enqueue(operation, { kind: 'error', error: new OtsError(error.httpStatus, error.code, error.message) }),
    dropNextResponse: (operation) => enqueue(operation, { kind: 'drop-response' }),
  };
}
