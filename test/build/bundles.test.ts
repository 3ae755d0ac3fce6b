/**
 * The deployable bundles: one per s.yaml function where s.yaml says, each starting without any
 * node_modules (as on Function Compute), and a real invocation of one answering like FC would.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAZY_PACKAGES, bundleOne, buildFunctions, type BuiltBundle } from '../../scripts/build/bundle-functions.js';
import { invokeInIsolation, isolateBundle, loadInIsolation, type IsolatedCopy } from '../../scripts/build/isolated-load.js';
import { PROJECT_ROOT } from '../../shared/runtime/local/runtime.js';
import { loadServerlessSpec, type FunctionSpec } from '../../shared/runtime/local/s-yaml.js';

const spec = loadServerlessSpec(join(PROJECT_ROOT, 's.yaml'), {});

/** `code: ./dist/api` + `handler: index.handler` -> <outDir>/api/index.js */
const deployedFile = (outDir: string, fn: FunctionSpec): string => {
  const folder = posix.normalize(fn.code).replace(/^dist\//, '').replace(/\/$/, '');
  return join(outDir, folder, `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.js`);
};

const logLines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('function bundles', () => {
  let outDir: string;
  let bundles: BuiltBundle[];
  const copies: IsolatedCopy[] = [];
  const isolate = (dir: string): IsolatedCopy => {
    const copy = isolateBundle(dir);
    copies.push(copy);
    return copy;
  };

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'rotor-dist-'));
    bundles = await buildFunctions({ projectRoot: PROJECT_ROOT, outDir });
  }, 120_000);

  afterAll(() => {
    for (const c of copies.splice(0)) c.remove();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('builds one CommonJS bundle per s.yaml function, at the path its code and handler name', () => {
    expect(spec.functions.length).toBeGreaterThan(0);
    expect(bundles.map((b) => b.file).sort()).toEqual(spec.functions.map((fn) => deployedFile(outDir, fn)).sort());
    for (const bundle of bundles) {
      const text = readFileSync(bundle.file, 'utf8');
      expect(text.trimEnd().endsWith('//# sourceMappingURL=index.js.map'), bundle.name).toBe(true);
      expect(JSON.parse(readFileSync(join(bundle.dir, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
      // Native and local-only: left for require() at run time, never inlined.
      expect(text).toContain('require("better-sqlite3")');
      // ESM-only @middy/core is inlined, so nothing needs require(esm) on the runtime's Node 20.
      expect(text).not.toMatch(/require\("@middy\/core"\)/);
      // A file-wide "use strict" would put sloppy-mode dependencies (tablestore) in strict mode.
      expect(text.startsWith('"use strict"')).toBe(false);
    }
  });

  it('keeps the driver packages out of every index.js: each is a file of its own under lazy/, loaded by the rotations that need it', () => {
    for (const bundle of bundles) {
      const text = readFileSync(bundle.file, 'utf8');
      for (const pkg of LAZY_PACKAGES) {
        const folder = pkg.split('/').slice(0, pkg.startsWith('@') ? 2 : 1).join('/');
        // esbuild names each inlined module in a comment line: none of a split-off package may appear.
        expect(text.includes(`node_modules/${folder}/`), `${bundle.name} inlines ${pkg}`).toBe(false);
      }
      expect(bundle.lazy.map((l) => l.pkg).sort(), bundle.name).toEqual([...LAZY_PACKAGES].sort());
    }
  });

  it('refuses code that uses import.meta, which a CommonJS bundle leaves empty', async () => {
    const src = mkdtempSync(join(tmpdir(), 'rotor-import-meta-'));
    try {
      writeFileSync(join(src, 'index.ts'), 'export const handler = async (): Promise<string> => import.meta.url;\n');
      await expect(bundleOne({ name: 'uses-import-meta', entry: join(src, 'index.ts') }, join(src, 'out'))).rejects.toThrow(
        /uses-import-meta: uses import\.meta/,
      );
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  });

  it.each(spec.functions.map((fn) => [fn.resource, fn] as const))(
    '%s loads with no node_modules reachable and exports its handler',
    (_resource, fn) => {
      const copy = isolate(join(deployedFile(outDir, fn), '..'));
      expect(loadInIsolation(copy, fn.exportName)).toEqual({ loaded: true, exportType: 'function' });
    },
  );

  it('the isolation check does catch a bundle that needs better-sqlite3 to load', async () => {
    const src = mkdtempSync(join(tmpdir(), 'rotor-static-sqlite-'));
    try {
      writeFileSync(join(src, 'index.ts'), "import Database from 'better-sqlite3';\nexport const handler = () => new Database(':memory:');\n");
      const built = await bundleOne({ name: 'static-sqlite', entry: join(src, 'index.ts') }, join(src, 'out'));
      const result = loadInIsolation(isolate(built.dir));
      expect(result.loaded).toBe(false);
      expect(result.loaded ? '' : result.error).toContain("Cannot find module 'better-sqlite3'");
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  });

  it('the api bundle, alone and with ROTOR_BACKEND unset, answers a KMS error: the local backend needs better-sqlite3', async () => {
    const api = spec.functions.find((fn) => fn.resource === 'api');
    expect(api).toBeDefined();
    const copy = isolate(join(deployedFile(outDir, api!), '..'));
    const run = await invokeInIsolation(copy, {
      event: readFileSync(join(PROJECT_ROOT, 'events', 'api-http.json')),
      context: { requestId: 'req-isolated-1', function: { name: api!.functionName, handler: api!.handler } },
    });

    expect(run.exitCode).toBe(0);
    expect(run.outcome.ok).toBe(true);
    const result = (run.outcome as { result: { statusCode: number; headers: Record<string, string>; body: string } }).result;
    expect(result.statusCode).toBe(500);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(result.body)).toEqual({
      RequestId: 'req-isolated-1',
      HttpStatus: 500,
      Code: 'InternalFailure',
      Message: expect.any(String),
    });
    // The invocation's log line says why: a module SQLite's adapter requires is missing.
    const failed = logLines(run.stdout).find((l) => l.msg === 'invocation failed');
    expect(failed).toMatchObject({ fn: api!.functionName, requestId: 'req-isolated-1', errorSystemCode: 'MODULE_NOT_FOUND' });
    expect(String(failed?.stack)).toContain('shared/adapters/support/sqlite.ts');
  });
});
