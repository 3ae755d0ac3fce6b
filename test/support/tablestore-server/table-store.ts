/**
 * The server's data: table schemas and rows kept sorted by primary key. The state object outlives a
 * server instance, so a stopped server can be started again over the same data.
 */
import type { BoundValue, CellValue, PkColumn, PkColumnType, PkValue } from './values.js';
import { compareKeys } from './values.js';

export type DefinedColumnType = CellValue['type'];

export interface TableOptions {
  timeToLive: number;
  maxVersions: number;
  allowUpdate: boolean;
  deviationCellVersionInSec: number;
}

export interface IndexSchema {
  name: string;
  primaryKey: string[];
  definedColumns: string[];
  updateMode: number;
  indexType: number;
}

export interface TableSchema {
  name: string;
  primaryKey: Array<{ name: string; type: PkColumnType }>;
  definedColumns: Array<{ name: string; type: DefinedColumnType }>;
  options: TableOptions;
  reservedThroughput: { read: number; write: number };
  indexes: IndexSchema[];
  createdAtMs: number;
}

export interface Version {
  timestamp: number;
  value: CellValue;
}

export interface StoredRow {
  /** Values in schema order. */
  primaryKey: PkValue[];
  /** Versions of each attribute column, newest first. */
  columns: Map<string, Version[]>;
}

export interface StoredTable {
  schema: TableSchema;
  /** Set on global secondary index tables: the main table whose writes maintain this one. */
  indexOf?: string;
  rows: StoredRow[];
}

export interface TablestoreState {
  tables: Map<string, StoredTable>;
}

export const createTablestoreState = (): TablestoreState => ({ tables: new Map() });

export const namedPrimaryKey = (schema: TableSchema, values: readonly PkValue[]): PkColumn[] =>
  schema.primaryKey.map((column, i) => ({ name: column.name, value: values[i]! }));

/** Binary search: the row's position if present, else where it would be inserted. */
const locate = (table: StoredTable, key: readonly BoundValue[]): { index: number; found: boolean } => {
  let low = 0;
  let high = table.rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const c = compareKeys(table.rows[mid]!.primaryKey, key);
    if (c === 0) return { index: mid, found: true };
    if (c < 0) low = mid + 1;
    else high = mid;
  }
  return { index: low, found: false };
};

export const findRow = (table: StoredTable, key: readonly PkValue[]): StoredRow | undefined => {
  const { index, found } = locate(table, key);
  return found ? table.rows[index] : undefined;
};

export const storeRow = (table: StoredTable, row: StoredRow): void => {
  const { index, found } = locate(table, row.primaryKey);
  table.rows.splice(index, found ? 1 : 0, row);
};

export const removeRow = (table: StoredTable, key: readonly PkValue[]): void => {
  const { index, found } = locate(table, key);
  if (found) table.rows.splice(index, 1);
};

/**
 * Rows from `start` (inclusive) towards `end` (exclusive): ascending for FORWARD, descending for
 * BACKWARD, where start is the larger key.
 */
export function* scanRows(
  table: StoredTable,
  start: readonly BoundValue[],
  end: readonly BoundValue[],
  direction: 'FORWARD' | 'BACKWARD',
): Generator<StoredRow> {
  if (direction === 'FORWARD') {
    for (let i = locate(table, start).index; i < table.rows.length; i++) {
      const row = table.rows[i]!;
      if (compareKeys(row.primaryKey, end) >= 0) return;
      yield row;
    }
    return;
  }
  const from = locate(table, start);
  for (let i = from.found ? from.index : from.index - 1; i >= 0; i--) {
    const row = table.rows[i]!;
    if (compareKeys(row.primaryKey, end) <= 0) return;
    yield row;
  }
}

export const latestValue = (row: StoredRow | undefined, column: string): Version | undefined =>
  row?.columns.get(column)?.[0];

export const cloneRow = (row: StoredRow): StoredRow => ({
  primaryKey: [...row.primaryKey],
  columns: new Map([...row.columns].map(([name, versions]) => [name, [...versions]])),
});
