/**
 * Encodes response rows with the SDK's own PlainBuffer builder, so the checksums are exactly what
 * the client verifies.
 */
import { tablestoreSdk, type SdkAttribute, type SdkLong, type SdkPrimaryKey } from './sdk.js';
import type { CellValue, PkColumn } from './values.js';

export interface OutputCell {
  name: string;
  value: CellValue;
  timestamp: number;
}

const HEADER_LENGTH = 4;

const sdkValue = (value: CellValue): SdkLong | string | Buffer | number | boolean =>
  value.type === 'INTEGER' ? tablestoreSdk.Long.fromString(value.value.toString()) : value.value;

const sdkPrimaryKey = (primaryKey: readonly PkColumn[]): SdkPrimaryKey =>
  primaryKey.map((column) => ({ [column.name]: sdkValue(column.value) as SdkLong | string | Buffer }));

/**
 * The builder reads the first key of each attribute object as the column and `timestamp` as its
 * version, so a column literally named "timestamp" cannot be encoded this way.
 */
const sdkAttributes = (cells: readonly OutputCell[]): SdkAttribute[] =>
  cells.map((cell) => {
    if (cell.name === 'timestamp') throw new Error('the SDK builder cannot encode a column named "timestamp"');
    return { [cell.name]: sdkValue(cell.value), timestamp: cell.timestamp };
  });

export const encodeRow = (primaryKey: readonly PkColumn[], cells: readonly OutputCell[]): Buffer =>
  tablestoreSdk.PlainBufferBuilder.serializeForPutRow(sdkPrimaryKey(primaryKey), sdkAttributes(cells));

export const encodePrimaryKey = (primaryKey: readonly PkColumn[]): Buffer =>
  tablestoreSdk.PlainBufferBuilder.serializePrimaryKey(sdkPrimaryKey(primaryKey));

/** Several rows share one header: the first row whole, every later row without its 4 header bytes. */
export const encodeRows = (rows: ReadonlyArray<{ primaryKey: readonly PkColumn[]; cells: readonly OutputCell[] }>): Buffer =>
  Buffer.concat(rows.map((row, i) => (i === 0 ? encodeRow(row.primaryKey, row.cells) : encodeRow(row.primaryKey, row.cells).subarray(HEADER_LENGTH))));
