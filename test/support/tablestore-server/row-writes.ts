/**
 * The write path shared by PutRow, UpdateRow, DeleteRow and BatchWriteRow: validate the change,
 * check the condition against the stored row, apply, and maintain the table's indexes.
 *
 * A row exists once written by PutRow (even with no attributes) or by an UpdateRow carrying at least
 * one PUT or INCREMENT; deleting all of its columns leaves it in place; DeleteRow removes it.
 */
import { checkWriteCondition, type WriteCondition } from './conditions.js';
import { parameterInvalid } from './errors.js';
import { maintainIndexes } from './indexes.js';
import { rowKey } from './keys.js';
import type { PlainBufferCell, PlainBufferRow } from './plainbuffer-reader.js';
import {
  cloneRow,
  findRow,
  removeRow,
  storeRow,
  type StoredRow,
  type StoredTable,
  type TableSchema,
  type TablestoreState,
  type Version,
} from './table-store.js';
import { isCellValue, type CellValue, type PkValue } from './values.js';

export type WriteKind = 'PUT' | 'UPDATE' | 'DELETE';

export interface WriteResult {
  key: PkValue[];
  /** The row as stored after the write; undefined when the row does not exist afterwards. */
  after: StoredRow | undefined;
}

const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

const checkColumn = (schema: TableSchema, cell: PlainBufferCell): void => {
  if (!COLUMN_NAME.test(cell.name)) throw parameterInvalid(`Invalid column name: '${cell.name}'.`);
  if (schema.primaryKey.some((column) => column.name === cell.name)) {
    throw parameterInvalid(`Attribute column name conflicts with primary key column: '${cell.name}'.`);
  }
  if (cell.timestamp !== undefined && cell.timestamp < 0) {
    throw parameterInvalid(`The timestamp of column '${cell.name}' must not be negative.`);
  }
};

const cellValue = (schema: TableSchema, cell: PlainBufferCell): CellValue => {
  if (!cell.value || !isCellValue(cell.value)) {
    throw parameterInvalid(`Column '${cell.name}' needs a value.`);
  }
  const defined = schema.definedColumns.find((column) => column.name === cell.name);
  if (defined && defined.type !== cell.value.type) {
    throw parameterInvalid(
      `Type of defined column '${cell.name}' mismatch. Input: ${cell.value.type}, Meta: ${defined.type}.`,
    );
  }
  return cell.value;
};

const validatePutCell = (schema: TableSchema, cell: PlainBufferCell): void => {
  checkColumn(schema, cell);
  if (cell.operation) throw parameterInvalid(`PutRow does not take an operation on column '${cell.name}'.`);
  cellValue(schema, cell);
};

const validateUpdateCell = (schema: TableSchema, cell: PlainBufferCell): void => {
  checkColumn(schema, cell);
  switch (cell.operation) {
    case undefined:
      cellValue(schema, cell);
      return;
    case 'INCREMENT':
      if (cellValue(schema, cell).type !== 'INTEGER') {
        throw parameterInvalid(`Only integer columns can be incremented: '${cell.name}'.`);
      }
      if (cell.timestamp !== undefined) {
        throw parameterInvalid(`An increment of column '${cell.name}' cannot carry a timestamp.`);
      }
      return;
    case 'DELETE_ONE_VERSION':
      if (cell.value) throw parameterInvalid(`Deleting a version of '${cell.name}' takes no value.`);
      if (cell.timestamp === undefined) {
        throw parameterInvalid(`Deleting a version of '${cell.name}' needs its timestamp.`);
      }
      return;
    case 'DELETE_ALL_VERSIONS':
      if (cell.value || cell.timestamp !== undefined) {
        throw parameterInvalid(`Deleting all versions of '${cell.name}' takes no value and no timestamp.`);
      }
      return;
  }
};

const validateChange = (schema: TableSchema, kind: WriteKind, change: PlainBufferRow): void => {
  if (kind === 'DELETE') {
    if (change.cells.length > 0) throw parameterInvalid('DeleteRow takes no attribute columns.');
    return;
  }
  if (change.deleteMarker) throw parameterInvalid(`The row of a ${kind} carries a delete marker.`);
  if (kind === 'UPDATE' && change.cells.length === 0) throw parameterInvalid('UpdateRow needs at least one column.');
  for (const cell of change.cells) {
    if (kind === 'PUT') validatePutCell(schema, cell);
    else validateUpdateCell(schema, cell);
  }
};

/** Adds a version, replacing one with the same timestamp, newest first, capped at the table's maxVersions. */
const addVersion = (row: StoredRow, name: string, version: Version, maxVersions: number): void => {
  const versions = (row.columns.get(name) ?? []).filter((existing) => existing.timestamp !== version.timestamp);
  versions.push(version);
  versions.sort((a, b) => b.timestamp - a.timestamp);
  row.columns.set(name, versions.slice(0, maxVersions));
};

const applyPut = (schema: TableSchema, key: PkValue[], change: PlainBufferRow, now: number): StoredRow => {
  const row: StoredRow = { primaryKey: key, columns: new Map() };
  for (const cell of change.cells) {
    addVersion(row, cell.name, { timestamp: cell.timestamp ?? now, value: cell.value as CellValue }, schema.options.maxVersions);
  }
  return row;
};

const incremented = (row: StoredRow, cell: PlainBufferCell): CellValue => {
  const delta = (cell.value as Extract<CellValue, { type: 'INTEGER' }>).value;
  const current = row.columns.get(cell.name)?.[0]?.value;
  if (!current) return { type: 'INTEGER', value: delta };
  if (current.type !== 'INTEGER') {
    throw parameterInvalid(`Only integer columns can be incremented: '${cell.name}' holds ${current.type}.`);
  }
  return { type: 'INTEGER', value: BigInt.asIntN(64, current.value + delta) };
};

const applyUpdate = (
  schema: TableSchema,
  key: PkValue[],
  existing: StoredRow | undefined,
  change: PlainBufferRow,
  now: number,
): StoredRow | undefined => {
  const row = existing ? cloneRow(existing) : { primaryKey: key, columns: new Map<string, Version[]>() };
  const { maxVersions } = schema.options;
  for (const cell of change.cells) {
    switch (cell.operation) {
      case undefined:
        addVersion(row, cell.name, { timestamp: cell.timestamp ?? now, value: cell.value as CellValue }, maxVersions);
        break;
      case 'INCREMENT':
        addVersion(row, cell.name, { timestamp: now, value: incremented(row, cell) }, maxVersions);
        break;
      case 'DELETE_ONE_VERSION': {
        const remaining = (row.columns.get(cell.name) ?? []).filter((version) => version.timestamp !== cell.timestamp);
        if (remaining.length > 0) row.columns.set(cell.name, remaining);
        else row.columns.delete(cell.name);
        break;
      }
      case 'DELETE_ALL_VERSIONS':
        row.columns.delete(cell.name);
        break;
    }
  }
  const createsRow = change.cells.some((cell) => cell.operation === undefined || cell.operation === 'INCREMENT');
  return existing || createsRow ? row : undefined;
};

export const assertWritable = (table: StoredTable): void => {
  if (table.indexOf) throw parameterInvalid(`Index table '${table.schema.name}' cannot be written directly.`);
};

/** Performs one row write; throws OtsError (OTSConditionCheckFail, OTSInvalidPK, ...) without writing. */
export const writeRow = (
  state: TablestoreState,
  table: StoredTable,
  kind: WriteKind,
  change: PlainBufferRow,
  condition: WriteCondition,
  now: number,
): WriteResult => {
  assertWritable(table);
  const { schema } = table;
  const key = rowKey(schema, change.primaryKey);
  validateChange(schema, kind, change);
  if (kind === 'DELETE' && condition.rowExistence === 'EXPECT_NOT_EXIST') {
    throw parameterInvalid('Invalid condition: EXPECT_NOT_EXIST while deleting a row.');
  }

  const existing = findRow(table, key);
  checkWriteCondition(condition, existing?.columns);

  const after =
    kind === 'PUT'
      ? applyPut(schema, key, change, now)
      : kind === 'UPDATE'
        ? applyUpdate(schema, key, existing, change, now)
        : undefined;
  if (after) storeRow(table, after);
  else removeRow(table, key);
  maintainIndexes(state, table, existing, after);
  return { key, after };
};
