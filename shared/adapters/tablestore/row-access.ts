/**
 * Row operations over the SDK client in the terms the store thinks in: writes report whether their
 * condition held, reads return RowViews, ranges and batches are paged to the service's limits, and
 * every other failure becomes a TablestoreError without row data.
 */
import TableStore from 'tablestore';
import type { TableStoreClientLike } from './client.js';
import { isConditionFailure, TablestoreError, tablestoreError } from './errors.js';
import { primaryKeyInput, viewRow, type RowView } from './rows.js';

/** Service limits per request. */
const BATCH_GET_MAX_ROWS = 100;
const BATCH_WRITE_MAX_ROWS = 200;

export interface RangeRead {
  tableName: string;
  /** Inclusive. */
  start: TableStore.PrimaryKeyInput;
  /** Exclusive. */
  end: TableStore.PrimaryKeyInput;
  limit?: number;
  columnsToGet?: string[];
}

export interface RangePage {
  rows: RowView[];
  /** Where the next page starts, or null at the end of the range. */
  next: TableStore.PrimaryKeyInput | null;
}

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
};

const failedRow = (operation: string, row: TableStore.BatchRowResult): TablestoreError =>
  new TablestoreError(operation, row.errorCode ?? 'UnknownError', null, null);

export class RowAccess {
  constructor(private readonly client: TableStoreClientLike) {}

  async get(tableName: string, primaryKey: TableStore.PrimaryKeyInput, columnsToGet?: string[]): Promise<RowView | null> {
    const { row } = await this.call('GetRow', () =>
      this.client.getRow({ tableName, primaryKey, maxVersions: 1, ...(columnsToGet ? { columnsToGet } : {}) }),
    );
    return viewRow(row);
  }

  /** True if written, false if the condition did not hold. */
  put(params: TableStore.PutRowParams): Promise<boolean> {
    return this.conditional('PutRow', () => this.client.putRow(params));
  }

  /** True if written, false if the condition did not hold. */
  update(params: TableStore.UpdateRowParams): Promise<boolean> {
    return this.conditional('UpdateRow', () => this.client.updateRow(params));
  }

  /** True if deleted, false if the condition did not hold. */
  delete(params: TableStore.DeleteRowParams): Promise<boolean> {
    return this.conditional('DeleteRow', () => this.client.deleteRow(params));
  }

  async readRange(read: RangeRead): Promise<RangePage> {
    const result = await this.call('GetRange', () =>
      this.client.getRange({
        tableName: read.tableName,
        direction: TableStore.Direction.FORWARD,
        inclusiveStartPrimaryKey: read.start,
        exclusiveEndPrimaryKey: read.end,
        maxVersions: 1,
        ...(read.limit !== undefined ? { limit: read.limit } : {}),
        ...(read.columnsToGet ? { columnsToGet: read.columnsToGet } : {}),
      }),
    );
    return {
      rows: result.rows.map((row) => viewRow(row)).filter((row): row is RowView => row !== null),
      next: result.nextStartPrimaryKey ? primaryKeyInput(result.nextStartPrimaryKey) : null,
    };
  }

  /** Every row of a range, one service response at a time. */
  async *rangePages(read: RangeRead): AsyncGenerator<RowView[]> {
    let start: TableStore.PrimaryKeyInput | null = read.start;
    while (start) {
      const page: RangePage = await this.readRange({ ...read, start });
      yield page.rows;
      start = page.next;
    }
  }

  /** The rows that exist among `keys`, in request order. */
  async batchGet(tableName: string, keys: readonly TableStore.PrimaryKeyInput[], columnsToGet: string[]): Promise<RowView[]> {
    const rows: RowView[] = [];
    for (const batch of chunks(keys, BATCH_GET_MAX_ROWS)) {
      const result = await this.call('BatchGetRow', () =>
        this.client.batchGetRow({ tables: [{ tableName, primaryKey: batch, maxVersions: 1, columnsToGet }] }),
      );
      for (const row of result.tables[0] ?? []) {
        if (!row.isOk) throw failedRow('BatchGetRow', row);
        const view = viewRow(row);
        if (view) rows.push(view);
      }
    }
    return rows;
  }

  /** Deletes every row in the range, reading keys only, one batch per page. */
  async deleteRange(read: Omit<RangeRead, 'limit' | 'columnsToGet'>, keyColumn: string): Promise<void> {
    // Asking only for a key column returns keys without the other columns.
    const keysOnly: RangeRead = { ...read, limit: BATCH_WRITE_MAX_ROWS, columnsToGet: [keyColumn] };
    for await (const page of this.rangePages(keysOnly)) {
      if (page.length === 0) continue;
      const rows: TableStore.BatchWriteRowItem[] = page.map((row) => ({
        type: 'DELETE',
        primaryKey: [...row.key].map(([name, value]) => ({ [name]: value as TableStore.PrimaryKeyValue })),
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      }));
      const result = await this.call('BatchWriteRow', () =>
        this.client.batchWriteRow({ tables: [{ tableName: read.tableName, rows }] }),
      );
      const failed = result.tables.find((row) => !row.isOk);
      if (failed) throw failedRow('BatchWriteRow', failed);
    }
  }

  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw tablestoreError(operation, error);
    }
  }

  private async conditional(operation: string, write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw tablestoreError(operation, error);
    }
  }
}
