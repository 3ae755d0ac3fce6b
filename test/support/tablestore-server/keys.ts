/**
 * Primary keys from the wire checked against a table's schema, with Tablestore's OTSInvalidPK
 * messages ("Validate PK size fail. Input: 1, Meta: 2." and the like).
 */
import { invalidPk, parameterInvalid } from './errors.js';
import type { TableSchema } from './table-store.js';
import { isBoundValue, isPkValue, wireTypeName, type BoundValue, type PkValue, type Variant } from './values.js';

type WireKey = ReadonlyArray<{ name: string; value: Variant }>;

const checkShape = (schema: TableSchema, key: WireKey): void => {
  if (key.length !== schema.primaryKey.length) {
    throw invalidPk(`Validate PK size fail. Input: ${key.length}, Meta: ${schema.primaryKey.length}.`);
  }
  schema.primaryKey.forEach((column, i) => {
    const input = key[i]!;
    if (input.name !== column.name) {
      throw invalidPk(`Validate PK name fail. Input: ${input.name}, Meta: ${column.name}.`);
    }
    if (input.value.type === 'AUTO_INCREMENT') {
      throw parameterInvalid('Auto-increment primary key columns are not supported by the test server.');
    }
  });
};

const typeMismatch = (input: Variant, metaType: PkValue['type']) =>
  invalidPk(`Validate PK type fail. Input: ${wireTypeName(input.type)}, Meta: ${wireTypeName(metaType)}.`);

/** A key naming one row: every column present, in schema order, with a concrete value of its type. */
export const rowKey = (schema: TableSchema, key: WireKey): PkValue[] => {
  checkShape(schema, key);
  return schema.primaryKey.map((column, i) => {
    const { value } = key[i]!;
    if (!isPkValue(value) || value.type !== column.type) throw typeMismatch(value, column.type);
    return value;
  });
};

/** A GetRange bound: like a row key, but each column may also be INF_MIN or INF_MAX. */
export const boundKey = (schema: TableSchema, key: WireKey): BoundValue[] => {
  checkShape(schema, key);
  return schema.primaryKey.map((column, i) => {
    const { value } = key[i]!;
    if (!isBoundValue(value)) throw typeMismatch(value, column.type);
    if (value.type !== 'INF_MIN' && value.type !== 'INF_MAX' && value.type !== column.type) {
      throw typeMismatch(value, column.type);
    }
    return value;
  });
};
