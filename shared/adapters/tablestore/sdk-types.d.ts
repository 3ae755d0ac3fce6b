/**
 * Types for the parts of the `tablestore` SDK (CommonJS, no published declarations) that the
 * Tablestore adapter uses. Only what we call is declared; shapes follow the SDK's encoder/decoder.
 */
declare module 'tablestore' {
  namespace TableStore {
    /** An int64-buffer Int64LE: the SDK's INTEGER value. JS numbers would be written as DOUBLE. */
    interface Int64 {
      toNumber(): number;
      toString(radix?: number): string;
    }

    /** INF_MIN / INF_MAX: open bounds of a primary-key column in a range read. */
    interface RangeBound {
      readonly tablestoreRangeBound: never;
    }

    type CellValue = string | number | boolean | Buffer | Int64;
    type PrimaryKeyValue = string | Buffer | Int64 | RangeBound;
    /** One `{ column: value }` object per key column, in key order. */
    type PrimaryKeyInput = Array<Record<string, PrimaryKeyValue>>;
    type AttributeInput = Array<Record<string, CellValue>>;
    type UpdateOfAttributeColumns = Array<{ PUT: AttributeInput } | { DELETE_ALL: string[] }>;

    interface ReadPrimaryKeyColumn {
      name: string;
      value: unknown;
    }
    interface ReadAttribute {
      columnName: string;
      columnValue: unknown;
      timestamp: Int64;
    }
    /** A row as the SDK decodes it; `{}` when GetRow finds nothing. */
    interface ReadRow {
      primaryKey?: ReadPrimaryKeyColumn[];
      attributes?: ReadAttribute[];
    }

    class ColumnCondition {}
    class SingleColumnCondition extends ColumnCondition {
      constructor(
        columnName: string,
        columnValue: CellValue,
        comparator: number,
        passIfMissing?: boolean,
        latestVersionOnly?: boolean,
      );
    }
    class Condition {
      constructor(rowExistenceExpectation: number, columnCondition: ColumnCondition | null);
    }

    const RowExistenceExpectation: { readonly IGNORE: 0; readonly EXPECT_EXIST: 1; readonly EXPECT_NOT_EXIST: 2 };
    const ComparatorType: {
      readonly EQUAL: number;
      readonly NOT_EQUAL: number;
      readonly GREATER_THAN: number;
      readonly GREATER_EQUAL: number;
      readonly LESS_THAN: number;
      readonly LESS_EQUAL: number;
    };
    const Direction: { readonly FORWARD: 'FORWARD'; readonly BACKWARD: 'BACKWARD' };
    const PrimaryKeyType: { readonly INTEGER: 1; readonly STRING: 2; readonly BINARY: 3 };
    const DefinedColumnType: { readonly DCT_INTEGER: 1; readonly DCT_DOUBLE: 2; readonly DCT_BOOLEAN: 3; readonly DCT_STRING: 4 };
    const IndexUpdateMode: { readonly IUM_ASYNC_INDEX: 0; readonly IUM_SYNC_INDEX: 1 };
    const IndexType: { readonly IT_GLOBAL_INDEX: 0; readonly IT_LOCAL_INDEX: 1 };
    const Long: { fromNumber(value: number): Int64; fromString(value: string): Int64 };
    const INF_MIN: RangeBound;
    const INF_MAX: RangeBound;

    interface ClientConfig {
      endpoint: string;
      instancename: string;
      accessKeyId: string;
      secretAccessKey: string;
      stsToken?: string;
      maxRetries?: number;
      httpOptions?: { timeout?: number; maxSockets?: number };
    }

    interface WriteCondition {
      condition: Condition;
    }

    interface GetRowParams {
      tableName: string;
      primaryKey: PrimaryKeyInput;
      maxVersions?: number;
      columnsToGet?: string[];
    }
    interface PutRowParams extends WriteCondition {
      tableName: string;
      primaryKey: PrimaryKeyInput;
      attributeColumns: AttributeInput;
    }
    interface UpdateRowParams extends WriteCondition {
      tableName: string;
      primaryKey: PrimaryKeyInput;
      updateOfAttributeColumns: UpdateOfAttributeColumns;
    }
    interface DeleteRowParams extends WriteCondition {
      tableName: string;
      primaryKey: PrimaryKeyInput;
    }
    interface GetRangeParams {
      tableName: string;
      direction: 'FORWARD' | 'BACKWARD';
      inclusiveStartPrimaryKey: PrimaryKeyInput;
      exclusiveEndPrimaryKey: PrimaryKeyInput;
      limit?: number;
      maxVersions?: number;
      columnsToGet?: string[];
    }
    interface GetRangeResult {
      rows: ReadRow[];
      nextStartPrimaryKey: ReadPrimaryKeyColumn[] | null;
    }
    interface BatchGetRowParams {
      tables: Array<{ tableName: string; primaryKey: PrimaryKeyInput[]; maxVersions?: number; columnsToGet?: string[] }>;
    }
    interface BatchRowResult {
      isOk: boolean;
      errorCode: string | null;
      errorMessage: string | null;
      tableName: string;
      primaryKey: ReadPrimaryKeyColumn[] | null;
      attributes: ReadAttribute[] | null;
    }
    /** One array of row results per requested table, in request order. */
    interface BatchGetRowResult {
      tables: BatchRowResult[][];
    }
    type BatchWriteRowItem =
      | ({ type: 'PUT'; primaryKey: PrimaryKeyInput; attributeColumns: AttributeInput } & WriteCondition)
      | ({ type: 'UPDATE'; primaryKey: PrimaryKeyInput; attributeColumns: UpdateOfAttributeColumns } & WriteCondition)
      | ({ type: 'DELETE'; primaryKey: PrimaryKeyInput } & WriteCondition);
    interface BatchWriteRowParams {
      tables: Array<{ tableName: string; rows: BatchWriteRowItem[] }>;
    }
    /** A flat array of per-row results over all tables, in request order. */
    interface BatchWriteRowResult {
      tables: BatchRowResult[];
    }

    interface TableMetaInput {
      tableName: string;
      primaryKey: Array<{ name: string; type: number }>;
      definedColumn?: Array<{ name: string; type: number }>;
    }
    interface IndexMetaInput {
      name: string;
      primaryKey: string[];
      definedColumn: string[];
      indexUpdateMode?: number;
      indexType?: number;
    }
    interface CreateTableParams {
      tableMeta: TableMetaInput;
      reservedThroughput: { capacityUnit: { read: number; write: number } };
      tableOptions: { timeToLive: number; maxVersions: number; allowUpdate?: boolean };
      indexMetas?: IndexMetaInput[];
    }
    interface DescribeTableResult {
      tableMeta: { tableName: string };
      tableOptions: { timeToLive: number; maxVersions: number };
      indexMetas: Array<{ name: string; primaryKey: string[] }>;
    }

    class Client {
      constructor(config: ClientConfig);
      getRow(params: GetRowParams): Promise<{ row: ReadRow }>;
      putRow(params: PutRowParams): Promise<unknown>;
      updateRow(params: UpdateRowParams): Promise<unknown>;
      deleteRow(params: DeleteRowParams): Promise<unknown>;
      getRange(params: GetRangeParams): Promise<GetRangeResult>;
      batchGetRow(params: BatchGetRowParams): Promise<BatchGetRowResult>;
      batchWriteRow(params: BatchWriteRowParams): Promise<BatchWriteRowResult>;
      listTable(params: Record<string, never>): Promise<{ tableNames: string[] }>;
      createTable(params: CreateTableParams): Promise<unknown>;
      describeTable(params: { tableName: string }): Promise<DescribeTableResult>;
      deleteTable(params: { tableName: string }): Promise<unknown>;
      createIndex(params: { mainTableName: string; indexMeta: IndexMetaInput; includeBaseData?: boolean }): Promise<unknown>;
    }
  }
  export = TableStore;
}
