/**
 * GetRange over a table or a global secondary index table. Start is inclusive, end exclusive;
 * BACKWARD walks from the larger start down to the smaller end. When `limit` (or the 5000-row cap)
 * stops the scan early, nextStartPrimaryKey is the key of the next row in scan order.
 */
import { parameterInvalid } from '../errors.js';
import { boundKey } from '../keys.js';
import { readPlainBufferRow } from '../plainbuffer-reader.js';
import { encodePrimaryKey, encodeRows } from '../plainbuffer-writer.js';
import { decodeReadOptions, readRow, type OutputRow, type ReadMessage } from '../row-reads.js';
import { namedPrimaryKey, scanRows } from '../table-store.js';
import { compareKeys } from '../values.js';
import { capacityFor, defineOperation, rejectTransactions, tableNamed, type Operation } from './operation.js';

interface GetRangeRequest extends ReadMessage {
  tableName: string;
  direction: number;
  limit?: number;
  inclusiveStartPrimaryKey: Uint8Array;
  exclusiveEndPrimaryKey: Uint8Array;
  transactionId?: string;
}

const MAX_ROWS_PER_RESPONSE = 5000;
const DIRECTIONS: Record<number, 'FORWARD' | 'BACKWARD'> = { 0: 'FORWARD', 1: 'BACKWARD' };

const rowLimit = (request: GetRangeRequest): number => {
  if (!Object.prototype.hasOwnProperty.call(request, 'limit')) return MAX_ROWS_PER_RESPONSE;
  if ((request.limit ?? 0) <= 0) throw parameterInvalid('The limit must be greater than 0.');
  return Math.min(request.limit!, MAX_ROWS_PER_RESPONSE);
};

const getRange = defineOperation<GetRangeRequest>('GetRangeRequest', 'GetRangeResponse', (request, { state, now }) => {
  rejectTransactions(request);
  const table = tableNamed(state, request.tableName);
  const direction = DIRECTIONS[request.direction];
  if (!direction) throw parameterInvalid(`Invalid direction: ${request.direction}.`);
  const start = boundKey(table.schema, readPlainBufferRow(request.inclusiveStartPrimaryKey).primaryKey);
  const end = boundKey(table.schema, readPlainBufferRow(request.exclusiveEndPrimaryKey).primaryKey);
  const order = compareKeys(start, end);
  if (direction === 'FORWARD' && order >= 0) throw parameterInvalid('Begin key must less than end key in FORWARD');
  if (direction === 'BACKWARD' && order <= 0) throw parameterInvalid('Begin key must more than end key in BACKWARD');
  const limit = rowLimit(request);
  const options = decodeReadOptions(request);

  const rows: OutputRow[] = [];
  let nextStart: Buffer | undefined;
  const scan = scanRows(table, start, end, direction);
  for (let step = scan.next(); !step.done; step = scan.next()) {
    if (rows.length === limit) {
      nextStart = encodePrimaryKey(namedPrimaryKey(table.schema, step.value.primaryKey));
      break;
    }
    const output = readRow(table, step.value, options, now);
    if (output) rows.push(output);
  }

  const encoded = rows.length > 0 ? encodeRows(rows) : Buffer.alloc(0);
  return {
    consumed: { capacityUnit: { read: capacityFor(encoded.length), write: 0 } },
    rows: encoded,
    ...(nextStart ? { nextStartPrimaryKey: nextStart } : {}),
  };
});

export const rangeOperations: Record<string, Operation> = { GetRange: getRange };
