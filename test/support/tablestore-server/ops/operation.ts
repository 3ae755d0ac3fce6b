/**
 * What each operation module provides: a handler from the decoded protobuf request to a response
 * object, wrapped so the HTTP layer only deals in bytes.
 */
import { parameterInvalid, tableNotExist } from '../errors.js';
import { mainCodec } from '../sdk.js';
import type { StoredTable, TablestoreState } from '../table-store.js';

export interface OperationContext {
  state: TablestoreState;
  /** The server clock in milliseconds, read once per request. */
  now: number;
}

export interface Operation {
  run(body: Uint8Array, context: OperationContext): Uint8Array;
}

export const defineOperation = <Request>(
  requestMessage: string,
  responseMessage: string,
  handle: (request: Request, context: OperationContext) => object,
): Operation => {
  const requestCodec = mainCodec<Request>(requestMessage);
  const responseCodec = mainCodec<unknown>(responseMessage);
  return {
    run(body, context) {
      let request: Request;
      try {
        request = requestCodec.decode(body);
      } catch (error) {
        // protobufjs names the missing or malformed field; pass that on like a parameter error
        throw parameterInvalid(`Invalid ${requestMessage}: ${(error as Error).message}.`);
      }
      return responseCodec.encode(handle(request, context)).finish();
    },
  };
};

/** A main table or a global secondary index table, by name. */
export const tableNamed = (state: TablestoreState, name: string): StoredTable => {
  const table = state.tables.get(name);
  if (!table) throw tableNotExist();
  return table;
};

export const rejectTransactions = (request: { transactionId?: string }): void => {
  if (request.transactionId) throw parameterInvalid('Local transactions are not supported by the test server.');
};

/** A rough capacity figure: one unit per started 4 KB, at least one. */
export const capacityFor = (bytes: number): number => Math.max(1, Math.ceil(bytes / 4096));
