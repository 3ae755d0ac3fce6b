/**
 * A local RAM OpenAPI (2015-05-01) server for the managed RAM secret driver: it issues real random
 * key pairs and verifies every request's V3 signature with the signing key's secret, so a call
 * made with a rotated key proves that key works. See README.md.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { handleRamRequest } from './http.js';
import { RamState, type IssuedKey } from './state.js';
import { listenOnLoopback } from '../listen.js';
import { OpenApiFaults, type FaultSpec } from '../openapi-faults.js';

export { MAX_KEYS_PER_USER, type IssuedKey } from './state.js';

export interface RamOpenApiTestServer {
  /** host:port, what the SDK takes as `endpoint` (with protocol "http"). */
  endpoint: string;
  /** The managing credential (full RAM access). */
  manager: { accessKeyId: string; accessKeySecret: string };
  state: RamState;
  addUser(userName: string): void;
  /** A key created out of band, as a user would in the console. */
  issueKey(userName: string, secret?: string): IssuedKey;
  keysOf(userName: string): IssuedKey[];
  /** Whether a user's own key may call GetUser/ListAccessKeys on that user (default true). */
  setUsersMayReadThemselves(allowed: boolean): void;
  /** Each key created from now on is refused as unknown for its first `requests` signed requests. */
  setPropagationDelay(requests: number): void;
  calls: Array<{ action: string; accessKeyId: string }>;
  /** Throttling, 5xx or held answers for the next matching requests (see ../openapi-faults.ts). */
  injectFaults(spec: FaultSpec): void;
  faults: OpenApiFaults;
  stop(): Promise<void>;
}

export const startRamOpenApiServer = async (): Promise<RamOpenApiTestServer> => {
  const state = new RamState();
  const manager = { accessKeyId: `LTAIManager${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(24).toString('base64url') };
  const calls: RamOpenApiTestServer['calls'] = [];
  let usersMayReadThemselves = true;
  const deps = { manager, state, usedNonces: new Set<string>(), usersMayReadThemselves: () => usersMayReadThemselves, calls };
  const faults = new OpenApiFaults('ram.aliyuncs.com');
  const server = createServer((request, response) => {
    if (!faults.intercept(request, response)) void handleRamRequest(request, response, deps);
  });
  const port = await listenOnLoopback(server);
  return {
    endpoint: `127.0.0.1:${port}`,
    manager,
    state,
    addUser: (userName) => void state.addUser(userName),
    issueKey: (userName, secret) => state.createKey(userName, secret),
    keysOf: (userName) => state.keysOf(userName),
    setUsersMayReadThemselves: (allowed) => {
      usersMayReadThemselves = allowed;
    },
    setPropagationDelay: (requests) => {
      state.propagationDelayRequests = requests;
    },
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
