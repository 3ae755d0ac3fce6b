/**
 * The HTTP read benchmark alone, for profiling: `node --cpu-prof --import tsx bench/http-only.ts [seconds] [rotor]`.
 * With `rotor`, only the local runtime is loaded (the bare server is skipped), so a profile shows it alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchHttpRead, loadInProcessServer, startReadTarget } from './http-read.js';

const seconds = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'rotor-bench-http-'));
try {
  if (process.argv[3] === 'rotor') {
    const { runtime, target } = await startReadTarget(dir);
    try {
      console.log(await loadInProcessServer({ url: runtime.url, connections: 50, durationSeconds: seconds, signed: target }));
    } finally {
      await runtime.stop();
    }
  } else {
    console.log(await benchHttpRead(dir, 50, seconds));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
