/**
 * Bundles each function (functions/<name>/index.ts) into <outDir>/<name>/index.js: one CommonJS
 * file per function, the shape Function Compute's built-in nodejs20 runtime loads for
 * `handler: index.handler`. ESM-only dependencies (@middy/core) are inlined, so the runtime never
 * needs require(esm), which its Node 20 minor may lack.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Message } from 'esbuild';

/** The root tsconfig.json without alwaysStrict (see the comment in that file). */
const BUNDLE_TSCONFIG = fileURLToPath(new URL('./tsconfig.bundle.json', import.meta.url));

/**
 * Native modules only the local backend uses. They stay out of the bundle (a .node binary cannot
 * be inlined) and are reached only through the local adapters' dynamic imports, so a cloud
 * function never requires them.
 */
export const LOCAL_ONLY_MODULES: readonly string[] = ['better-sqlite3'];

export const BUNDLE_FILE = 'index.js';

export interface FunctionEntry {
  /** The folder under functions/ and under the output directory. */
  name: string;
  entry: string;
}

export interface BuiltBundle extends FunctionEntry {
  dir: string;
  file: string;
  bytes: number;
  sourceMapBytes: number;
  warnings: Message[];
}

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** The options every function bundle is built with (the cold-start baseline too). */
export const bundleOptions = (entry: string, outFile: string): BuildOptions => ({
  entryPoints: [entry],
  outfile: outFile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  sourcemap: 'linked',
  // Bundling renames clashing top-level names; error class names show in logs, so keep them.
  keepNames: true,
  tsconfig: BUNDLE_TSCONFIG,
  // ssh2 (Linux-host driver) tries its optional native add-ons inside try/catch and runs in pure JS
  // without them; a .node file cannot be inlined, so leave those requires to fail at run time.
  external: [...LOCAL_ONLY_MODULES, 'cpu-features', '*.node'],
  logLevel: 'silent',
});

/** Every functions/<name>/index.ts, by name. */
export const listFunctionEntries = (projectRoot: string): FunctionEntry[] => {
  const functionsDir = join(projectRoot, 'functions');
  return readdirSync(functionsDir)
    .filter((name) => statSync(join(functionsDir, name)).isDirectory() && existsSync(join(functionsDir, name, 'index.ts')))
    .sort()
    .map((name) => ({ name, entry: join(functionsDir, name, 'index.ts') }));
};

const describeMessages = (messages: readonly Message[]): string =>
  messages
    .map((m) => (m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text))
    .join('\n  ');

/**
 * Builds one entry into <dir>/index.js (+ .map). The folder also gets a package.json saying
 * CommonJS: FC uploads the folder alone, but run from inside this project the root package.json's
 * "type": "module" would otherwise make Node read the bundle as ESM.
 */
export const bundleOne = async (fn: FunctionEntry, dir: string): Promise<BuiltBundle> => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, BUNDLE_FILE);
  let warnings: Message[];
  try {
    ({ warnings } = await build(bundleOptions(fn.entry, file)));
  } catch (e) {
    const errors = (e as { errors?: Message[] }).errors;
    throw new BundleError(`${fn.name}: ${errors ? describeMessages(errors) : (e as Error).message}`);
  }
  // import.meta is empty in a CommonJS bundle: code using it would fail only when that path runs.
  const importMeta = warnings.filter((w) => w.id === 'empty-import-meta');
  if (importMeta.length > 0) {
    throw new BundleError(`${fn.name}: uses import.meta, which a CommonJS bundle does not have:\n  ${describeMessages(importMeta)}`);
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  return { ...fn, dir, file, bytes: statSync(file).size, sourceMapBytes: statSync(`${file}.map`).size, warnings };
};

export interface BuildFunctionsOptions {
  projectRoot: string;
  /** Default <projectRoot>/dist. */
  outDir?: string;
}

/** Builds every function, one after another (esbuild is fast; the order keeps output readable). */
export const buildFunctions = async (options: BuildFunctionsOptions): Promise<BuiltBundle[]> => {
  const outDir = options.outDir ?? join(options.projectRoot, 'dist');
  const entries = listFunctionEntries(options.projectRoot);
  if (entries.length === 0) throw new BundleError(`no functions/<name>/index.ts under ${options.projectRoot}`);
  const built: BuiltBundle[] = [];
  for (const fn of entries) built.push(await bundleOne(fn, join(outDir, fn.name)));
  return built;
};

/** For messages: the path relative to the project when it is inside it. */
export const displayPath = (projectRoot: string, path: string): string => {
  const rel = relative(projectRoot, path);
  return rel.startsWith('..') ? path : rel;
};
