/**
 * Reads the PlainBuffer rows clients send. The SDK's own decoder cannot be used for requests: it
 * throws on UpdateRow cells (an undefined `cell_type`) and on INF_MIN/INF_MAX in range bounds.
 *
 * Layout (little-endian): int32 header 0x75, TAG_ROW_PK and its cells, optional TAG_ROW_DATA and its
 * cells, optional TAG_DELETE_ROW_MARKER, then TAG_ROW_CHECKSUM and one byte. A cell is TAG_CELL,
 * TAG_CELL_NAME (int32 length + UTF-8), optional TAG_CELL_VALUE (int32 length, type byte, payload),
 * optional TAG_CELL_TYPE (one byte), optional TAG_CELL_TIMESTAMP (int64), TAG_CELL_CHECKSUM (one byte).
 * The cell checksum covers name, value, timestamp, then cell type; the row checksum covers each cell
 * checksum and then a 1/0 delete-marker byte. Bytes after the row checksum are ignored: the SDK
 * over-allocates UpdateRow buffers and pads them with zeros.
 */
import { parameterInvalid } from './errors.js';
import { tablestoreSdk } from './sdk.js';
import type { Variant } from './values.js';

const HEADER = 0x75;
const TAG_ROW_PK = 0x1;
const TAG_ROW_DATA = 0x2;
const TAG_CELL = 0x3;
const TAG_CELL_NAME = 0x4;
const TAG_CELL_VALUE = 0x5;
const TAG_CELL_TYPE = 0x6;
const TAG_CELL_TIMESTAMP = 0x7;
const TAG_DELETE_ROW_MARKER = 0x8;
const TAG_ROW_CHECKSUM = 0x9;
const TAG_CELL_CHECKSUM = 0xa;

const VT_INTEGER = 0x0;
const VT_DOUBLE = 0x1;
const VT_BOOLEAN = 0x2;
const VT_STRING = 0x3;
const VT_BLOB = 0x7;
const VT_INF_MIN = 0x9;
const VT_INF_MAX = 0xa;
const VT_AUTO_INCREMENT = 0xb;

export type CellOperation = 'DELETE_ONE_VERSION' | 'DELETE_ALL_VERSIONS' | 'INCREMENT';

const CELL_OPERATIONS: Record<number, CellOperation> = {
  0x1: 'DELETE_ALL_VERSIONS',
  0x3: 'DELETE_ONE_VERSION',
  0x4: 'INCREMENT',
};

export interface PlainBufferCell {
  name: string;
  value?: Variant;
  operation?: CellOperation;
  timestamp?: number;
}

export interface PlainBufferRow {
  primaryKey: Array<{ name: string; value: Variant }>;
  cells: PlainBufferCell[];
  deleteMarker: boolean;
}

const crc8 = (crc: number, bytes: Uint8Array): number => {
  let result = crc;
  for (const byte of bytes) result = tablestoreSdk.plainBufferCrc8.crcInt8(result, byte);
  return result;
};

const malformed = (detail: string) => parameterInvalid(`Invalid PlainBuffer: ${detail}.`);

class Cursor {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw malformed('unexpected end of data');
    return this.buf[this.pos++]!;
  }

  bytes(count: number): Buffer {
    if (count < 0 || this.pos + count > this.buf.length) throw malformed('unexpected end of data');
    const out = this.buf.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }

  int32(): number {
    return this.bytes(4).readInt32LE(0);
  }

  /** The next tag, or 0 at the end of the buffer. */
  tag(): number {
    return this.pos >= this.buf.length ? 0 : this.byte();
  }
}

const readTypedValue = (cursor: Cursor, type: number): { value: Variant; raw: Buffer } => {
  switch (type) {
    case VT_INTEGER: {
      const raw = cursor.bytes(8);
      return { value: { type: 'INTEGER', value: raw.readBigInt64LE(0) }, raw };
    }
    case VT_DOUBLE: {
      const raw = cursor.bytes(8);
      return { value: { type: 'DOUBLE', value: raw.readDoubleLE(0) }, raw };
    }
    case VT_BOOLEAN: {
      const raw = cursor.bytes(1);
      return { value: { type: 'BOOLEAN', value: raw[0] !== 0 }, raw };
    }
    case VT_STRING:
    case VT_BLOB: {
      const lengthBytes = cursor.bytes(4);
      const payload = cursor.bytes(lengthBytes.readInt32LE(0));
      const raw = Buffer.concat([lengthBytes, payload]);
      return type === VT_STRING
        ? { value: { type: 'STRING', value: payload.toString('utf8') }, raw }
        : { value: { type: 'BINARY', value: Buffer.from(payload) }, raw };
    }
    case VT_INF_MIN:
      return { value: { type: 'INF_MIN' }, raw: Buffer.alloc(0) };
    case VT_INF_MAX:
      return { value: { type: 'INF_MAX' }, raw: Buffer.alloc(0) };
    case VT_AUTO_INCREMENT:
      return { value: { type: 'AUTO_INCREMENT' }, raw: Buffer.alloc(0) };
    default:
      throw malformed(`unknown value type ${type}`);
  }
};

/** Reads one cell whose TAG_CELL was just consumed; returns it, its checksum and the tag after it. */
const readCell = (cursor: Cursor): { cell: PlainBufferCell; checksum: number; next: number } => {
  if (cursor.tag() !== TAG_CELL_NAME) throw malformed('cell without a name');
  const nameBytes = cursor.bytes(cursor.int32());
  const cell: PlainBufferCell = { name: nameBytes.toString('utf8') };
  let checksum = crc8(0, nameBytes);
  let tag = cursor.tag();

  if (tag === TAG_CELL_VALUE) {
    cursor.int32(); // total length of type byte + payload; the type decides how much to read
    const type = cursor.byte();
    const { value, raw } = readTypedValue(cursor, type);
    cell.value = value;
    checksum = crc8(tablestoreSdk.plainBufferCrc8.crcInt8(checksum, type), raw);
    tag = cursor.tag();
  }

  let operationByte: number | undefined;
  if (tag === TAG_CELL_TYPE) {
    operationByte = cursor.byte();
    const operation = CELL_OPERATIONS[operationByte];
    if (!operation) throw malformed(`unknown cell operation ${operationByte}`);
    cell.operation = operation;
    tag = cursor.tag();
  }

  if (tag === TAG_CELL_TIMESTAMP) {
    const raw = cursor.bytes(8);
    cell.timestamp = Number(raw.readBigInt64LE(0));
    checksum = crc8(checksum, raw);
    tag = cursor.tag();
  }
  if (operationByte !== undefined) checksum = tablestoreSdk.plainBufferCrc8.crcInt8(checksum, operationByte);

  if (tag !== TAG_CELL_CHECKSUM) throw malformed(`expected a cell checksum, found tag ${tag}`);
  if (cursor.byte() !== checksum) throw malformed(`cell checksum mismatch for "${cell.name}"`);
  return { cell, checksum, next: cursor.tag() };
};

/** Decodes a single PlainBuffer row (the body of PutRow, UpdateRow, DeleteRow, a key, a range bound). */
export const readPlainBufferRow = (bytes: Uint8Array): PlainBufferRow => {
  const cursor = new Cursor(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (cursor.int32() !== HEADER) throw malformed('bad header');

  const row: PlainBufferRow = { primaryKey: [], cells: [], deleteMarker: false };
  let rowChecksum = 0;
  let tag = cursor.tag();
  if (tag !== TAG_ROW_PK) throw malformed('row without a primary key');

  tag = cursor.tag();
  while (tag === TAG_CELL) {
    const { cell, checksum, next } = readCell(cursor);
    if (!cell.value || cell.operation || cell.timestamp !== undefined) {
      throw malformed(`primary key column "${cell.name}" must have a value only`);
    }
    row.primaryKey.push({ name: cell.name, value: cell.value });
    rowChecksum = tablestoreSdk.plainBufferCrc8.crcInt8(rowChecksum, checksum);
    tag = next;
  }

  if (tag === TAG_ROW_DATA) {
    tag = cursor.tag();
    while (tag === TAG_CELL) {
      const { cell, checksum, next } = readCell(cursor);
      row.cells.push(cell);
      rowChecksum = tablestoreSdk.plainBufferCrc8.crcInt8(rowChecksum, checksum);
      tag = next;
    }
  }

  if (tag === TAG_DELETE_ROW_MARKER) {
    row.deleteMarker = true;
    tag = cursor.tag();
  }
  rowChecksum = tablestoreSdk.plainBufferCrc8.crcInt8(rowChecksum, row.deleteMarker ? 1 : 0);

  if (tag !== TAG_ROW_CHECKSUM) throw malformed(`expected a row checksum, found tag ${tag}`);
  if (cursor.byte() !== rowChecksum) throw malformed('row checksum mismatch');
  return row;
};

/** Decodes a bare variant (type byte + payload), the form filter values take. */
export const readPlainBufferVariant = (bytes: Uint8Array): Variant => {
  const cursor = new Cursor(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return readTypedValue(cursor, cursor.byte()).value;
};
