import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAULTS_BEGIN, FAULTS_END, faultSection, spliceFaultSection } from '../../bench/fault-report.js';

const dirs: string[] = [];
const artifacts = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'fault-report-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'faults'));
  mkdirSync(join(dir, 'security'));
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('fault report', () => {
  it('renders each suite as a table of its scenarios, and sums secret-scan workers', () => {
    const dir = artifacts();
    writeFileSync(
      join(dir, 'faults', 'concurrency.json'),
      JSON.stringify({ suite: 'concurrency', scenarios: { 'distinct ids': { calls: 100, rotations: 1 }, equal: { calls: 100, versionsCreated: 1 } } }),
    );
    writeFileSync(
      join(dir, 'security', 'secret-scan-1.json'),
      JSON.stringify({ 'a.test.ts': { valuesRegistered: 3, hitCount: 0, scanMs: 5 }, 'b.test.ts': { valuesRegistered: 2, hitCount: 0 } }),
    );
    writeFileSync(join(dir, 'security', 'secret-scan-2.json'), JSON.stringify({ 'c.test.ts': { valuesRegistered: 2, hitCount: 0 } }));
    const section = faultSection(dir);
    expect(section).toContain('### concurrency');
    expect(section).toContain('| scenario | calls | rotations | versionsCreated |');
    expect(section).toContain('| distinct ids | 100 | 1 |  |');
    expect(section).toContain('Summed over 3 test files: valuesRegistered: **7** · hitCount: **0**');
    expect(section).not.toContain('scanMs');
  });

  it('sums the boundary suites per boundary', () => {
    const dir = artifacts();
    mkdirSync(join(dir, 'security', 'boundaries'));
    const doc = (boundary: string, file: string, tried: number, crossed: number) =>
      writeFileSync(join(dir, 'security', 'boundaries', `${boundary}--${file}.json`), JSON.stringify({ boundary, file, tried, crossed }));
    doc('authorization', 'policy', 100, 0);
    doc('authorization', 'console', 20, 1);
    doc('request-parsing', 'limits', 7, 0);
    const section = faultSection(dir);
    expect(section).toContain('| authorization | 120 | 1 | console, policy |');
    expect(section).toContain('| request-parsing | 7 | 0 | limits |');
  });

  it('says how to produce the figures when there are none', () => {
    expect(faultSection(artifacts())).toContain('No fault-suite artifacts yet');
  });

  it('replaces only its own marked section and keeps the rest of the file', () => {
    const before = `# Benchmarks\n\nspeed\n\n${FAULTS_BEGIN}\nold\n${FAULTS_END}\ntrailer\n`;
    const after = spliceFaultSection(before, `${FAULTS_BEGIN}\nnew\n${FAULTS_END}\n`);
    expect(after).toBe(`# Benchmarks\n\nspeed\n\n${FAULTS_BEGIN}\nnew\n${FAULTS_END}\ntrailer\n`);
    expect(spliceFaultSection('# B\n', 'S\n')).toBe('# B\n\nS\n');
  });
});
