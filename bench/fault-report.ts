/**
 * The fault, fuzz and secret-scan figures for BENCHMARKS.md. The suites under test/faults and
 * test/security write their counts to test-artifacts/ as they run; this renders whatever is there
 * into one section between markers, so `npm run bench` (speed) and the test suite (faults) each
 * own their figures without overwriting the other's.
 *
 *   npm run report:faults   re-renders the section in BENCHMARKS.md from the latest artifacts
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FAULTS_BEGIN = '<!-- faults:begin -->';
export const FAULTS_END = '<!-- faults:end -->';

type Json = Record<string, unknown>;

const readJson = (path: string): Json | null => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch {
    return null;
  }
};

const jsonFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(dir, f))
    : [];

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const cell = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map((x) => cell(x)).join(', ');
  if (isRecord(v))
    return Object.entries(v)
      .map(([k, x]) => `${k}: ${cell(x)}`)
      .join('; ');
  return String(v).replace(/\|/g, '\\|');
};

/** One table per suite: a row per scenario, a column per figure any scenario reports. */
const scenarioTable = (scenarios: Json): string => {
  const rows = Object.entries(scenarios).filter(([, v]) => isRecord(v)) as [string, Json][];
  const columns = [...new Set(rows.flatMap(([, v]) => Object.keys(v)))];
  const head = `| scenario | ${columns.join(' | ')} |\n|---|${columns.map(() => '---:').join('|')}|`;
  return [head, ...rows.map(([name, v]) => `| ${cell(name)} | ${columns.map((c) => cell(v[c])).join(' | ')} |`)].join('\n');
};

const suiteSection = (path: string, doc: Json): string => {
  const name = String(doc.suite ?? path.split('/').pop()?.replace(/\.json$/, ''));
  const when = doc.writtenAt ?? doc.measuredAt;
  const lines = [`### ${name}${when ? ` (${String(when).slice(0, 16).replace('T', ' ')} UTC)` : ''}`, ''];
  if (typeof doc.what === 'string') lines.push(doc.what, '');
  const summary = Object.entries(doc).filter(
    ([k, v]) => !['suite', 'writtenAt', 'measuredAt', 'what', 'scenarios', 'matrix', 'failures'].includes(k) && !isRecord(v) && !Array.isArray(v),
  );
  if (summary.length > 0) lines.push(summary.map(([k, v]) => `${k}: **${cell(v)}**`).join(' · '), '');
  if (isRecord(doc.scenarios)) lines.push(scenarioTable(doc.scenarios), '');
  if (Array.isArray(doc.matrix)) {
    const matrix = Object.fromEntries(
      (doc.matrix as Json[]).map((row, i) => [String(row.kind ?? i), Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'kind'))]),
    );
    lines.push(scenarioTable(matrix), '');
  }
  if (Array.isArray(doc.failures)) lines.push(`failures recorded: **${doc.failures.length}**`, '');
  return lines.join('\n');
};

const fuzzSection = (doc: Json): string => {
  const lines = ['### API fuzzer (test/security/request-parsing/api-fuzz.test.ts)', ''];
  lines.push(
    `${cell(doc.requests)} requests (${cell(doc.cases)} generated cases, seed ${cell(doc.seed)}) in ${cell(doc.seconds)} s.`,
    '',
  );
  for (const key of ['requestsPerCategory', 'statuses']) if (isRecord(doc[key])) lines.push(`${key}: ${cell(doc[key])}`, '');
  const verdict = Object.entries(doc).filter(([k, v]) => typeof v === 'number' && !['requests', 'cases', 'seed', 'seconds'].includes(k));
  if (verdict.length > 0) lines.push(verdict.map(([k, v]) => `${k}: **${cell(v)}**`).join(' · '), '');
  return lines.join('\n');
};

const SCAN_TIMINGS = new Set(['scanMs', 'fileMs']);

/** Sums the secret-scan counts (one entry per test file, per worker): what was registered, scanned, found. */
const scanSection = (docs: Json[]): string => {
  const totals = new Map<string, number>();
  const files = docs.flatMap((doc) => Object.values(doc).filter(isRecord));
  for (const entry of files)
    for (const [k, v] of Object.entries(entry))
      if (typeof v === 'number' && !SCAN_TIMINGS.has(k)) totals.set(k, (totals.get(k) ?? 0) + v);
  if (files.length === 0) return '';
  return [
    '### Secret scan of the whole test suite (test/support/secret-scan-hooks.ts)',
    '',
    `Summed over ${files.length} test files: ${[...totals].map(([k, v]) => `${k}: **${v}**`).join(' · ')}`,
    '',
  ].join('\n');
};

/** Requests tried and crossings per boundary (test/security/<boundary>/, boundary-tally.ts). */
const boundarySection = (docs: Json[]): string => {
  if (docs.length === 0) return '';
  const totals = new Map<string, { tried: number; crossed: number; files: string[] }>();
  for (const doc of docs) {
    const boundary = String(doc.boundary);
    const entry = totals.get(boundary) ?? { tried: 0, crossed: 0, files: [] };
    entry.tried += Number(doc.tried ?? 0);
    entry.crossed += Number(doc.crossed ?? 0);
    entry.files.push(String(doc.file));
    totals.set(boundary, entry);
  }
  const rows = [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([b, t]) => `| ${b} | ${t.tried} | ${t.crossed} | ${t.files.sort().join(', ')} |`);
  return ['### Security boundaries (test/security/<boundary>/)', '', '| boundary | requests tried | crossed | suites |', '|---|---:|---:|---|', ...rows, ''].join('\n');
};

export const faultSection = (artifacts = 'test-artifacts'): string => {
  const faults = jsonFiles(join(artifacts, 'faults'))
    .map((p) => [p, readJson(p)] as const)
    .filter((e): e is readonly [string, Json] => e[1] !== null);
  const fuzz = readJson(join(artifacts, 'security', 'fuzz.json'));
  const scans = jsonFiles(join(artifacts, 'security'))
    .filter((p) => /secret-scan-/.test(p))
    .map(readJson)
    .filter((d): d is Json => d !== null);
  const boundaries = jsonFiles(join(artifacts, 'security', 'boundaries'))
    .map(readJson)
    .filter((d): d is Json => d !== null);
  const body =
    faults.length + scans.length + boundaries.length === 0 && !fuzz
      ? 'No fault-suite artifacts yet: run `npm test` (or `npm run test:faults` and `npm run test:security`), then `npm run report:faults`.\n'
      : [
          'Counts written by the fault and security suites of the last test run in this checkout (`npm test`,',
          'or `npm run test:faults` / `npm run test:security`), rendered by `npm run report:faults`. Every case is',
          'an assertion in those suites; these tables only count them.',
          '',
          ...faults.map(([p, d]) => suiteSection(p, d)),
          fuzz ? fuzzSection(fuzz) : '',
          boundarySection(boundaries),
          scanSection(scans),
        ].join('\n');
  return `${FAULTS_BEGIN}\n## Faults, bad input and secret scan (from the test suites)\n\n${body}${FAULTS_END}\n`;
};

/** Replaces the marked section of a BENCHMARKS.md text, or appends it. */
export const spliceFaultSection = (markdown: string, section: string): string => {
  const begin = markdown.indexOf(FAULTS_BEGIN);
  const end = markdown.indexOf(FAULTS_END);
  if (begin >= 0 && end > begin) return markdown.slice(0, begin) + section + markdown.slice(end + FAULTS_END.length + 1);
  return `${markdown.replace(/\n*$/, '\n\n')}${section}`;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = 'BENCHMARKS.md';
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  writeFileSync(path, spliceFaultSection(current, faultSection()));
  console.log('fault section written to BENCHMARKS.md');
}
