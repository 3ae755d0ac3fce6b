/**
 * Global secondary indexes, kept in step with every write to their main table (synchronously, even
 * for IUM_ASYNC_INDEX: "already caught up" is one of the states a real async index can be in).
 *
 * An index row's primary key is the index's own key columns followed by the main table's key
 * columns it does not already name, in main-table order. A main row lacking any index key column
 * has no index row. Index attributes are the index's defined columns, latest version only.
 */
import {
  findRow,
  latestValue,
  removeRow,
  storeRow,
  type IndexSchema,
  type StoredRow,
  type StoredTable,
  type TableSchema,
  type TablestoreState,
  type Version,
} from './table-store.js';
import type { PkColumnType, PkValue } from './values.js';

const keyColumnsOf = (main: TableSchema, index: IndexSchema): string[] => [
  ...index.primaryKey,
  ...main.primaryKey.map((column) => column.name).filter((name) => !index.primaryKey.includes(name)),
];

const columnType = (main: TableSchema, name: string): PkColumnType => {
  const type =
    main.primaryKey.find((column) => column.name === name)?.type ??
    main.definedColumns.find((column) => column.name === name)?.type;
  if (type !== 'INTEGER' && type !== 'STRING' && type !== 'BINARY') {
    throw new Error(`column ${name} cannot be an index key`);
  }
  return type;
};

export const indexTableSchema = (main: TableSchema, index: IndexSchema): TableSchema => ({
  name: index.name,
  primaryKey: keyColumnsOf(main, index).map((name) => ({ name, type: columnType(main, name) })),
  definedColumns: main.definedColumns.filter((column) => index.definedColumns.includes(column.name)),
  options: { ...main.options, maxVersions: 1 },
  reservedThroughput: { read: 0, write: 0 },
  indexes: [],
  createdAtMs: main.createdAtMs,
});

const indexRowFor = (main: TableSchema, index: IndexSchema, row: StoredRow | undefined): StoredRow | undefined => {
  if (!row) return undefined;
  const primaryKey: PkValue[] = [];
  for (const name of keyColumnsOf(main, index)) {
    const mainKeyPosition = main.primaryKey.findIndex((column) => column.name === name);
    if (mainKeyPosition >= 0) {
      primaryKey.push(row.primaryKey[mainKeyPosition]!);
      continue;
    }
    const value = latestValue(row, name)?.value;
    if (!value || (value.type !== 'INTEGER' && value.type !== 'STRING' && value.type !== 'BINARY')) return undefined;
    primaryKey.push(value);
  }
  const columns = new Map<string, Version[]>();
  for (const name of index.definedColumns) {
    const latest = latestValue(row, name);
    if (latest) columns.set(name, [latest]);
  }
  return { primaryKey, columns };
};

const indexTable = (state: TablestoreState, index: IndexSchema): StoredTable => {
  const table = state.tables.get(index.name);
  if (!table) throw new Error(`index table ${index.name} is missing from the state`);
  return table;
};

/** Applies one main-table row change (before → after; undefined means absent) to every index. */
export const maintainIndexes = (
  state: TablestoreState,
  main: StoredTable,
  before: StoredRow | undefined,
  after: StoredRow | undefined,
): void => {
  for (const index of main.schema.indexes) {
    const table = indexTable(state, index);
    const oldRow = indexRowFor(main.schema, index, before);
    const newRow = indexRowFor(main.schema, index, after);
    if (oldRow) removeRow(table, oldRow.primaryKey);
    if (newRow) storeRow(table, newRow);
  }
};

/** Fills a new index from the rows already in its main table. */
export const backfillIndex = (state: TablestoreState, main: StoredTable, index: IndexSchema): void => {
  const table = indexTable(state, index);
  for (const row of main.rows) {
    const indexRow = indexRowFor(main.schema, index, row);
    if (indexRow && !findRow(table, indexRow.primaryKey)) storeRow(table, indexRow);
  }
};
