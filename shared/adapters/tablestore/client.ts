/**
 * The Tablestore client the adapter depends on: the few SDK calls it makes, as an interface, so a
 * container creates one real client and tests can wrap or replace it.
 */
import TableStore from 'tablestore';

/** Row reads and writes: all the secret store needs. The SDK's Client satisfies it. */
export interface TableStoreClientLike {
  getRow(params: TableStore.GetRowParams): Promise<{ row: TableStore.ReadRow }>;
  putRow(params: TableStore.PutRowParams): Promise<unknown>;
  updateRow(params: TableStore.UpdateRowParams): Promise<unknown>;
  deleteRow(params: TableStore.DeleteRowParams): Promise<unknown>;
  getRange(params: TableStore.GetRangeParams): Promise<TableStore.GetRangeResult>;
  batchGetRow(params: TableStore.BatchGetRowParams): Promise<TableStore.BatchGetRowResult>;
  batchWriteRow(params: TableStore.BatchWriteRowParams): Promise<TableStore.BatchWriteRowResult>;
}

/** Table management: what provisioning needs. */
export interface TableStoreAdminClientLike {
  listTable(params: Record<string, never>): Promise<{ tableNames: string[] }>;
  createTable(params: TableStore.CreateTableParams): Promise<unknown>;
  describeTable(params: { tableName: string }): Promise<TableStore.DescribeTableResult>;
  deleteTable(params: { tableName: string }): Promise<unknown>;
}

export interface TablestoreConnection {
  /** e.g. https://<instance>.<region>.ots.aliyuncs.com (the -vpc variant inside a VPC). */
  endpoint: string;
  instanceName: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Present with temporary (STS) credentials, as Function Compute provides them. */
  securityToken?: string;
}

/**
 * One SDK client per container. No logger is passed on purpose: the SDK's logger prints request
 * parameters, which would include row contents.
 */
export const createTablestoreClient = (
  connection: TablestoreConnection,
): TableStoreClientLike & TableStoreAdminClientLike =>
  new TableStore.Client({
    endpoint: connection.endpoint,
    instancename: connection.instanceName,
    accessKeyId: connection.accessKeyId,
    secretAccessKey: connection.accessKeySecret,
    ...(connection.securityToken ? { stsToken: connection.securityToken } : {}),
  });
