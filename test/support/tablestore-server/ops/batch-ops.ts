/**
 * BatchGetRow and BatchWriteRow. Request-wide problems (no rows, a missing table, an undecodable row)
 * fail the whole request before anything is written; row-level problems (a condition that fails, a
 * key that does not match the schema) come back on that row as `{ isOk: false, error }` with HTTP 200.
 */
import { decodeWriteCondition, type WriteCondition } from '../conditions.js';
import { OtsError, parameterInvalid } from '../errors.js';
import { rowKey } from '../keys.js';
import { readPlainBufferRow, type PlainBufferRow } from '../plainbuffer-reader.js';
import { encodeRow } from '../plainbuffer-writer.js';
import { decodeReadOptions, readRow, type ReadMessage } from '../row-reads.js';
import { writeRow, type WriteKind } from '../row-writes.js';
import { findRow } from '../table-store.js';
import { capacityFor, defineOperation, rejectTransactions, tableNamed, type Operation } from './operation.js';
import { returnedRow, type ReturnContentMessage } from './row-ops.js';

const MAX_BATCH_GET_ROWS = 100;
const MAX_BATCH_WRITE_ROWS = 200;

/** Runs one row of a batch, turning a service error into that row's failure entry. */
const perRow = (run: () => object): object => {
  try {
    return { isOk: true, ...run() };
  } catch (error) {
    if (!(error instanceof OtsError)) throw error;
    return { isOk: false, error: { code: error.code, message: error.message } };
  }
};

interface BatchGetRowRequest {
  tables: Array<ReadMessage & { tableName: string; primaryKey: Uint8Array[] }>;
  transactionId?: string;
}

const batchGetRow = defineOperation<BatchGetRowRequest>('BatchGetRowRequest', 'BatchGetRowResponse', (request, { state, now }) => {
  rejectTransactions(request);
  const rowCount = request.tables.reduce((sum, table) => sum + table.primaryKey.length, 0);
  if (request.tables.length === 0) throw parameterInvalid('No row specified in the request of BatchGetRow.');
  if (rowCount > MAX_BATCH_GET_ROWS) throw parameterInvalid(`Rows count exceeds the upper limit: ${MAX_BATCH_GET_ROWS}.`);

  const prepared = request.tables.map((item) => ({
    table: tableNamed(state, item.tableName),
    options: decodeReadOptions(item),
    keys: item.primaryKey.map((bytes) => readPlainBufferRow(bytes).primaryKey),
  }));

  return {
    tables: prepared.map(({ table, options, keys }) => ({
      tableName: table.schema.name,
      rows: keys.map((wireKey) =>
        perRow(() => {
          const stored = findRow(table, rowKey(table.schema, wireKey));
          const output = stored && readRow(table, stored, options, now);
          const row = output ? encodeRow(output.primaryKey, output.cells) : Buffer.alloc(0);
          return { consumed: { capacityUnit: { read: capacityFor(row.length), write: 0 } }, row };
        }),
      ),
    })),
  };
});

const WRITE_KINDS: Record<number, WriteKind> = { 1: 'PUT', 2: 'UPDATE', 3: 'DELETE' };

interface BatchWriteRowRequest {
  tables: Array<{
    tableName: string;
    rows: Array<{
      type: number;
      rowChange: Uint8Array;
      condition: { rowExistence: number; columnCondition?: Uint8Array | null };
      returnContent?: ReturnContentMessage | null;
    }>;
  }>;
  transactionId?: string;
}

interface PreparedWrite {
  kind: WriteKind;
  change: PlainBufferRow;
  condition: WriteCondition;
  returnContent?: ReturnContentMessage | null;
  size: number;
}

const prepareWrites = (request: BatchWriteRowRequest): PreparedWrite[][] =>
  request.tables.map((item) =>
    item.rows.map((row) => {
      const kind = WRITE_KINDS[row.type];
      if (!kind) throw parameterInvalid(`Invalid operation type: ${row.type}.`);
      return {
        kind,
        change: readPlainBufferRow(row.rowChange),
        condition: decodeWriteCondition(row.condition),
        returnContent: row.returnContent,
        size: row.rowChange.length,
      };
    }),
  );

const batchWriteRow = defineOperation<BatchWriteRowRequest>('BatchWriteRowRequest', 'BatchWriteRowResponse', (request, { state, now }) => {
  rejectTransactions(request);
  if (request.tables.length === 0) throw parameterInvalid('No row is specified in BatchWriteRow.');
  const names = request.tables.map((item) => item.tableName);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) throw parameterInvalid(`Duplicated table name: '${duplicate}'.`);
  const empty = request.tables.find((item) => item.rows.length === 0);
  if (empty) throw parameterInvalid(`No operation is specified for table: '${empty.tableName}'.`);
  const rowCount = request.tables.reduce((sum, item) => sum + item.rows.length, 0);
  if (rowCount > MAX_BATCH_WRITE_ROWS) throw parameterInvalid(`Rows count exceeds the upper limit: ${MAX_BATCH_WRITE_ROWS}.`);

  const tables = request.tables.map((item) => tableNamed(state, item.tableName));
  const writes = prepareWrites(request);

  return {
    tables: tables.map((table, i) => ({
      tableName: table.schema.name,
      rows: writes[i]!.map((write) =>
        perRow(() => {
          const result = writeRow(state, table, write.kind, write.change, write.condition, now);
          const row = returnedRow(table.schema, write.returnContent, result);
          return {
            consumed: { capacityUnit: { read: 0, write: capacityFor(write.size) } },
            ...(row ? { row } : {}),
          };
        }),
      ),
    })),
  };
});

export const batchOperations: Record<string, Operation> = {
  BatchGetRow: batchGetRow,
  BatchWriteRow: batchWriteRow,
};
