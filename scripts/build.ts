/**
 * `npm run build` (also s.yaml's pre-deploy action): bundles every function into dist/<name>/,
 * then loads each bundle in isolation to prove it starts without node_modules, and prints sizes.
 *
 *   npm run build                      # into ./dist
 *   npm run build -- --out-dir <dir>   # elsewhere (tests, benchmarks)
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunctions, displayPath, type BuiltBundle } from './build/bundle-functions.js';
import { isolateBundle, loadInIsolation, type LoadResult } from './build/isolated-load.js';

const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

const parseOutDir = (argv: readonly string[]): string | undefined => {
  const i = argv.indexOf('--out-dir');
  if (i === -1) return undefined;
  const value = argv[i + 1];
  if (!value || value.startsWith('--')) throw new Error('--out-dir needs a directory');
  return resolve(value);
};

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

const checkInIsolation = (bundle: BuiltBundle): LoadResult => {
  const copy = isolateBundle(bundle.dir);
  try {
    return loadInIsolation(copy);
  } finally {
    copy.remove();
  }
};

const table = (rows: string[][]): string => {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? [];
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ')).join('\n');
};

const main = async (): Promise<number> => {
  const outDir = parseOutDir(process.argv.slice(2));
  const bundles = await buildFunctions({ projectRoot: PROJECT_ROOT, ...(outDir ? { outDir } : {}) });
  const rows = [['function', 'bundle', 'index.js', 'index.js.map', 'lazy/', 'loads alone']];
  const failures: string[] = [];
  for (const bundle of bundles) {
    for (const w of bundle.warnings) console.warn(`warning (${bundle.name}): ${w.text}`);
    const load = checkInIsolation(bundle);
    if (!load.loaded) failures.push(`${bundle.name}: ${load.error}`);
    else if (load.exportType !== 'function') failures.push(`${bundle.name}: exports handler as ${load.exportType}, not a function`);
    const ok = load.loaded && load.exportType === 'function';
    const lazyBytes = bundle.lazy.reduce((sum, l) => sum + l.bytes, 0);
    rows.push([bundle.name, displayPath(PROJECT_ROOT, bundle.file), kib(bundle.bytes), kib(bundle.sourceMapBytes), kib(lazyBytes), ok ? 'yes' : 'NO']);
  }
  console.log(table(rows));
  if (failures.length > 0) {
    console.error(`\nThese bundles do not load without node_modules (as on Function Compute):\n  ${failures.join('\n  ')}`);
    return 1;
  }
  return 0;
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
