/**
 * Single-row operations: PutRow, GetRow, UpdateRow, DeleteRow.
 */
import { decodeWriteCondition } from '../conditions.js';
import { rowKey } from '../keys.js';
import { readPlainBufferRow } from '../plainbuffer-reader.js';
import { encodeRow } from '../plainbuffer-writer.js';
import { decodeReadOptions, readRow, type ReadMessage } from '../row-reads.js';
import { writeRow, type WriteKind, type WriteResult } from '../row-writes.js';
import { findRow, namedPrimaryKey, type TableSchema } from '../table-store.js';
import {
  capacityFor,
  defineOperation,
  rejectTransactions,
  tableNamed,
  type Operation,
  type OperationContext,
} from './operation.js';

export interface ReturnContentMessage {
  returnType?: number;
  returnColumnNames?: string[];
}

const RT_PK = 1;
const RT_AFTER_MODIFY = 2;

/** The row a write hands back: its primary key (RT_PK), or the key and the named columns (RT_AFTER_MODIFY). */
export const returnedRow = (
  schema: TableSchema,
  returnContent: ReturnContentMessage | null | undefined,
  result: WriteResult,
): Buffer | undefined => {
  const primaryKey = namedPrimaryKey(schema, result.key);
  switch (returnContent?.returnType) {
    case RT_PK:
      return encodeRow(primaryKey, []);
    case RT_AFTER_MODIFY: {
      const cells = (returnContent.returnColumnNames ?? []).flatMap((name) => {
        const latest = result.after?.columns.get(name)?.[0];
        return latest ? [{ name, value: latest.value, timestamp: latest.timestamp }] : [];
      });
      return encodeRow(primaryKey, cells);
    }
    default:
      return undefined;
  }
};

interface WriteRequest {
  tableName: string;
  condition: { rowExistence: number; columnCondition?: Uint8Array | null };
  returnContent?: ReturnContentMessage | null;
  transactionId?: string;
}

const singleWrite = <Request extends WriteRequest>(kind: WriteKind, rowBytes: (request: Request) => Uint8Array) =>
  (request: Request, { state, now }: OperationContext) => {
    rejectTransactions(request);
    const table = tableNamed(state, request.tableName);
    const change = readPlainBufferRow(rowBytes(request));
    const condition = decodeWriteCondition(request.condition);
    const result = writeRow(state, table, kind, change, condition, now);
    const row = returnedRow(table.schema, request.returnContent, result);
    return {
      consumed: { capacityUnit: { read: 0, write: capacityFor(rowBytes(request).length) } },
      ...(row ? { row } : {}),
    };
  };

const putRow = defineOperation<WriteRequest & { row: Uint8Array }>(
  'PutRowRequest',
  'PutRowResponse',
  singleWrite('PUT', (request) => request.row),
);

const updateRow = defineOperation<WriteRequest & { rowChange: Uint8Array }>(
  'UpdateRowRequest',
  'UpdateRowResponse',
  singleWrite('UPDATE', (request) => request.rowChange),
);

const deleteRow = defineOperation<WriteRequest & { primaryKey: Uint8Array }>(
  'DeleteRowRequest',
  'DeleteRowResponse',
  singleWrite('DELETE', (request) => request.primaryKey),
);

interface GetRowRequest extends ReadMessage {
  tableName: string;
  primaryKey: Uint8Array;
  transactionId?: string;
}

const getRow = defineOperation<GetRowRequest>('GetRowRequest', 'GetRowResponse', (request, { state, now }) => {
  rejectTransactions(request);
  const table = tableNamed(state, request.tableName);
  const key = rowKey(table.schema, readPlainBufferRow(request.primaryKey).primaryKey);
  const options = decodeReadOptions(request);
  const stored = findRow(table, key);
  const output = stored && readRow(table, stored, options, now);
  const row = output ? encodeRow(output.primaryKey, output.cells) : Buffer.alloc(0);
  return { consumed: { capacityUnit: { read: capacityFor(row.length), write: 0 } }, row };
});

export const rowOperations: Record<string, Operation> = {
  PutRow: putRow,
  GetRow: getRow,
  UpdateRow: updateRow,
  DeleteRow: deleteRow,
};
