/** The deployment smoke test, run against the local runtime (same API, same functions). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { runSmoke } from '../../scripts/smoke-check.js';
import { tempDir, testConfig, type TempDir } from '../support/runtime.js';

let dir: TempDir;
let runtime: LocalRuntime;

beforeAll(async () => {
  dir = tempDir();
  runtime = await startLocalRuntime({ config: testConfig(dir.path), timers: false, queueIdleMs: 20 });
});

afterAll(async () => {
  await runtime?.stop();
  dir?.remove();
});

describe('npm run smoke', () => {
  it('creates, rotates, reads and deletes a secret through the official SDK', async () => {
    const lines: string[] = [];
    const { accessKeyId, accessKeySecret } = runtime.container.rootCredentials;
    await runSmoke({
      endpoint: new URL(runtime.url).host,
      protocol: 'http',
      accessKeyId,
      accessKeySecret,
      timeoutMs: 20_000,
      log: (l) => lines.push(l),
    });
    expect(lines.join('\n')).toMatch(/created smoke-[\s\S]*rotated: ACSCurrent is the new version[\s\S]*deleted smoke-/);
    expect((await runtime.container.service.listSecrets({})).total).toBe(0);
  });
});
