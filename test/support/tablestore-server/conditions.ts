/**
 * Column conditions (conditional writes) and filters (reads): the `filter.proto.Filter` tree, and
 * the row-existence expectation of a write's `Condition`.
 */
import { conditionCheckFail, parameterInvalid } from './errors.js';
import { readPlainBufferVariant } from './plainbuffer-reader.js';
import { filterCodec } from './sdk.js';
import type { Version } from './table-store.js';
import { compareCellValues, isCellValue, type CellValue } from './values.js';

type Comparator = 'EQUAL' | 'NOT_EQUAL' | 'GREATER_THAN' | 'GREATER_EQUAL' | 'LESS_THAN' | 'LESS_EQUAL';

export type ColumnFilter =
  | {
      kind: 'single';
      comparator: Comparator;
      column: string;
      value: CellValue;
      /** The wire field; the SDK's `passIfMissing` is its negation. */
      filterIfMissing: boolean;
      latestVersionOnly: boolean;
    }
  | { kind: 'composite'; operator: 'NOT' | 'AND' | 'OR'; children: ColumnFilter[] };

export interface ColumnPagination {
  kind: 'pagination';
  offset: number;
  limit: number;
}

interface FilterMessage {
  type: number;
  filter: Uint8Array;
}
interface SingleMessage {
  comparator: number;
  columnName: string;
  columnValue: Uint8Array;
  filterIfMissing: boolean;
  latestVersionOnly: boolean;
}
interface CompositeMessage {
  combinator: number;
  subFilters: FilterMessage[];
}
interface PaginationMessage {
  offset: number;
  limit: number;
}

const COMPARATORS: Record<number, Comparator> = {
  1: 'EQUAL',
  2: 'NOT_EQUAL',
  3: 'GREATER_THAN',
  4: 'GREATER_EQUAL',
  5: 'LESS_THAN',
  6: 'LESS_EQUAL',
};
const OPERATORS: Record<number, 'NOT' | 'AND' | 'OR'> = { 1: 'NOT', 2: 'AND', 3: 'OR' };
const FT_SINGLE = 1;
const FT_COMPOSITE = 2;
const FT_PAGINATION = 3;

const decodeOrInvalid = <T>(message: string, bytes: Uint8Array): T => {
  try {
    return filterCodec<T>(message).decode(bytes);
  } catch {
    throw parameterInvalid(`Invalid ${message}.`);
  }
};

const fromMessage = (message: FilterMessage): ColumnFilter | ColumnPagination => {
  switch (message.type) {
    case FT_SINGLE: {
      const single = decodeOrInvalid<SingleMessage>('SingleColumnValueFilter', message.filter);
      const comparator = COMPARATORS[single.comparator];
      if (!comparator) throw parameterInvalid(`Invalid comparator: ${single.comparator}.`);
      const value = readPlainBufferVariant(single.columnValue);
      if (!isCellValue(value)) throw parameterInvalid('The value of a column condition must be a column value.');
      return {
        kind: 'single',
        comparator,
        column: single.columnName,
        value,
        filterIfMissing: single.filterIfMissing,
        latestVersionOnly: single.latestVersionOnly,
      };
    }
    case FT_COMPOSITE: {
      const composite = decodeOrInvalid<CompositeMessage>('CompositeColumnValueFilter', message.filter);
      const operator = OPERATORS[composite.combinator];
      if (!operator) throw parameterInvalid(`Invalid logical operator: ${composite.combinator}.`);
      const children = composite.subFilters.map((sub) => {
        const child = fromMessage(sub);
        if (child.kind === 'pagination') throw parameterInvalid('ColumnPaginationFilter cannot be nested.');
        return child;
      });
      if (operator === 'NOT' && children.length !== 1) {
        throw parameterInvalid('The logical operator NOT takes exactly one sub condition.');
      }
      if (operator !== 'NOT' && children.length < 2) {
        throw parameterInvalid(`The logical operator ${operator} takes at least two sub conditions.`);
      }
      return { kind: 'composite', operator, children };
    }
    case FT_PAGINATION: {
      const pagination = decodeOrInvalid<PaginationMessage>('ColumnPaginationFilter', message.filter);
      return { kind: 'pagination', offset: pagination.offset, limit: pagination.limit };
    }
    default:
      throw parameterInvalid(`Invalid filter type: ${message.type}.`);
  }
};

/** Decodes the bytes of a `filter.proto.Filter`. */
export const decodeFilter = (bytes: Uint8Array): ColumnFilter | ColumnPagination =>
  fromMessage(decodeOrInvalid<FilterMessage>('Filter', bytes));

const satisfies = (comparator: Comparator, actual: CellValue, expected: CellValue): boolean => {
  const c = compareCellValues(actual, expected);
  // Values of different types never satisfy a comparison, not even NOT_EQUAL.
  if (c === null) return false;
  switch (comparator) {
    case 'EQUAL':
      return c === 0;
    case 'NOT_EQUAL':
      return c !== 0;
    case 'GREATER_THAN':
      return c > 0;
    case 'GREATER_EQUAL':
      return c >= 0;
    case 'LESS_THAN':
      return c < 0;
    case 'LESS_EQUAL':
      return c <= 0;
  }
};

/** Evaluates a filter against a row's columns (versions newest first); a missing row has no columns. */
export const evaluateFilter = (filter: ColumnFilter, columns: ReadonlyMap<string, Version[]> | undefined): boolean => {
  if (filter.kind === 'composite') {
    switch (filter.operator) {
      case 'NOT':
        return !evaluateFilter(filter.children[0]!, columns);
      case 'AND':
        return filter.children.every((child) => evaluateFilter(child, columns));
      case 'OR':
        return filter.children.some((child) => evaluateFilter(child, columns));
    }
  }
  const versions = columns?.get(filter.column) ?? [];
  if (versions.length === 0) return !filter.filterIfMissing;
  const candidates = filter.latestVersionOnly ? versions.slice(0, 1) : versions;
  return candidates.some((version) => satisfies(filter.comparator, version.value, filter.value));
};

export type RowExistence = 'IGNORE' | 'EXPECT_EXIST' | 'EXPECT_NOT_EXIST';

export interface WriteCondition {
  rowExistence: RowExistence;
  columnCondition?: ColumnFilter;
}

interface ConditionMessage {
  rowExistence: number;
  columnCondition?: Uint8Array | null;
}

const ROW_EXISTENCE: Record<number, RowExistence> = { 0: 'IGNORE', 1: 'EXPECT_EXIST', 2: 'EXPECT_NOT_EXIST' };

export const decodeWriteCondition = (message: ConditionMessage | null | undefined): WriteCondition => {
  if (!message) throw parameterInvalid('Condition is missing.');
  const rowExistence = ROW_EXISTENCE[message.rowExistence];
  if (!rowExistence) throw parameterInvalid(`Invalid row existence expectation: ${message.rowExistence}.`);
  if (!message.columnCondition || message.columnCondition.length === 0) return { rowExistence };
  const columnCondition = decodeFilter(message.columnCondition);
  if (columnCondition.kind === 'pagination') throw parameterInvalid('ColumnPaginationFilter is not a column condition.');
  return { rowExistence, columnCondition };
};

/** Throws OTSConditionCheckFail unless the existing row (or its absence) meets the condition. */
export const checkWriteCondition = (
  condition: WriteCondition,
  existingColumns: ReadonlyMap<string, Version[]> | undefined,
): void => {
  const exists = existingColumns !== undefined;
  if (condition.rowExistence === 'EXPECT_EXIST' && !exists) throw conditionCheckFail();
  if (condition.rowExistence === 'EXPECT_NOT_EXIST' && exists) throw conditionCheckFail();
  if (condition.columnCondition && !evaluateFilter(condition.columnCondition, existingColumns)) {
    throw conditionCheckFail();
  }
};
