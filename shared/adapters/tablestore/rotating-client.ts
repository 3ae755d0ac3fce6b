/**
 * A TableStoreClientLike whose SDK client follows the current credentials: FC's STS credentials
 * expire, and a Tablestore client is bound to the set it was built with.
 */
import { clientPerCredentials, type CredentialsProvider } from '../support/cloud-credentials.js';
import { createTablestoreClient, type TableStoreClientLike } from './client.js';

export const createRotatingTablestoreClient = (
  connection: { endpoint: string; instanceName: string },
  credentials: CredentialsProvider,
): TableStoreClientLike => {
  const current = clientPerCredentials(credentials, (c) => createTablestoreClient({ ...connection, ...c }));
  return {
    getRow: async (p) => (await current()).getRow(p),
    putRow: async (p) => (await current()).putRow(p),
    updateRow: async (p) => (await current()).updateRow(p),
    deleteRow: async (p) => (await current()).deleteRow(p),
    getRange: async (p) => (await current()).getRange(p),
    batchGetRow: async (p) => (await current()).batchGetRow(p),
    batchWriteRow: async (p) => (await current()).batchWriteRow(p),
  };
};
