/**
 * A protocol-level RDS OpenAPI server for tests: what `@alicloud/rds20140815` sends (RPC over
 * POST, signature V3 `ACS3-HMAC-SHA256`, parameters in the query and/or a form body) is
 * authenticated with the shared server-side verifier, and the account actions are applied to a
 * real PostgreSQL or MariaDB that each instance id stands for.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mergeParams } from '../../../shared/http/params.js';
import { isV3Request, parseV3Authorization, payloadHashMatches, verifyV3 } from '../../../shared/http/signature-v3.js';
import type { HttpRequest } from '../../../shared/http/types.js';
import type { InstanceDatabase } from './databases.js';
import {
  RdsApiError,
  accessKeyNotFound,
  actionNotFound,
  nonceUsed,
  securityTokenInvalid,
  signatureMismatch,
  unsupportedSignature,
} from './errors.js';
import { RDS_OPERATIONS, type RdsInstance } from './operations.js';
import { listenOnLoopback } from '../listen.js';
import { OpenApiFaults, type FaultSpec } from '../openapi-faults.js';

export { mysqlDatabase, postgresDatabase, type InstanceDatabase } from './databases.js';
export { isValidRdsPassword } from './operations.js';

const API_VERSION = '2014-08-15';

export interface RdsServerOptions {
  accessKeyId?: string;
  accessKeySecret?: string;
  /** When set, every request must carry it (STS credentials). */
  securityToken?: string;
}

export interface RdsCall {
  action: string;
  /** Parameters minus AccountPassword, which a test must never see echoed. */
  params: Record<string, string>;
  ok: boolean;
}

export interface RdsOpenApiServer {
  /** host:port, for the SDK's `endpoint` with protocol "http". */
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  regionId: string;
  /** Makes `instanceId` an RDS instance whose accounts live in `database`. */
  addInstance(instanceId: string, database: InstanceDatabase): void;
  calls: RdsCall[];
  /** Throttling, 5xx or held answers for the next matching requests (see ../openapi-faults.ts). */
  injectFaults(spec: FaultSpec): void;
  faults: OpenApiFaults;
  stop(): Promise<void>;
}

const readBody = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const toHttpRequest = (request: IncomingMessage, body: Buffer): HttpRequest => {
  const url = new URL(request.url ?? '/', 'http://rds.test');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return {
    method: request.method ?? 'GET',
    path: url.pathname,
    headers,
    query: Object.fromEntries(url.searchParams.entries()),
    body,
    sourceIp: request.socket.remoteAddress ?? '',
  };
};

export const startRdsOpenApiServer = async (options: RdsServerOptions = {}): Promise<RdsOpenApiServer> => {
  const accessKeyId = options.accessKeyId ?? `rds-test-${randomUUID().slice(0, 8)}`;
  const accessKeySecret = options.accessKeySecret ?? randomUUID();
  const instances = new Map<string, RdsInstance>();
  const nonces = new Set<string>();
  const calls: RdsCall[] = [];
  const regionId = 'cn-hangzhou';

  const authenticate = (req: HttpRequest): void => {
    if (!isV3Request(req)) throw unsupportedSignature();
    const auth = parseV3Authorization(req.headers.authorization ?? '');
    if (auth.accessKeyId !== accessKeyId) throw accessKeyNotFound();
    if (!payloadHashMatches(req) || !verifyV3(req, auth, accessKeySecret)) throw signatureMismatch();
    // Everything that selects what happens must be covered by the signature.
    for (const header of ['host', 'x-acs-action', 'x-acs-version', 'x-acs-signature-nonce', 'x-acs-content-sha256']) {
      if (!auth.signedHeaders.includes(header)) throw signatureMismatch();
    }
    if (options.securityToken !== undefined) {
      if (req.headers['x-acs-security-token'] !== options.securityToken || !auth.signedHeaders.includes('x-acs-security-token'))
        throw securityTokenInvalid();
    }
    const nonce = req.headers['x-acs-signature-nonce'] ?? '';
    if (nonces.has(nonce)) throw nonceUsed();
    nonces.add(nonce);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID().toUpperCase();
    let status = 200;
    let body: Record<string, unknown>;
    let action = '';
    let params: Record<string, string> = {};
    try {
      const req = toHttpRequest(request, await readBody(request));
      authenticate(req);
      action = req.headers['x-acs-action'] ?? '';
      params = mergeParams(req);
      const operation = RDS_OPERATIONS[action];
      if (req.headers['x-acs-version'] !== API_VERSION || !operation) throw actionNotFound();
      body = { ...(await operation(params, instances)), RequestId: requestId };
    } catch (error) {
      const known =
        error instanceof RdsApiError
          ? error
          : (error as { code?: string }).code?.startsWith('Incomplete') || (error as { code?: string }).code?.startsWith('Unsupported')
            ? new RdsApiError('IncompleteSignature', 400, 'The request signature does not conform to Aliyun standards.')
            : new RdsApiError('InternalError', 500, 'The request processing has failed due to some unknown error.');
      status = known.httpStatus;
      body = { RequestId: requestId, HostId: 'rds.test', Code: known.code, Message: known.message };
    }
    if (action) {
      const { AccountPassword: _hidden, ...visible } = params;
      calls.push({ action, params: visible, ok: status === 200 });
    }
    response.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
    response.end(JSON.stringify(body));
  };

  const faults = new OpenApiFaults('rds.aliyuncs.com');
  const server = createServer((request, response) => {
    if (!faults.intercept(request, response)) void handle(request, response);
  });
  const port = await listenOnLoopback(server);
  return {
    endpoint: `127.0.0.1:${port}`,
    accessKeyId,
    accessKeySecret,
    ...(options.securityToken ? { securityToken: options.securityToken } : {}),
    regionId,
    addInstance: (instanceId, database) =>
      instances.set(instanceId, { id: instanceId, regionId, database, privileges: new Map(), accountTypes: new Map() }),
    calls,
    injectFaults: (spec) => faults.add(spec),
    faults,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        faults.cancel();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};
