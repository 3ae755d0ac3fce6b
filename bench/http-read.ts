/** GetSecretValue through the whole local runtime, beside a bare node http server sending the same bytes. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocalRuntime, type LocalRuntime } from '../shared/runtime/local/runtime.js';
import { loadConfig } from '../shared/runtime/config.js';
import { signedGetSecretValuePath, type SignedReadTarget } from './signed-request.js';

export interface LoadResult {
  requests: number;
  /** CPU time (user + system) this process spent per request while serving the load, µs. */
  serverCpuUsPerRequest?: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/**
 * Runs the load generator against a server living in this process, and adds the CPU time this
 * process spent per request: less sensitive to other load on the machine than requests/s.
 */
export const loadInProcessServer = async (options: object): Promise<LoadResult> => {
  const before = process.cpuUsage();
  const result = await runLoad(options);
  const used = process.cpuUsage(before);
  return { ...result, serverCpuUsPerRequest: result.requests > 0 ? (used.user + used.system) / result.requests : NaN };
};

export const runLoad = (options: object): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim()) as LoadResult) : reject(new Error(`load exited ${code}`))));
  });

export interface ReadTarget {
  runtime: LocalRuntime;
  target: SignedReadTarget;
  /** The bytes of one real GetSecretValue response. */
  body: string;
}

/**
 * The local runtime (no timers, no queue poller) with one secret to read, and one real answer.
 * `env` adds settings to the defaults.
 */
export const startReadTarget = async (dataDir: string, env: Record<string, string> = {}): Promise<ReadTarget> => {
  const config = loadConfig({ ROTOR_DATA_DIR: dataDir, PORT: '0', ROTOR_LOG_LEVEL: 'silent', ...env });
  const runtime = await startLocalRuntime({ config, timers: false, queue: false });
  try {
    const { accessKeyId, accessKeySecret } = runtime.container.rootCredentials;
    await runtime.container.service.createSecret({ secretName: 'bench-db', versionId: 'v1', secretData: 'bench-password-value' });
    const target = { accessKeyId, accessKeySecret, secretName: 'bench-db' };
    const first = await fetch(`${runtime.url}${signedGetSecretValuePath(target)}`);
    if (first.status !== 200) throw new Error(`GetSecretValue answered ${first.status}`);
    return { runtime, target, body: await first.text() };
  } catch (e) {
    await runtime.stop();
    throw e;
  }
};

/** Node's http sending `body` to every request: the ceiling for any server on this machine. */
export const loadBareServer = async (body: string, connections: number, durationSeconds: number): Promise<LoadResult> => {
  const bare = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' });
    res.end(body);
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  try {
    const port = (bare.address() as AddressInfo).port;
    return await loadInProcessServer({ url: `http://127.0.0.1:${port}`, connections, durationSeconds });
  } finally {
    await new Promise((r) => bare.close(r));
  }
};

export interface ConcurrencyLoad {
  connections: number;
  result: LoadResult;
}

/** Fewer connections than the main run: how latency grows with the number of requests in flight. */
export const FEWER_CONNECTIONS = [1, 5, 10, 25] as const;

export const benchHttpRead = async (dataDir: string, connections: number, durationSeconds: number) => {
  const { runtime, target, body } = await startReadTarget(dataDir);
  try {
    const rotor = await loadInProcessServer({ url: runtime.url, connections, durationSeconds, signed: target });
    const baseline = await loadBareServer(body, connections, durationSeconds);
    // Each connection sends its next request when the last is answered, so with few connections the
    // latency is the time to serve one read plus the wait behind the others in flight. (A fixed
    // request rate would say more, but autocannon's rate limit sends each second's quota in a burst.)
    const byConnections: ConcurrencyLoad[] = [];
    for (const n of FEWER_CONNECTIONS.filter((c) => c < connections)) {
      const result = await loadInProcessServer({
        url: runtime.url,
        connections: n,
        durationSeconds: Math.max(1, Math.round(durationSeconds / 2)),
        signed: target,
      });
      byConnections.push({ connections: n, result });
    }
    return { rotor, baseline, byConnections };
  } finally {
    await runtime.stop();
  }
};
