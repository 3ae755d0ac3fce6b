/**
 * Counts of what the boundary suites tried: each test file under test/security/<boundary>/ counts
 * the requests it sent at its boundary and the ones that crossed it, prints one line, and writes
 * test-artifacts/security/boundaries/<boundary>--<file>.json for BENCHMARKS.md (npm run report:faults).
 * A crossing also fails the test that saw it; the count is the record, the assertion the guard.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const BOUNDARY_ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts', 'security', 'boundaries');

export class BoundaryTally {
  private triedCount = 0;
  private readonly crossings: string[] = [];

  /** `file` is the test file's import.meta.url. */
  constructor(
    readonly boundary: string,
    private readonly file: string,
  ) {}

  tried(count = 1): void {
    this.triedCount += count;
  }

  /** Records a crossing (a short description, never a secret value); the caller also fails its test. */
  crossed(what: string): void {
    this.crossings.push(what.slice(0, 300));
  }

  get crossedCount(): number {
    return this.crossings.length;
  }

  /** Call from afterAll. */
  write(): void {
    const name = basename(fileURLToPath(this.file)).replace(/\.test\.ts$/, '');
    mkdirSync(BOUNDARY_ARTIFACTS, { recursive: true });
    const doc = {
      boundary: this.boundary,
      file: name,
      tried: this.triedCount,
      crossed: this.crossings.length,
      crossings: this.crossings.slice(0, 20),
      writtenAt: new Date().toISOString(),
    };
    writeFileSync(join(BOUNDARY_ARTIFACTS, `${this.boundary}--${name}.json`), `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`[boundary ${this.boundary}] ${name}: ${this.triedCount} requests tried, ${this.crossings.length} crossed`);
  }
}
