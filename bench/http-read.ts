/** GetSecretValue through the whole local runtime, beside a bare node http server sending the same bytes. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocalRuntime } from '../shared/runtime/local/runtime.js';
import { loadConfig } from '../shared/runtime/config.js';
import { signedGetSecretValuePath } from './signed-request.js';

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

const runLoad = (options: object): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim()) as LoadResult) : reject(new Error(`load exited ${code}`))));
  });

export const benchHttpRead = async (dataDir: string, connections: number, durationSeconds: number) => {
  const config = loadConfig({ ROTOR_DATA_DIR: dataDir, PORT: '0', ROTOR_LOG_LEVEL: 'silent' });
  const runtime = await startLocalRuntime({ config, timers: false, queue: false });
  try {
    const { accessKeyId, accessKeySecret } = runtime.container.rootCredentials;
    await runtime.container.service.createSecret({ secretName: 'bench-db', versionId: 'v1', secretData: 'bench-password-value' });
    const target = { accessKeyId, accessKeySecret, secretName: 'bench-db' };
    // One real response: the bare server returns exactly these bytes.
    const first = await fetch(`${runtime.url}${signedGetSecretValuePath(target)}`);
    if (first.status !== 200) throw new Error(`GetSecretValue answered ${first.status}`);
    const body = await first.text();
    const rotor = await runLoad({ url: runtime.url, connections, durationSeconds, signed: target });
    const bare = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' });
      res.end(body);
    });
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const port = (bare.address() as AddressInfo).port;
    const baseline = await runLoad({ url: `http://127.0.0.1:${port}`, connections, durationSeconds });
    await new Promise((r) => bare.close(r));
    return { rotor, baseline };
  } finally {
    await runtime.stop();
  }
};
