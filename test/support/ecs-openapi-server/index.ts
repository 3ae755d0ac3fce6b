/**
 * A local ECS OpenAPI (2014-05-26) server for the managed ECS secret driver: DescribeInstances,
 * RunCommand and DescribeInvocationResults, each request's V3 signature verified with the shared
 * verifier. Every instance is this machine: RunCommand runs the (Base64) RunShellScript with
 * /bin/sh through child_process, as the user running the tests (root, as Cloud Assistant is), and
 * reports it in Cloud Assistant's shape (InvocationStatus, ExitCode, Base64 Output of stdout and
 * stderr together). Results appear only once the script has ended, so clients must poll.
 * Windows instances take RunPowerShellScript only, and do not run PowerShell: an emulator of the
 * driver's Windows script contracts answers instead (windows-instance.ts).
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { KmsError } from '../../../shared/domain/errors.js';
import { accessKeyNotFound, actionNotFound, incompleteSignature, invalidVersion, signatureDoesNotMatch, signatureNonceUsed } from '../../../shared/http/http-errors.js';
import { mergeParams, type RequestParams } from '../../../shared/http/params.js';
import { parseV3Authorization, payloadHashMatches, verifyV3 } from '../../../shared/http/signature-v3.js';
import type { HttpRequest } from '../../../shared/http/types.js';
import { listenOnLoopback } from '../listen.js';
import { EmulatedWindowsInstance } from './windows-instance.js';
import { OpenApiFaults, type FaultSpec } from '../openapi-faults.js';

const API_VERSION = '2014-05-26';
const REQUIRED_SIGNED = ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'];

export interface TestInstance {
  instanceId: string;
  regionId: string;
  osType: 'linux' | 'windows';
}

export interface Invocation {
  invokeId: string;
  instanceId: string;
  /** RunShellScript (run here with /bin/sh) or RunPowerShellScript (handed to the Windows emulator). */
  type: 'RunShellScript' | 'RunPowerShellScript';
  /** The command's text as Cloud Assistant keeps it in its invocation history. */
  script: string;
  /** Cloud Assistant's Timeout parameter, seconds (60 when not given). */
  timeoutSeconds: number;
  status: 'Running' | 'Success' | 'Failed' | 'Timeout' | 'Stopped';
  exitCode: number | null;
  output: string;
}

export interface EcsOpenApiTestServer {
  /** host:port, what the SDK takes as `endpoint` (with protocol "http"). */
  endpoint: string;
  manager: { accessKeyId: string; accessKeySecret: string };
  addInstance(instance: TestInstance): void;
  /** The emulated Windows side of a Windows instance (see windows-instance.ts): its accounts and key store. */
  windows(instanceId: string): EmulatedWindowsInstance;
  /**
   * The next command for this instance (the next one whose text `matching` accepts) is not run
   * and ends with this status and no exit code: a Cloud Assistant timeout or stop.
   */
  interruptNext(instanceId: string, status: 'Timeout' | 'Stopped', matching?: (script: string) => boolean): void;
  /** Every script run, in order, with its outcome: what crossed the wire. */
  invocations: Invocation[];
  /** Every authenticated call's action. */
  calls: string[];
  /** Throttling, 5xx or held answers for the next matching requests (see ../openapi-faults.ts). */
  injectFaults(spec: FaultSpec): void;
  faults: OpenApiFaults;
  stop(): Promise<void>;
}

const invalidParameter = (name: string, detail: string) => new KmsError(`InvalidParameter.${name}`, 400, `The specified parameter "${name}" ${detail}.`);
const missingParameter = (name: string) => new KmsError(`MissingParameter.${name}`, 400, `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
const instanceNotFound = () => new KmsError('InvalidInstance.NotFound', 404, 'The specified instance does not exist.');

const required = (params: RequestParams, name: string): string => {
  const value = params[name];
  if (value === undefined || value === '') throw missingParameter(name);
  return value;
};

/** `InstanceId.1`, `InstanceId.2`, ... as the SDK flattens a list into the query. */
const listParam = (params: RequestParams, name: string): string[] =>
  Object.keys(params)
    .filter((k) => k.startsWith(`${name}.`))
    .sort((a, b) => Number(a.slice(name.length + 1)) - Number(b.slice(name.length + 1)))
    .map((k) => params[k] as string);

const toHttpRequest = async (request: IncomingMessage): Promise<HttpRequest> => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return { method: request.method ?? 'GET', path: url.pathname, headers, query: Object.fromEntries(url.searchParams), body: Buffer.concat(chunks), sourceIp: '' };
};

const runScript = (invocation: Invocation): void => {
  const child = spawn('/bin/sh', ['-c', invocation.script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => output.push(c));
  child.stderr.on('data', (c: Buffer) => output.push(c));
  child.on('close', (code) => {
    invocation.output = Buffer.concat(output).toString('utf8');
    invocation.exitCode = code;
    invocation.status = code === 0 ? 'Success' : 'Failed';
  });
};

/**
 * A Windows instance's command: never PowerShell, but the emulator of the driver's script
 * contracts (windows-instance.ts). Reported on a later tick, so clients poll as with real runs.
 */
const emulateWindows = (invocation: Invocation, instance: EmulatedWindowsInstance): void => {
  setImmediate(() => {
    void instance
      .run(invocation.script)
      .catch((error: unknown) => ({ exitCode: 1, output: `emulated Windows instance: internal error: ${error instanceof Error ? error.name : 'unknown'}\r\n` }))
      .then((run) => {
        invocation.output = run.output;
        invocation.exitCode = run.exitCode;
        invocation.status = run.exitCode === 0 ? 'Success' : 'Failed';
      });
  });
};

export const startEcsOpenApiServer = async (): Promise<EcsOpenApiTestServer> => {
  const manager = { accessKeyId: `LTAIEcs${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(24).toString('base64url') };
  const instances = new Map<string, TestInstance>();
  const invocations: Invocation[] = [];
  const calls: string[] = [];
  const nonces = new Set<string>();
  const windowsInstances = new Map<string, EmulatedWindowsInstance>();
  const interruptions = new Map<string, { status: 'Timeout' | 'Stopped'; matching: (script: string) => boolean }>();
  const windowsOf = (instanceId: string): EmulatedWindowsInstance => {
    const found = windowsInstances.get(instanceId);
    if (!found) throw new Error(`${instanceId} is not a Windows instance of this test server.`);
    return found;
  };

  const authenticate = (req: HttpRequest): void => {
    const auth = parseV3Authorization(req.headers.authorization ?? '');
    for (const name of REQUIRED_SIGNED) if (!auth.signedHeaders.includes(name)) throw incompleteSignature(`the header ${name} is not signed.`);
    if (!payloadHashMatches(req)) throw incompleteSignature('x-acs-content-sha256 does not match the body.');
    if (auth.accessKeyId !== manager.accessKeyId) throw accessKeyNotFound();
    if (!verifyV3(req, auth, manager.accessKeySecret)) throw signatureDoesNotMatch();
    const nonce = req.headers['x-acs-signature-nonce'] ?? '';
    if (nonces.has(nonce)) throw signatureNonceUsed();
    nonces.add(nonce);
  };

  const instanceIn = (regionId: string, instanceId: string): TestInstance => {
    const found = instances.get(instanceId);
    if (!found || found.regionId !== regionId) throw instanceNotFound();
    return found;
  };

  const operations: Record<string, (p: RequestParams) => Record<string, unknown>> = {
    DescribeInstances: (p) => {
      const regionId = required(p, 'RegionId');
      let ids: unknown;
      try {
        ids = p.InstanceIds ? JSON.parse(p.InstanceIds) : null;
      } catch {
        throw invalidParameter('InstanceIds', 'is not a JSON array');
      }
      const wanted = Array.isArray(ids) ? new Set(ids) : null;
      const found = [...instances.values()].filter((i) => i.regionId === regionId && (!wanted || wanted.has(i.instanceId)));
      return {
        TotalCount: found.length,
        PageNumber: 1,
        PageSize: 10,
        Instances: { Instance: found.map((i) => ({ InstanceId: i.instanceId, RegionId: i.regionId, OSType: i.osType, Status: 'Running' })) },
      };
    },
    RunCommand: (p) => {
      const regionId = required(p, 'RegionId');
      const type = required(p, 'Type');
      const content = required(p, 'CommandContent');
      const ids = listParam(p, 'InstanceId');
      if (ids.length !== 1) throw invalidParameter('InstanceId', 'must name one instance in this test server');
      const instance = instanceIn(regionId, ids[0] as string);
      const expected = instance.osType === 'linux' ? 'RunShellScript' : 'RunPowerShellScript';
      if (type !== expected) throw new KmsError('InvalidParameter.Type', 400, 'The command type does not match the instance OS.');
      const timeoutSeconds = p.Timeout === undefined ? 60 : Number(p.Timeout);
      if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 10 || timeoutSeconds > 86_400) throw invalidParameter('Timeout', 'must be 10 to 86400 seconds');
      if (p.ContentEncoding !== 'Base64') throw invalidParameter('ContentEncoding', 'must be Base64 in this test server');
      const invocation: Invocation = {
        invokeId: `t-${randomBytes(8).toString('hex')}`,
        instanceId: instance.instanceId,
        type: expected,
        script: Buffer.from(content, 'base64').toString('utf8'),
        timeoutSeconds,
        status: 'Running',
        exitCode: null,
        output: '',
      };
      invocations.push(invocation);
      const interruption = interruptions.get(instance.instanceId);
      const interrupted = interruption?.matching(invocation.script) ? interruption.status : null;
      if (interrupted) interruptions.delete(instance.instanceId);
      if (interrupted) setImmediate(() => void (invocation.status = interrupted));
      else if (instance.osType === 'linux') runScript(invocation);
      else emulateWindows(invocation, windowsOf(instance.instanceId));
      return { CommandId: `c-${randomBytes(8).toString('hex')}`, InvokeId: invocation.invokeId };
    },
    DescribeInvocationResults: (p) => {
      required(p, 'RegionId');
      const invokeId = required(p, 'InvokeId');
      const found = invocations.filter((i) => i.invokeId === invokeId && (!p.InstanceId || i.instanceId === p.InstanceId));
      const encode = (text: string) => (p.ContentEncoding === 'PlainText' ? text : Buffer.from(text, 'utf8').toString('base64'));
      return {
        Invocation: {
          TotalCount: found.length,
          PageNumber: 1,
          PageSize: 10,
          InvocationResults: {
            InvocationResult: found.map((i) => ({
              InvokeId: i.invokeId,
              InstanceId: i.instanceId,
              InvocationStatus: i.status,
              InvokeRecordStatus: i.status === 'Running' ? 'Running' : 'Finished',
              ...(i.exitCode !== null ? { ExitCode: i.exitCode } : {}),
              Output: encode(i.output),
            })),
          },
        },
      };
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const requestId = randomUUID().toUpperCase();
    let status = 200;
    let body: Record<string, unknown>;
    try {
      const req = await toHttpRequest(request);
      authenticate(req);
      const action = req.headers['x-acs-action'] ?? '';
      calls.push(action);
      if (req.headers['x-acs-version'] !== API_VERSION) throw invalidVersion();
      const operation = operations[action];
      if (!operation) throw actionNotFound();
      body = { RequestId: requestId, ...operation(mergeParams(req)) };
    } catch (error) {
      const known = error instanceof KmsError ? error : new KmsError('InternalError', 500, 'The request processing has failed due to some unknown error.');
      status = known.httpStatus;
      body = { RequestId: requestId, HostId: 'ecs.aliyuncs.com', Code: known.code, Message: known.message };
    }
    response.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
    response.end(JSON.stringify(body));
  };

  const faults = new OpenApiFaults('ecs.aliyuncs.com');
  const server = createServer((request, response) => {
    if (!faults.intercept(request, response)) void handle(request, response);
  });
  const port = await listenOnLoopback(server);
  return {
    endpoint: `127.0.0.1:${port}`,
    manager,
    addInstance: (instance) => {
      instances.set(instance.instanceId, instance);
      if (instance.osType === 'windows') windowsInstances.set(instance.instanceId, new EmulatedWindowsInstance());
    },
    windows: windowsOf,
    interruptNext: (instanceId, status, matching = () => true) => void interruptions.set(instanceId, { status, matching }),
    invocations,
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
