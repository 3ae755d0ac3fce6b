/**
 * The read path shared by GetRow, BatchGetRow and GetRange: which versions are visible (TTL, time
 * range, maxVersions), which columns are returned (columnsToGet) and whether a filter keeps the row.
 *
 * With columnsToGet set, a row holding none of the named columns is not returned at all; the primary
 * key is always returned in full. Filters see only the columns being returned, as in Tablestore.
 */
import { decodeFilter, evaluateFilter, type ColumnFilter, type ColumnPagination } from './conditions.js';
import { parameterInvalid } from './errors.js';
import type { OutputCell } from './plainbuffer-writer.js';
import { int64ToNumber, type ProtoInt64 } from './sdk.js';
import { namedPrimaryKey, type StoredRow, type StoredTable, type Version } from './table-store.js';
import type { PkColumn } from './values.js';

export interface ReadOptions {
  columnsToGet: string[];
  maxVersions: number;
  timeRange?: { start: number; end: number } | { specific: number };
  filter?: ColumnFilter;
  pagination?: ColumnPagination;
}

export interface OutputRow {
  primaryKey: PkColumn[];
  cells: OutputCell[];
}

export interface ReadMessage {
  columnsToGet?: string[];
  maxVersions?: number;
  timeRange?: { startTime?: ProtoInt64; endTime?: ProtoInt64; specificTime?: ProtoInt64 } | null;
  filter?: Uint8Array | null;
}

const has = (message: object | null | undefined, field: string): boolean =>
  !!message && Object.prototype.hasOwnProperty.call(message, field);

const decodeTimeRange = (message: ReadMessage): ReadOptions['timeRange'] => {
  const range = message.timeRange;
  if (!range) return undefined;
  if (has(range, 'specificTime')) return { specific: int64ToNumber(range.specificTime!) };
  if (has(range, 'startTime') && has(range, 'endTime')) {
    const start = int64ToNumber(range.startTime!);
    const end = int64ToNumber(range.endTime!);
    if (start >= end) throw parameterInvalid('The start time of a time range must be less than its end time.');
    return { start, end };
  }
  throw parameterInvalid('A time range needs specificTime, or both startTime and endTime.');
};

/** Reads the fields GetRowRequest, TableInBatchGetRowRequest and GetRangeRequest share. */
export const decodeReadOptions = (message: ReadMessage): ReadOptions => {
  const timeRange = decodeTimeRange(message);
  const hasMaxVersions = has(message, 'maxVersions');
  if (!hasMaxVersions && !timeRange) throw parameterInvalid('Neither time range nor max versions is specified.');
  if (hasMaxVersions && (message.maxVersions ?? 0) <= 0) throw parameterInvalid('The max versions must be greater than 0.');

  const options: ReadOptions = {
    columnsToGet: [...new Set(message.columnsToGet ?? [])],
    maxVersions: hasMaxVersions ? message.maxVersions! : Number.MAX_SAFE_INTEGER,
    ...(timeRange ? { timeRange } : {}),
  };
  if (message.filter && message.filter.length > 0) {
    const filter = decodeFilter(message.filter);
    if (filter.kind === 'pagination') options.pagination = filter;
    else options.filter = filter;
  }
  return options;
};

const visibleVersions = (versions: Version[], table: StoredTable, options: ReadOptions, now: number): Version[] => {
  const { timeToLive } = table.schema.options;
  const range = options.timeRange;
  return versions
    .filter((version) => timeToLive < 0 || version.timestamp >= now - timeToLive * 1000)
    .filter((version) => {
      if (!range) return true;
      if ('specific' in range) return version.timestamp === range.specific;
      return version.timestamp >= range.start && version.timestamp < range.end;
    })
    .slice(0, options.maxVersions);
};

const byName = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The row as a read returns it, or undefined when the read returns no row. */
export const readRow = (table: StoredTable, row: StoredRow, options: ReadOptions, now: number): OutputRow | undefined => {
  const keyNames = new Set(table.schema.primaryKey.map((column) => column.name));
  const wanted = options.columnsToGet;
  const columns = new Map<string, Version[]>();
  for (const [name, versions] of row.columns) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    const visible = visibleVersions(versions, table, options, now);
    if (visible.length > 0) columns.set(name, visible);
  }

  const asksForKeyColumn = wanted.some((name) => keyNames.has(name));
  if (wanted.length > 0 && columns.size === 0 && !asksForKeyColumn) return undefined;
  if (wanted.length === 0 && columns.size === 0 && row.columns.size > 0) return undefined;
  if (options.filter && !evaluateFilter(options.filter, columns)) return undefined;

  let names = [...columns.keys()].sort(byName);
  if (options.pagination) {
    names = names.slice(options.pagination.offset, options.pagination.offset + options.pagination.limit);
  }
  const cells = names.flatMap((name) =>
    columns.get(name)!.map((version) => ({ name, value: version.value, timestamp: version.timestamp })),
  );
  return { primaryKey: namedPrimaryKey(table.schema, row.primaryKey), cells };
};
