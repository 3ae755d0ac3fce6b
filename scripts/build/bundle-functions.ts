/**
 * Bundles each function (functions/<name>/index.ts) into <outDir>/<name>/index.js: one CommonJS
 * file per function, the shape Function Compute's built-in nodejs20 runtime loads for
 * `handler: index.handler`. ESM-only dependencies (@middy/core) are inlined, so the runtime never
 * needs require(esm), which its Node 20 minor may lack.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Message, type Plugin } from 'esbuild';

/** The root tsconfig.json without alwaysStrict (see the comment in that file). */
const BUNDLE_TSCONFIG = fileURLToPath(new URL('./tsconfig.bundle.json', import.meta.url));

/**
 * Native modules only the local backend uses. They stay out of the bundle (a .node binary cannot
 * be inlined) and are reached only through the local adapters' dynamic imports, so a cloud
 * function never requires them.
 */
export const LOCAL_ONLY_MODULES: readonly string[] = ['better-sqlite3'];

export const BUNDLE_FILE = 'index.js';

/**
 * Large packages only some rotations use (a driver's SDK or database client). Where the source
 * imports one dynamically, it is not inlined: it becomes its own file, <function>/lazy/<name>.js,
 * required only when that import runs. Node compiles every byte of a file it loads, so a cold start
 * that never rotates an RDS or ECS secret no longer pays for compiling their SDKs (12 of the 20 MB
 * each bundle was). A static import of one of these stays inlined, as before.
 */
export const LAZY_PACKAGES: readonly string[] = [
  '@alicloud/rds20140815',
  '@alicloud/ecs20140526',
  '@alicloud/ram20150501',
  'mysql2/promise',
  // The callback API, for its auth plugins (sql/mysql-auth.ts guards them); a copy of its own, loaded
  // with the promise API on a MySQL rotation's first connect.
  'mysql2',
  'pg',
  'ssh2',
];

export const LAZY_DIR = 'lazy';

const lazyFileName = (pkg: string): string => `${pkg.replace(/^@/, '').replace(/[^A-Za-z0-9._-]+/g, '-')}.js`;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^$()|[\]{}\\/]/g, '\\$&');
const LAZY_FILTER = new RegExp(`^(${LAZY_PACKAGES.map(escapeRegExp).join('|')})$`);

/** Marks dynamic imports of LAZY_PACKAGES external, pointing at their own files; records which were seen. */
const splitLazyPackages = (seen: Set<string>): Plugin => ({
  name: 'split-lazy-packages',
  setup(b) {
    b.onResolve({ filter: LAZY_FILTER }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      seen.add(args.path);
      return { path: `./${LAZY_DIR}/${lazyFileName(args.path)}`, external: true };
    });
  },
});

export interface FunctionEntry {
  /** The folder under functions/ and under the output directory. */
  name: string;
  entry: string;
}

export interface LazyFile {
  /** The package it holds. */
  pkg: string;
  file: string;
  bytes: number;
  sourceMapBytes: number;
}

export interface BuiltBundle extends FunctionEntry {
  dir: string;
  file: string;
  /** index.js alone: what a cold start compiles. */
  bytes: number;
  sourceMapBytes: number;
  /** Packages split off (LAZY_PACKAGES), loaded only when a rotation needs them. */
  lazy: LazyFile[];
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
/**
 * A lazy package's file is the same for every function: built once per build (the first function
 * that needs it), then copied beside the others. Keyed by package; the value is the built file.
 */
export type LazyBuildCache = Map<string, Promise<{ file: string; warnings: Message[] }>>;

const buildLazyPackage = async (pkg: string, lazyFile: string, workingDir: string, cache?: LazyBuildCache): Promise<Message[]> => {
  const cached = cache?.get(pkg);
  if (cached) {
    const { file } = await cached;
    mkdirSync(dirname(lazyFile), { recursive: true });
    copyFileSync(file, lazyFile);
    copyFileSync(`${file}.map`, `${lazyFile}.map`);
    return [];
  }
  // The package alone, as CommonJS: module.exports is what its import() resolves to.
  const building = build({ ...bundleOptions(pkg, lazyFile), absWorkingDir: workingDir }).then((r) => ({ file: lazyFile, warnings: r.warnings }));
  cache?.set(pkg, building);
  return (await building).warnings;
};

export const bundleOne = async (fn: FunctionEntry, dir: string, lazyCache?: LazyBuildCache): Promise<BuiltBundle> => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, BUNDLE_FILE);
  let warnings: Message[];
  const lazyPackages = new Set<string>();
  const lazy: LazyFile[] = [];
  try {
    const options = bundleOptions(fn.entry, file);
    ({ warnings } = await build({ ...options, plugins: [splitLazyPackages(lazyPackages)] }));
    for (const pkg of [...lazyPackages].sort()) {
      const lazyFile = join(dir, LAZY_DIR, lazyFileName(pkg));
      warnings.push(...(await buildLazyPackage(pkg, lazyFile, dirname(fn.entry), lazyCache)));
      lazy.push({ pkg, file: lazyFile, bytes: statSync(lazyFile).size, sourceMapBytes: statSync(`${lazyFile}.map`).size });
    }
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
  return { ...fn, dir, file, bytes: statSync(file).size, sourceMapBytes: statSync(`${file}.map`).size, lazy, warnings };
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
  const lazyCache: LazyBuildCache = new Map();
  for (const fn of entries) built.push(await bundleOne(fn, join(outDir, fn.name), lazyCache));
  return built;
};

/** For messages: the path relative to the project when it is inside it. */
export const displayPath = (projectRoot: string, path: string): string => {
  const rel = relative(projectRoot, path);
  return rel.startsWith('..') ? path : rel;
};
