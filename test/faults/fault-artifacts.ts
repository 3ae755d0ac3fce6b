/**
 * Counts a fault test file gathers (messages delivered, faults injected, rotations completed...)
 * written to test-artifacts/faults/<name>.json once the file has run, for BENCHMARKS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type FaultCounts = Record<string, unknown>;

export const createFaultReport = (name: string) => {
  const sections: Record<string, FaultCounts> = {};
  return {
    /** Adds to (or sets) the counts of one scenario. */
    record(scenario: string, counts: FaultCounts): void {
      sections[scenario] = { ...sections[scenario], ...counts };
    },
    write(): void {
      const dir = join(process.cwd(), 'test-artifacts', 'faults');
      mkdirSync(dir, { recursive: true });
      const body = { suite: name, writtenAt: new Date().toISOString(), scenarios: sections };
      writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(body, null, 2)}\n`);
    },
  };
};
