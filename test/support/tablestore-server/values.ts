/**
 * Cell and primary-key values as the test server holds them, and Tablestore's ordering rules.
 * Integers stay bigint end to end so int64 values round-trip exactly.
 */

export type CellValue =
  | { type: 'INTEGER'; value: bigint }
  | { type: 'DOUBLE'; value: number }
  | { type: 'BOOLEAN'; value: boolean }
  | { type: 'STRING'; value: string }
  | { type: 'BINARY'; value: Buffer };

export type PkValue = Extract<CellValue, { type: 'INTEGER' | 'STRING' | 'BINARY' }>;

/** What a PlainBuffer cell value can carry on the wire: a value, or a range/auto-increment marker. */
export type Variant = CellValue | { type: 'INF_MIN' } | { type: 'INF_MAX' } | { type: 'AUTO_INCREMENT' };

/** A primary-key value as it may appear in a GetRange bound. */
export type BoundValue = PkValue | { type: 'INF_MIN' } | { type: 'INF_MAX' };

export type PkColumnType = PkValue['type'];

export interface PkColumn {
  name: string;
  value: PkValue;
}

export interface BoundColumn {
  name: string;
  value: BoundValue;
}

export const isPkValue = (v: Variant): v is PkValue =>
  v.type === 'INTEGER' || v.type === 'STRING' || v.type === 'BINARY';

export const isCellValue = (v: Variant): v is CellValue => isPkValue(v) || v.type === 'DOUBLE' || v.type === 'BOOLEAN';

export const isBoundValue = (v: Variant): v is BoundValue => isPkValue(v) || v.type === 'INF_MIN' || v.type === 'INF_MAX';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Strings order by their UTF-8 bytes, as the server stores them, not by UTF-16 code units. */
const compareStrings = (a: string, b: string): number => sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));

const comparePkSameType = (a: PkValue, b: PkValue): number => {
  if (a.type === 'INTEGER' && b.type === 'INTEGER') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (a.type === 'STRING' && b.type === 'STRING') return compareStrings(a.value, b.value);
  if (a.type === 'BINARY' && b.type === 'BINARY') return sign(Buffer.compare(a.value, b.value));
  throw new Error(`cannot compare primary key values of types ${a.type} and ${b.type}`);
};

/** INF_MIN sorts before every value and INF_MAX after every value. */
export const compareBoundValues = (a: BoundValue, b: BoundValue): number => {
  if (a.type === b.type && (a.type === 'INF_MIN' || a.type === 'INF_MAX')) return 0;
  if (a.type === 'INF_MIN' || b.type === 'INF_MAX') return -1;
  if (a.type === 'INF_MAX' || b.type === 'INF_MIN') return 1;
  return comparePkSameType(a, b);
};

/**
 * Column-by-column comparison: the first column that differs decides. Once a column holds INF_MIN or
 * INF_MAX the later columns cannot matter, which the column-wise loop gives for free because an
 * infinity never equals a concrete value.
 */
export const compareKeys = (a: readonly BoundValue[], b: readonly BoundValue[]): number => {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const c = compareBoundValues(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return sign(a.length - b.length);
};

/** Ordering of attribute values for conditions and filters; null when the types cannot be compared. */
export const compareCellValues = (a: CellValue, b: CellValue): number | null => {
  if (a.type !== b.type) return null;
  switch (a.type) {
    case 'INTEGER':
    case 'STRING':
    case 'BINARY':
      return comparePkSameType(a, b as PkValue);
    case 'DOUBLE': {
      const other = (b as { value: number }).value;
      return a.value < other ? -1 : a.value > other ? 1 : 0;
    }
    case 'BOOLEAN':
      return Number(a.value) - Number((b as { value: boolean }).value);
  }
};

/** The plain JS value handed to test hooks: bigint, number, boolean, string or Buffer. */
export const plainValue = (v: CellValue): unknown => (v.type === 'BINARY' ? Buffer.from(v.value) : v.value);

/** The names Tablestore uses in its "Validate PK type fail" messages. */
export const wireTypeName = (type: Variant['type']): string =>
  ({
    INTEGER: 'VT_INTEGER',
    DOUBLE: 'VT_DOUBLE',
    BOOLEAN: 'VT_BOOLEAN',
    STRING: 'VT_STRING',
    BINARY: 'VT_BLOB',
    INF_MIN: 'VT_INF_MIN',
    INF_MAX: 'VT_INF_MAX',
    AUTO_INCREMENT: 'VT_AUTO_INCREMENT',
  })[type];
