/** Human-readable tables and key/value blocks for stdout; JSON for scripts (`--json`). */
import type { Io } from './io.js';

export const printJson = (io: Io, value: unknown): void => {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Control characters would let a stored name or description rewrite the terminal. */
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\t' ? ' ' : '?'));

export const formatTable = (headers: string[], rows: string[][]): string => {
  const cells = [headers, ...rows].map((r) => r.map(printable));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
};

/** A table, or a note on stderr when there is nothing to show (stdout stays empty). */
export const printTable = (io: Io, headers: string[], rows: string[][], emptyNote: string): void => {
  if (rows.length === 0) {
    io.stderr.write(`${emptyNote}\n`);
    return;
  }
  io.stdout.write(formatTable(headers, rows));
};

/** `Label:  value` lines, aligned; entries without a value are left out. */
export const formatFields = (fields: [string, string | undefined][]): string => {
  const present = fields.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '');
  const width = Math.max(0, ...present.map(([label]) => label.length + 1));
  return present.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${printable(value)}\n`).join('');
};

export const printFields = (io: Io, fields: [string, string | undefined][]): void => {
  io.stdout.write(formatFields(fields));
};

// Response field helpers: responses are untyped JSON, read defensively.

export const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;

/** KMS wraps arrays: `{"VersionStage": ["ACSCurrent"]}`; XML-to-JSON may also give a lone item. */
export const wrappedList = (value: unknown, key: string): unknown[] => {
  if (typeof value !== 'object' || value === null) return [];
  const inner = (value as Record<string, unknown>)[key];
  if (Array.isArray(inner)) return inner;
  return inner === undefined || inner === null ? [] : [inner];
};

export const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** `604800s` as `7d`, `21600s` as `6h`: rotation intervals as people write them. */
export const humanInterval = (value: unknown): string | undefined => {
  const raw = text(value);
  if (raw === undefined) return undefined;
  const match = /^(\d+)s?$/.exec(raw);
  if (!match) return raw;
  const seconds = Number(match[1]);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
};
