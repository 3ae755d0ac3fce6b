/** Helpers for the end-to-end tests: waiting on the runtime, reading its event log, scanning for leaks. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Waits for a state the runtime reaches on its own (a rotation finishing); bounded, never a fixed sleep. */
export const eventually = async <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

export interface CloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: string;
  data: Record<string, unknown>;
}

export const EVENTS_FILE = 'events.ndjson';

/** Every line of the runtime's events.ndjson, parsed; none when the file does not exist yet. */
export const readEvents = (dataDir: string): CloudEvent[] => {
  const file = join(dataDir, EVENTS_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as CloudEvent);
};

/** Every regular file under dir, recursively. */
export const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() ? [path] : [];
  });

export interface Haystack {
  name: string;
  bytes: Buffer;
}

/**
 * Which needles occur in which haystacks, as raw bytes (so binary SQLite pages are searched too),
 * both as UTF-8 and as base64. Reports the needle's index, never the needle: it is a secret.
 */
export const findLeaks = (haystacks: readonly Haystack[], needles: readonly string[]): string[] =>
  haystacks.flatMap((h) =>
    needles.flatMap((needle, index) => {
      const raw = Buffer.from(needle, 'utf8');
      // Whole 3-byte groups only, so it also matches a base64 text that starts with the value.
      const base64 = raw.subarray(0, raw.length - (raw.length % 3)).toString('base64');
      const forms = [raw, Buffer.from(base64, 'utf8')];
      return forms.some((form) => h.bytes.includes(form)) ? [`secret #${index} in ${h.name}`] : [];
    }),
  );
