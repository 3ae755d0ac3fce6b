/**
 * Cold start, the part that depends on us: the size of each function bundle and the time Node
 * takes to require it, beside a hello-world handler built the same way. Each sample is a fresh
 * `node -e` process timing only its require() (process.hrtime), on a copy of the function's folder
 * with no node_modules reachable, as on Function Compute. Runs go round-robin over the bundles so
 * that machine noise spreads evenly.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAZY_PACKAGES, bundleOne, buildFunctions, type BuiltBundle } from '../scripts/build/bundle-functions.js';
import { isolateBundle, isolatedEnv, type IsolatedCopy } from '../scripts/build/isolated-load.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const HELLO_WORLD = fileURLToPath(new URL('./hello-world/index.ts', import.meta.url));
export const BASELINE_NAME = 'hello-world';

const MEASURE_SCRIPT = `
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
require(process.argv[1]);
const wall = process.hrtime.bigint() - started;
const used = process.cpuUsage(cpu);
process.stdout.write(String(wall) + ' ' + String((used.user + used.system) * 1000));
`;

export interface LoadTimes {
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export interface ColdStartRow {
  name: string;
  /** CPU time (user + system) of the require, ms: less disturbed than wall time by other load. */
  cpu: LoadTimes;
  /** index.js: what a cold start compiles. */
  bytes: number;
  sourceMapBytes: number;
  /** The split-off packages (lazy/), loaded only by rotations that need them. */
  lazyBytes: number;
  lazyPackages: string[];
  load: LoadTimes;
}

export interface ColdStartResult {
  runs: number;
  baseline: ColdStartRow;
  functions: ColdStartRow[];
}

const median = (sorted: readonly number[]): number => {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

const summarize = (samplesMs: readonly number[]): LoadTimes => {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { medianMs: median(sorted), minMs: sorted[0] ?? 0, maxMs: sorted[sorted.length - 1] ?? 0 };
};

/** One fresh process requiring the bundle; the wall and CPU milliseconds its require() took. */
const measureOnce = (copy: IsolatedCopy): { wallMs: number; cpuMs: number } => {
  const child = spawnSync(process.execPath, ['-e', MEASURE_SCRIPT, copy.file], {
    cwd: copy.dir,
    env: isolatedEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (child.error) throw child.error;
  if (child.status !== 0) throw new Error(`requiring ${copy.file} failed: ${child.stderr.trim()}`);
  const [wallNs, cpuNs] = child.stdout.trim().split(' ');
  return { wallMs: Number(BigInt(wallNs ?? '0')) / 1e6, cpuMs: Number(cpuNs ?? NaN) / 1e6 };
};

/** Builds every function and the baseline into a temp dir, then samples each `runs` times. */
export const benchColdStart = async (runs: number): Promise<ColdStartResult> => {
  const outDir = mkdtempSync(join(tmpdir(), 'rotor-bench-cold-'));
  const copies: IsolatedCopy[] = [];
  try {
    const functions = await buildFunctions({ projectRoot: PROJECT_ROOT, outDir });
    const baseline = await bundleOne({ name: BASELINE_NAME, entry: HELLO_WORLD }, join(outDir, BASELINE_NAME));
    const bundles: BuiltBundle[] = [baseline, ...functions];
    for (const b of bundles) copies.push(isolateBundle(b.dir));
    const samples = bundles.map((): number[] => []);
    const cpuSamples = bundles.map((): number[] => []);
    for (let run = 0; run < runs; run++) {
      copies.forEach((copy, i) => {
        const { wallMs, cpuMs } = measureOnce(copy);
        samples[i]?.push(wallMs);
        cpuSamples[i]?.push(cpuMs);
      });
    }
    const rows = bundles.map(
      (b, i): ColdStartRow => ({
        name: b.name,
        bytes: b.bytes,
        sourceMapBytes: b.sourceMapBytes,
        lazyBytes: b.lazy.reduce((sum, l) => sum + l.bytes, 0),
        lazyPackages: b.lazy.map((l) => l.pkg),
        load: summarize(samples[i] ?? []),
        cpu: summarize(cpuSamples[i] ?? []),
      }),
    );
    const [first, ...rest] = rows;
    if (!first) throw new Error('no bundles measured');
    return { runs, baseline: first, functions: rest };
  } finally {
    for (const c of copies) c.remove();
    rmSync(outDir, { recursive: true, force: true });
  }
};

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
const ms = (n: number): string => n.toFixed(1);

/** Every package some bundle split off into lazy/. */
const splitPackages = (r: ColdStartResult): string[] => [...new Set(r.functions.flatMap((f) => f.lazyPackages))].sort();

/** The BENCHMARKS.md section for one result. */
export const coldStartSection = (r: ColdStartResult): string => {
  const line = (row: ColdStartRow, function_: string): string =>
    `| ${function_} | ${kib(row.bytes)} | ${kib(row.sourceMapBytes)} | ${kib(row.lazyBytes)} | ${ms(row.load.medianMs)} | ${ms(row.load.minMs)} – ${ms(row.load.maxMs)} | ${(row.load.medianMs / r.baseline.load.medianMs).toFixed(1)}x | ${ms(row.cpu.medianMs)} |`;
  const slowest = r.functions.reduce((a, b) => (b.load.medianMs > a.load.medianMs ? b : a), r.baseline);
  return `## Cold start: bundle size and module load time

Each function as \`npm run build\` bundles it for Function Compute (esbuild, CommonJS, node20, not
minified), beside a hello-world handler built with the same options. Large packages only some rotations use,
where the code imports them dynamically (this build: ${splitPackages(r).join(', ') || 'none'}; candidates: ${LAZY_PACKAGES.join(', ')}),
are split into files of their own under \`lazy/\`, required only when a rotation of that kind runs; a cold
start compiles \`index.js\` alone. Sizes are of \`index.js\`, its source map,
and the \`lazy/\` files together. Load time is \`require()\` of the bundle
alone, timed with \`process.hrtime\` inside a fresh \`node -e\` process, the bundle copied to a directory with no
node_modules reachable (as on FC); median of ${r.runs} processes per bundle; beside it the CPU time (user +
system) of the same require(), less disturbed by other load on the machine. It excludes Node's own start-up and
the first invocation's work (configuration, SDK clients, the first request), and FC's code download and
instance start, which these figures cannot see.

| function | index.js KiB | index.js.map KiB | lazy/ KiB | load ms (median) | load ms (min – max) | vs hello-world | load CPU ms (median) |
|---|---:|---:|---:|---:|---:|---:|---:|
${[line(r.baseline, `${BASELINE_NAME} (baseline)`), ...r.functions.map((f) => line(f, f.name))].join('\n')}

The slowest bundle (${slowest.name}) adds **${ms(slowest.load.medianMs - r.baseline.load.medianMs)} ms** of module loading to a cold start.
`;
};
