import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticateRpcRequest, type KmsCredentials } from './auth.js';
import { KmsError, actionNotFound, invalidParameter, missingParameter } from './errors.js';
import type { MasterKey } from './master-key.js';
import { KMS_OPERATIONS } from './operations.js';
import { mergeRpcParams } from './params.js';

const API_VERSION = '2016-01-20';

export interface KmsHandlerDependencies {
  credentials: KmsCredentials;
  key: MasterKey;
  usedNonces: Set<string>;
  calls: Array<{ action: string }>;
}

/** Answers one RPC request with KMS's JSON body: the result plus RequestId, or {RequestId, HttpStatus, Code, Message}. */
export async function handleKmsRequest(
  request: IncomingMessage,
  response: ServerResponse,
  dependencies: KmsHandlerDependencies,
): Promise<void> {
  const requestId = randomUUID().toUpperCase();
  let status = 200;
  let body: Record<string, unknown>;
  try {
    const params = mergeRpcParams(request.url ?? '/', request.headers['content-type'], await readBody(request));
    body = { ...invoke(request.method ?? 'GET', params, dependencies), RequestId: requestId };
  } catch (error) {
    const known = error instanceof KmsError ? error : new KmsError('InternalFailure', 500, 'Internal Failure.');
    status = known.httpStatus;
    body = { RequestId: requestId, HttpStatus: known.httpStatus, Code: known.code, Message: known.message };
  }
  response.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
  response.end(JSON.stringify(body));
}

function invoke(method: string, params: Record<string, string>, dependencies: KmsHandlerDependencies): Record<string, string> {
  authenticateRpcRequest(method, params, dependencies.credentials, dependencies.usedNonces);
  const action = params.Action;
  if (!action) throw missingParameter('Action');
  dependencies.calls.push({ action });
  if (params.Version !== API_VERSION) throw invalidParameter('Version');
  const operation = KMS_OPERATIONS[action];
  if (!operation) throw actionNotFound();
  return operation(params, dependencies.key);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
