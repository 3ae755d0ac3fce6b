/**
 * Where the CPU time of a signed GetSecretValue goes, layer by layer, in process (no HTTP, no load
 * generator sharing the machine): the KMS core alone (verify, nonce, authorize, read, decrypt,
 * audit record and event), the same without the durable audit record, and the api function's
 * handler invoked with the FC HTTP event the local server builds (event, middleware stack, core);
 * and the core again on a runtime whose store file is shared with other programs instead of held
 * exclusively (ROTOR_STORE_LOCKING=shared), to show what the default locking saves.
 * Requests run `concurrency` at a time, as the HTTP benchmark's connections do, so group commits
 * batch alike. Each layer gets fresh signed requests (a nonce is single-use).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleKmsRequest, type KmsApiDeps } from '../shared/http/kms-api.js';
import type { HttpRequest } from '../shared/http/types.js';
import { buildFcHttpEvent } from '../shared/runtime/local/http-event.js';
import { startReadTarget, type ReadTarget } from './http-read.js';
import { signedGetSecretValuePath } from './signed-request.js';

export interface LayerCost {
  layer: string;
  requests: number;
  /** Process CPU time (user + system) per request, µs. */
  cpuUsPerRequest: number;
}

export interface ReadCostResult {
  concurrency: number;
  layers: LayerCost[];
}

const requestOf = (path: string): HttpRequest => ({
  method: 'GET',
  path: '/',
  headers: { host: '127.0.0.1' },
  query: Object.fromEntries(new URLSearchParams(path.slice(path.indexOf('?') + 1))),
  body: Buffer.alloc(0),
  sourceIp: '127.0.0.1',
});

/** CPU per request of `serve` over `paths`, `concurrency` at a time; every answer must be a 200. */
const measure = async (paths: readonly string[], concurrency: number, serve: (path: string) => Promise<number>): Promise<number> => {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < paths.length) {
        const status = await serve(paths[next++] as string);
        if (status !== 200) throw new Error(`a read answered ${status}`);
      }
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / paths.length;
};

/** The layers of one runtime, each warmed up and then measured on `requests` fresh signed reads. */
const measureLayers = async (
  target: ReadTarget,
  layers: ReadonlyArray<[string, (target: ReadTarget) => (path: string) => Promise<number>]>,
  requests: number,
  concurrency: number,
): Promise<LayerCost[]> => {
  const signed = (n: number) => Array.from({ length: n }, () => signedGetSecretValuePath(target.target));
  const serves = layers.map(([layer, serveOn]) => [layer, serveOn(target)] as const);
  // Warm-up as long as the measurement: JIT and caches (data key, prepared statements) as in a
  // server that has been running; a shorter one left the first layer measured visibly colder.
  for (const [, serve] of serves) await measure(signed(requests), concurrency, serve);
  const results: LayerCost[] = [];
  for (const [layer, serve] of serves) results.push({ layer, requests, cpuUsPerRequest: await measure(signed(requests), concurrency, serve) });
  return results;
};

const viaCore = (withAudit: boolean) => (target: ReadTarget) => {
  const { audit, ...withoutAudit } = target.runtime.container.kmsApi();
  const deps: KmsApiDeps = withAudit && audit ? { ...withoutAudit, audit } : withoutAudit;
  return async (path: string) => (await handleKmsRequest(requestOf(path), deps)).statusCode;
};

const viaHandler = (target: ReadTarget) => {
  const { runtime } = target;
  const api = runtime.invoker.find('api');
  if (!api) throw new Error('no api function in s.yaml');
  return async (path: string) => {
    const event = buildFcHttpEvent(
      { method: 'GET', url: path, rawHeaders: ['Host', '127.0.0.1'], body: Buffer.alloc(0), sourceIp: '127.0.0.1', httpVersion: '1.1' },
      { requestId: 'bench', accountId: runtime.container.config.accountId, now: Date.now() },
    );
    return ((await runtime.invoker.invoke(api, event)) as { statusCode: number }).statusCode;
  };
};

/** A runtime on a data directory of its own, for one measurement, removed afterwards. */
const withReadTarget = async <T>(env: Record<string, string>, use: (target: ReadTarget) => Promise<T>): Promise<T> => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-bench-read-cost-'));
  try {
    const target = await startReadTarget(dir, env);
    try {
      return await use(target);
    } finally {
      await target.runtime.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export const SHARED_LOCKING_LAYER = 'KMS core, store file shared (ROTOR_STORE_LOCKING=shared)';

export const benchReadCost = async (requests: number, concurrency: number): Promise<ReadCostResult> => {
  const layers = await withReadTarget({}, (target) =>
    measureLayers(
      target,
      [
        ['KMS core (handleKmsRequest)', viaCore(true)],
        ['KMS core without the audit record', viaCore(false)],
        ['api function handler (FC HTTP event, middleware, core)', viaHandler],
      ],
      requests,
      concurrency,
    ),
  );
  // The default holds the store file exclusively; the same core on a shared file shows what that saves.
  const shared = await withReadTarget({ ROTOR_STORE_LOCKING: 'shared' }, (target) =>
    measureLayers(target, [[SHARED_LOCKING_LAYER, viaCore(true)]], requests, concurrency),
  );
  return { concurrency, layers: [...layers, ...shared] };
};
