/**
 * The secret scan of one test file: the secret values it generated or handled (in memory only,
 * never written anywhere), what it wrote (logs, events, error bodies, child process output), and
 * the files and test-server rows it created; a hit is any registered value found in any of those.
 * Hits name where and which kind of value, never the value.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface ScanHit {
  /** Where the value was found: an output source, a file, a test server's rows. */
  where: string;
  /** Where the value came from (generatePassword, seal, a test's request ...). */
  valueSource: string;
  valueLength: number;
}

export interface ScanSummary {
  valuesRegistered: number;
  valuesExcluded: Record<string, number>;
  bytesScanned: number;
  filesScanned: number;
  filesSkipped: Record<string, number>;
  hits: ScanHit[];
}

export const MIN_SCANNED_LENGTH = 8;

/** Why a value is not scanned for, or null when it is. */
export const exclusionReason = (value: string): string | null => {
  if (value.length < MIN_SCANNED_LENGTH) return `shorter than ${MIN_SCANNED_LENGTH} characters: too common to tell a leak from chance`;
  if (/^(.)\1*$/s.test(value)) return 'one repeated character: matches padding and filler';
  if (/^\d{1,15}$/.test(value)) return 'digits only: matches ids, counters and timestamps';
  return null;
};

/** Files that hold a secret by design, with the reason. */
const SKIPPED_FILES: Readonly<Record<string, string>> = {
  'root-credentials.json': 'the documented home of the root AccessKey secret (owner-only file)',
};

/** Past this much pending output, it is scanned early against the values known so far. */
const PENDING_OUTPUT_LIMIT = 32 * 1024 * 1024;
const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** The forms a value can take in text: as is, JSON-escaped, and each long line of a multi-line value. */
const formsOf = (value: string): string[] => {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1)]);
  if (value.includes('\n')) {
    for (const line of value.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) forms.add(line);
  }
  return [...forms];
};

interface Needle {
  source: string;
  length: number;
  bytes: Buffer;
}

/** Past this many needle-bytes of work, one rolling-hash pass beats one indexOf per value. */
const ONE_PASS_THRESHOLD = 50_000_000;
const WINDOW = 8;
const BASE = 257;
const TOP_POWER = Array.from({ length: WINDOW - 1 }).reduce<number>((p) => Math.imul(p, BASE), 1);

const windowHash = (bytes: Uint8Array, start: number): number => {
  let h = 0;
  for (let k = 0; k < WINDOW; k++) h = (Math.imul(h, BASE) + (bytes[start + k] ?? 0)) | 0;
  return h;
};

/**
 * Rabin-Karp over the first 8 bytes of every needle (every needle has at least 8): one pass over
 * the data whatever the number of values, a full comparison only where a window's hash matches.
 */
const findAllInOnePass = (data: Buffer, needles: readonly Needle[]): Needle[] => {
  const byHash = new Map<number, Needle[]>();
  for (const n of needles) {
    if (n.bytes.length < WINDOW) continue;
    const h = windowHash(n.bytes, 0);
    byHash.set(h, [...(byHash.get(h) ?? []), n]);
  }
  const found = new Set<Needle>();
  if (data.length < WINDOW) return [...needles.filter((n) => data.indexOf(n.bytes) >= 0)];
  let h = windowHash(data, 0);
  for (let i = 0; ; i++) {
    const candidates = byHash.get(h);
    if (candidates) {
      for (const n of candidates) {
        if (!found.has(n) && i + n.bytes.length <= data.length && data.compare(n.bytes, 0, n.bytes.length, i, i + n.bytes.length) === 0) found.add(n);
      }
    }
    if (i + WINDOW >= data.length) break;
    h = (Math.imul((h - Math.imul(data[i]!, TOP_POWER)) | 0, BASE) + data[i + WINDOW]!) | 0;
  }
  return [...found];
};

export class SecretScanner {
  private readonly needles = new Map<string, Needle>();
  private readonly values = new Set<string>();
  private pending: { source: string; chunk: Buffer }[] = [];
  private pendingBytes = 0;
  readonly excluded: Record<string, number> = {};
  readonly filesSkipped: Record<string, number> = {};
  bytesScanned = 0;
  filesScanned = 0;
  readonly hits: ScanHit[] = [];

  register(value: string, source: string): void {
    if (typeof value !== 'string' || this.values.has(value)) return;
    const reason = exclusionReason(value);
    if (reason) {
      this.excluded[reason] = (this.excluded[reason] ?? 0) + 1;
      return;
    }
    this.values.add(value);
    for (const form of formsOf(value)) {
      if (!this.needles.has(form)) this.needles.set(form, { source, length: value.length, bytes: Buffer.from(form, 'utf8') });
    }
  }

  get valueCount(): number {
    return this.values.size;
  }

  /** Whether the value is being looked for (for the scan's own tests; the value stays in memory). */
  isWatching(value: string): boolean {
    return this.values.has(value);
  }

  /** Output captured and not yet scanned, in bytes. */
  get capturedBytes(): number {
    return this.pendingBytes;
  }

  /** Output is kept until the end of the file, so values registered later are looked for in it too. */
  capture(text: string | Buffer, source: string): void {
    const chunk = Buffer.isBuffer(text) ? text : Buffer.from(String(text), 'utf8');
    if (chunk.length === 0) return;
    this.pending.push({ source, chunk });
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > PENDING_OUTPUT_LIMIT) this.scanPending();
  }

  /** Scans bytes now, against the values known now. */
  scanBytes(data: Buffer, where: string): void {
    this.bytesScanned += data.length;
    const needles = [...this.needles.values()];
    const found = needles.length * data.length > ONE_PASS_THRESHOLD ? findAllInOnePass(data, needles) : needles.filter((n) => data.indexOf(n.bytes) >= 0);
    for (const needle of found) this.hits.push({ where, valueSource: needle.source, valueLength: needle.length });
  }

  scanPending(): void {
    const bySource = new Map<string, Buffer[]>();
    for (const { source, chunk } of this.pending) bySource.set(source, [...(bySource.get(source) ?? []), chunk]);
    this.pending = [];
    this.pendingBytes = 0;
    for (const [source, chunks] of bySource) this.scanBytes(Buffer.concat(chunks), source);
  }

  /** Every file under `dir`, skipping only the files that hold a secret by design. */
  scanDirectory(dir: string, where: string): void {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      let stat;
      try {
        stat = statSync(path);
      } catch {
        continue;
      }
      if (stat.isDirectory()) {
        this.scanDirectory(path, `${where}/${name}`);
        continue;
      }
      const skipped = SKIPPED_FILES[basename(path)] ?? (stat.size > MAX_FILE_BYTES ? `larger than ${MAX_FILE_BYTES} bytes` : undefined);
      if (skipped) {
        this.filesSkipped[skipped] = (this.filesSkipped[skipped] ?? 0) + 1;
        continue;
      }
      if (!stat.isFile()) continue;
      this.filesScanned++;
      this.scanBytes(readFileSync(path), `${where}/${name}`);
    }
  }

  /** Stored rows as the scan sees them: every string and binary value, in one text. */
  scanRows(rows: unknown, where: string): void {
    const text = JSON.stringify(rows, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
        const bytes = Buffer.from((value as { data: number[] }).data);
        return `${bytes.toString('utf8')} ${bytes.toString('latin1')}`;
      }
      return value;
    });
    this.scanBytes(Buffer.from(text ?? '', 'utf8'), where);
  }

  summary(): ScanSummary {
    return {
      valuesRegistered: this.values.size,
      valuesExcluded: this.excluded,
      bytesScanned: this.bytesScanned,
      filesScanned: this.filesScanned,
      filesSkipped: this.filesSkipped,
      hits: this.hits,
    };
  }
}
