/** Reading values out of the SDK's decoded rows, and the INTEGER values we write. */
import TableStore from 'tablestore';

/** INTEGER cells must be written as Long: a JS number would be stored as DOUBLE. */
export const long = (value: number): TableStore.Int64 => TableStore.Long.fromNumber(value);

export interface RowView {
  /** Primary-key values by column name. */
  key: Map<string, unknown>;
  /** Latest value of each attribute column by name. */
  columns: Map<string, unknown>;
  /** Write time (ms, service clock) of each attribute column's latest value. */
  writtenAt: Map<string, number>;
}

interface DecodedRow {
  primaryKey?: TableStore.ReadPrimaryKeyColumn[] | null;
  attributes?: TableStore.ReadAttribute[] | null;
}

const isInt64 = (value: unknown): value is TableStore.Int64 =>
  typeof value === 'object' && value !== null && typeof (value as TableStore.Int64).toNumber === 'function';

/** A row the service returned, or null for "no row" (GetRow and BatchGetRow give an empty row). */
export const viewRow = (row: DecodedRow | undefined): RowView | null => {
  if (!row?.primaryKey || row.primaryKey.length === 0) return null;
  const view: RowView = { key: new Map(), columns: new Map(), writtenAt: new Map() };
  for (const column of row.primaryKey) view.key.set(column.name, column.value);
  // Cells come newest first per column; the first one seen is the latest.
  for (const cell of row.attributes ?? []) {
    if (view.columns.has(cell.columnName)) continue;
    view.columns.set(cell.columnName, cell.columnValue);
    view.writtenAt.set(cell.columnName, isInt64(cell.timestamp) ? cell.timestamp.toNumber() : Number(cell.timestamp));
  }
  return view;
};

const unexpected = (column: string, expected: string): Error =>
  new Error(`Tablestore column "${column}" does not hold ${expected}; the table was not written by this store.`);

export const integerIn = (values: Map<string, unknown>, column: string): number => {
  const value = values.get(column);
  if (isInt64(value)) return value.toNumber();
  throw unexpected(column, 'an INTEGER');
};

export const stringIn = (values: Map<string, unknown>, column: string): string => {
  const value = values.get(column);
  if (typeof value === 'string') return value;
  throw unexpected(column, 'a STRING');
};

/** A key returned as nextStartPrimaryKey, in the shape a request takes it back. */
export const primaryKeyInput = (columns: TableStore.ReadPrimaryKeyColumn[]): TableStore.PrimaryKeyInput =>
  columns.map((column) => ({ [column.name]: column.value as TableStore.PrimaryKeyValue }));
