/**
 * Table-level operations: CreateTable, ListTable, DescribeTable, UpdateTable, DeleteTable, and the
 * secondary-index pair CreateIndex / DropIndex.
 */
import { parameterInvalid, tableAlreadyExists, tableNotExist } from '../errors.js';
import { backfillIndex, indexTableSchema } from '../indexes.js';
import type { ProtoInt64 } from '../sdk.js';
import { int64ToNumber } from '../sdk.js';
import type { DefinedColumnType, IndexSchema, StoredTable, TableOptions, TableSchema, TablestoreState } from '../table-store.js';
import type { PkColumnType } from '../values.js';
import { defineOperation, tableNamed, type Operation } from './operation.js';

interface IndexMetaMessage {
  name: string;
  primaryKey: string[];
  definedColumn: string[];
  indexUpdateMode: number;
  indexType: number;
}

interface TableOptionsMessage {
  timeToLive?: number;
  maxVersions?: number;
  deviationCellVersionInSec?: ProtoInt64;
  allowUpdate?: boolean;
}

interface CreateTableRequest {
  tableMeta: {
    tableName: string;
    primaryKey: Array<{ name: string; type: number; option?: number }>;
    definedColumn: Array<{ name: string; type: number }>;
  };
  reservedThroughput: { capacityUnit: { read?: number; write?: number } };
  tableOptions?: TableOptionsMessage | null;
  streamSpec?: { enableStream: boolean } | null;
  indexMetas: IndexMetaMessage[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const PK_TYPES: Record<number, PkColumnType> = { 1: 'INTEGER', 2: 'STRING', 3: 'BINARY' };
const DEFINED_TYPES: Record<number, DefinedColumnType> = { 1: 'INTEGER', 2: 'DOUBLE', 3: 'BOOLEAN', 4: 'STRING', 7: 'BINARY' };
const PK_TYPE_CODES: Record<PkColumnType, number> = { INTEGER: 1, STRING: 2, BINARY: 3 };
const DEFINED_TYPE_CODES: Record<DefinedColumnType, number> = { INTEGER: 1, DOUBLE: 2, BOOLEAN: 3, STRING: 4, BINARY: 7 };
const MIN_TIME_TO_LIVE = 86400;
const DEFAULT_DEVIATION = 86400;
const TABLE_STATUS_ACTIVE = 1;
const INDEX_SYNC_PHASE_INCR = 2;

const has = (message: object | null | undefined, field: string): boolean =>
  !!message && Object.prototype.hasOwnProperty.call(message, field);

const checkName = (kind: string, name: string): void => {
  if (!NAME.test(name)) throw parameterInvalid(`Invalid ${kind} name: '${name}'.`);
};

const checkOptions = (options: TableOptions): void => {
  if (options.timeToLive !== -1 && options.timeToLive < MIN_TIME_TO_LIVE) {
    throw parameterInvalid(`The time to live must be -1 or at least ${MIN_TIME_TO_LIVE} seconds.`);
  }
  if (options.maxVersions < 1) throw parameterInvalid('The max versions must be greater than 0.');
};

const tableOptionsFrom = (message: TableOptionsMessage | null | undefined, base?: TableOptions): TableOptions => ({
  timeToLive: has(message, 'timeToLive') ? message!.timeToLive! : (base?.timeToLive ?? -1),
  maxVersions: has(message, 'maxVersions') ? message!.maxVersions! : (base?.maxVersions ?? 1),
  allowUpdate: has(message, 'allowUpdate') ? message!.allowUpdate! : (base?.allowUpdate ?? true),
  deviationCellVersionInSec: has(message, 'deviationCellVersionInSec')
    ? int64ToNumber(message!.deviationCellVersionInSec!)
    : (base?.deviationCellVersionInSec ?? DEFAULT_DEVIATION),
});

const schemaFrom = (request: CreateTableRequest, now: number): TableSchema => {
  const meta = request.tableMeta;
  checkName('table', meta.tableName);
  if (meta.primaryKey.length < 1 || meta.primaryKey.length > 4) {
    throw parameterInvalid('The number of primary key columns must be in range: [1, 4].');
  }
  const primaryKey = meta.primaryKey.map((column) => {
    checkName('primary key column', column.name);
    const type = PK_TYPES[column.type];
    if (!type) throw parameterInvalid(`${column.type} is an invalid type for the primary key.`);
    // proto2 enums default to their first value (AUTO_INCREMENT), so only an option actually sent counts
    if (has(column, 'option')) {
      throw parameterInvalid('Auto-increment primary key columns are not supported by the test server.');
    }
    return { name: column.name, type };
  });
  if (new Set(primaryKey.map((column) => column.name)).size !== primaryKey.length) {
    throw parameterInvalid('The name of primary key must be unique.');
  }
  const definedColumns = meta.definedColumn.map((column) => {
    checkName('defined column', column.name);
    const type = DEFINED_TYPES[column.type];
    if (!type) throw parameterInvalid(`${column.type} is an invalid type for a defined column.`);
    if (primaryKey.some((key) => key.name === column.name)) {
      throw parameterInvalid(`Defined column '${column.name}' duplicates a primary key column.`);
    }
    return { name: column.name, type };
  });
  if (new Set(definedColumns.map((column) => column.name)).size !== definedColumns.length) {
    throw parameterInvalid('The name of defined column must be unique.');
  }
  const options = tableOptionsFrom(request.tableOptions);
  checkOptions(options);
  const capacity = request.reservedThroughput.capacityUnit;
  return {
    name: meta.tableName,
    primaryKey,
    definedColumns,
    options,
    reservedThroughput: { read: capacity.read ?? 0, write: capacity.write ?? 0 },
    indexes: [],
    createdAtMs: now,
  };
};

const indexFrom = (state: TablestoreState, main: TableSchema, meta: IndexMetaMessage): IndexSchema => {
  checkName('index', meta.name);
  if (state.tables.has(meta.name) || main.indexes.some((index) => index.name === meta.name) || meta.name === main.name) {
    throw tableAlreadyExists();
  }
  if (meta.indexType !== 0) throw parameterInvalid('Only global secondary indexes are supported by the test server.');
  if (meta.primaryKey.length === 0) throw parameterInvalid(`Index '${meta.name}' needs a primary key.`);
  for (const name of meta.primaryKey) {
    const isKey = main.primaryKey.some((column) => column.name === name);
    const defined = main.definedColumns.find((column) => column.name === name);
    if (!isKey && !defined) throw parameterInvalid(`Index key column '${name}' is neither a primary key nor a defined column.`);
    if (defined && defined.type !== 'INTEGER' && defined.type !== 'STRING' && defined.type !== 'BINARY') {
      throw parameterInvalid(`Index key column '${name}' must be INTEGER, STRING or BINARY.`);
    }
  }
  for (const name of meta.definedColumn) {
    if (!main.definedColumns.some((column) => column.name === name)) {
      throw parameterInvalid(`Index attribute column '${name}' is not a defined column.`);
    }
  }
  if (main.options.timeToLive !== -1 && main.options.allowUpdate) {
    throw parameterInvalid("Don't support allow update operation on table with index and ttl.");
  }
  if (main.options.maxVersions !== 1) throw parameterInvalid('A table with an index must have max versions 1.');
  return {
    name: meta.name,
    primaryKey: [...meta.primaryKey],
    definedColumns: [...meta.definedColumn],
    updateMode: meta.indexUpdateMode,
    indexType: meta.indexType,
  };
};

const addIndex = (state: TablestoreState, main: StoredTable, index: IndexSchema): void => {
  main.schema.indexes.push(index);
  state.tables.set(index.name, { schema: indexTableSchema(main.schema, index), indexOf: main.schema.name, rows: [] });
};

const mainTableNamed = (state: TablestoreState, name: string): StoredTable => {
  const table = tableNamed(state, name);
  if (table.indexOf) throw tableNotExist();
  return table;
};

const createTable = defineOperation<CreateTableRequest>('CreateTableRequest', 'CreateTableResponse', (request, { state, now }) => {
  const schema = schemaFrom(request, now);
  if (state.tables.has(schema.name)) throw tableAlreadyExists();
  if (request.streamSpec?.enableStream) throw parameterInvalid('Streams are not supported by the test server.');
  const indexes = request.indexMetas.map((meta, i) => {
    const earlier = request.indexMetas.slice(0, i).some((other) => other.name === meta.name);
    if (earlier) throw tableAlreadyExists();
    return indexFrom(state, schema, meta);
  });
  const table: StoredTable = { schema, rows: [] };
  state.tables.set(schema.name, table);
  for (const index of indexes) addIndex(state, table, index);
  return {};
});

const listTable = defineOperation<object>('ListTableRequest', 'ListTableResponse', (_request, { state }) => ({
  tableNames: [...state.tables.values()]
    .filter((table) => !table.indexOf)
    .map((table) => table.schema.name)
    .sort(),
}));

const indexMeta = (index: IndexSchema) => ({
  name: index.name,
  primaryKey: index.primaryKey,
  definedColumn: index.definedColumns,
  indexUpdateMode: index.updateMode,
  indexType: index.indexType,
  indexSyncPhase: INDEX_SYNC_PHASE_INCR,
});

const tableOptionsMessage = (options: TableOptions) => ({
  timeToLive: options.timeToLive,
  maxVersions: options.maxVersions,
  deviationCellVersionInSec: options.deviationCellVersionInSec,
  allowUpdate: options.allowUpdate,
});

const reservedThroughputDetails = (schema: TableSchema) => ({
  capacityUnit: { read: schema.reservedThroughput.read, write: schema.reservedThroughput.write },
  lastIncreaseTime: Math.floor(schema.createdAtMs / 1000),
});

const describeTable = defineOperation<{ tableName: string }>('DescribeTableRequest', 'DescribeTableResponse', (request, { state }) => {
  const { schema } = mainTableNamed(state, request.tableName);
  return {
    tableMeta: {
      tableName: schema.name,
      primaryKey: schema.primaryKey.map((column) => ({ name: column.name, type: PK_TYPE_CODES[column.type] })),
      definedColumn: schema.definedColumns.map((column) => ({ name: column.name, type: DEFINED_TYPE_CODES[column.type] })),
    },
    reservedThroughputDetails: reservedThroughputDetails(schema),
    tableOptions: tableOptionsMessage(schema.options),
    tableStatus: TABLE_STATUS_ACTIVE,
    streamDetails: { enableStream: false },
    indexMetas: schema.indexes.map(indexMeta),
  };
});

interface UpdateTableRequest {
  tableName: string;
  reservedThroughput?: { capacityUnit: { read?: number; write?: number } } | null;
  tableOptions?: TableOptionsMessage | null;
  streamSpec?: { enableStream: boolean } | null;
}

const updateTable = defineOperation<UpdateTableRequest>('UpdateTableRequest', 'UpdateTableResponse', (request, { state }) => {
  const { schema } = mainTableNamed(state, request.tableName);
  if (request.streamSpec?.enableStream) throw parameterInvalid('Streams are not supported by the test server.');
  const options = tableOptionsFrom(request.tableOptions, schema.options);
  checkOptions(options);
  if (schema.indexes.length > 0 && options.timeToLive !== -1 && options.allowUpdate) {
    throw parameterInvalid("Don't support allow update operation on table with index and ttl.");
  }
  schema.options = options;
  const capacity = request.reservedThroughput?.capacityUnit;
  if (capacity) {
    schema.reservedThroughput = {
      read: capacity.read ?? schema.reservedThroughput.read,
      write: capacity.write ?? schema.reservedThroughput.write,
    };
  }
  return {
    reservedThroughputDetails: reservedThroughputDetails(schema),
    tableOptions: tableOptionsMessage(options),
    streamDetails: { enableStream: false },
  };
});

/** Deleting a main table deletes its secondary indexes with it. */
const deleteTable = defineOperation<{ tableName: string }>('DeleteTableRequest', 'DeleteTableResponse', (request, { state }) => {
  const table = mainTableNamed(state, request.tableName);
  for (const index of table.schema.indexes) state.tables.delete(index.name);
  state.tables.delete(table.schema.name);
  return {};
});

interface CreateIndexRequest {
  mainTableName: string;
  indexMeta: IndexMetaMessage;
  includeBaseData?: boolean;
}

const createIndex = defineOperation<CreateIndexRequest>('CreateIndexRequest', 'CreateIndexResponse', (request, { state }) => {
  const main = mainTableNamed(state, request.mainTableName);
  const index = indexFrom(state, main.schema, request.indexMeta);
  addIndex(state, main, index);
  if (request.includeBaseData) backfillIndex(state, main, index);
  return {};
});

const dropIndex = defineOperation<{ mainTableName: string; indexName: string }>(
  'DropIndexRequest',
  'DropIndexResponse',
  (request, { state }) => {
    const main = mainTableNamed(state, request.mainTableName);
    const position = main.schema.indexes.findIndex((index) => index.name === request.indexName);
    if (position < 0) throw tableNotExist();
    main.schema.indexes.splice(position, 1);
    state.tables.delete(request.indexName);
    return {};
  },
);

export const tableOperations: Record<string, Operation> = {
  CreateTable: createTable,
  ListTable: listTable,
  DescribeTable: describeTable,
  UpdateTable: updateTable,
  DeleteTable: deleteTable,
  CreateIndex: createIndex,
  DropIndex: dropIndex,
};
