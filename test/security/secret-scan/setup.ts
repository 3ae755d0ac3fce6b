/**
 * The suite-wide secret scan (vitest setupFiles: runs in every test file's worker). It learns
 * every secret value the file's code generated or sealed (through the observer in
 * shared/domain/secret-value-observer.ts) and every value a test sent or received through the
 * support clients, captures everything the worker writes to stdout and stderr, every event the
 * in-memory publisher takes, and every error response of the API and the local front door; the
 * support code hands it runtime data dirs before they are deleted, child runtime output, and the
 * Tablestore test server's rows. After the file, all of it is scanned; a hit fails the file.
 * Counts go to test-artifacts/security/secret-scan-<worker>.json (no values: kinds and places).
 */
import fs, { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ServerResponse } from 'node:http';
import { join, relative } from 'node:path';
import { format } from 'node:util';
import { afterAll, beforeAll, expect } from 'vitest';
import { MemoryEventPublisher } from '../../../shared/adapters/memory-events/memory-event-publisher.js';
import { setSecretValueObserver } from '../../../shared/domain/secret-value-observer.js';
import { PROJECT_ROOT } from '../../support/runtime-process.js';
import { secretScanHooks } from '../../support/secret-scan-hooks.js';
import { SecretScanner } from './scanner.js';

/** This file's scanner; exported for the scan's own tests. */
export const scanner = new SecretScanner();
const started = performance.now();

setSecretValueObserver((value) => scanner.register(value, 'generated or sealed'));
secretScanHooks.register = (value, source) => scanner.register(value, source);
secretScanHooks.output = (text, source) => scanner.capture(text, source);
secretScanHooks.directory = (path, source) => scanner.scanDirectory(path, source);
secretScanHooks.rows = (rows, source) => scanner.scanRows(rows, source);

type Write = typeof process.stdout.write;
const tee = (stream: NodeJS.WriteStream, source: string): Write => {
  const original = stream.write.bind(stream) as Write;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    scanner.capture(typeof chunk === 'string' ? chunk : Buffer.from(chunk), source);
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as Write;
  return original;
};
const stdoutWrite = tee(process.stdout, 'stdout');
const stderrWrite = tee(process.stderr, 'stderr');

// Loggers writing to stdout (pino's default destination) write to file descriptor 1 directly.
const STANDARD_FDS: Readonly<Record<number, string>> = { 1: 'stdout (fd)', 2: 'stderr (fd)' };
const captureFdWrite = (fd: unknown, data: unknown): void => {
  const source = typeof fd === 'number' ? STANDARD_FDS[fd] : undefined;
  if (source && (typeof data === 'string' || Buffer.isBuffer(data) || data instanceof Uint8Array)) {
    scanner.capture(typeof data === 'string' ? data : Buffer.from(data), source);
  }
};
const originalWriteSync = fs.writeSync;
const originalFsWrite = fs.write;
fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
  captureFdWrite(fd, data);
  return (originalWriteSync as (...args: unknown[]) => number)(fd, data, ...rest);
}) as typeof fs.writeSync;
fs.write = ((fd: number, data: unknown, ...rest: unknown[]) => {
  captureFdWrite(fd, data);
  return (originalFsWrite as (...args: unknown[]) => void)(fd, data, ...rest);
}) as typeof fs.write;

// The test runner replaces console with its own; what tests print through it is output too.
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    scanner.capture(format(...args), `console.${method}`);
    original(...args);
  };
}

/** Error bodies of our own servers (they carry a request id header); test servers' are theirs. */
const REQUEST_ID_HEADER = /^x-(acs|fc)-request-id$/i;
const OURS = Symbol('answered by our API or front door');
type Marked = ServerResponse & { [OURS]?: boolean };
const namesRequestId = (headers: unknown): boolean => {
  if (Array.isArray(headers)) return headers.some((h, i) => i % 2 === 0 && REQUEST_ID_HEADER.test(String(h)));
  return typeof headers === 'object' && headers !== null && Object.keys(headers).some((h) => REQUEST_ID_HEADER.test(h));
};
const isOurErrorResponse = (res: Marked): boolean =>
  res.statusCode >= 400 && (res[OURS] === true || res.getHeader('x-acs-request-id') !== undefined || res.getHeader('x-fc-request-id') !== undefined);
// Headers given to writeHead directly are not visible to getHeader afterwards: note them on the way.
const originalWriteHead = ServerResponse.prototype.writeHead;
ServerResponse.prototype.writeHead = function (this: Marked, ...args: unknown[]) {
  if (args.some(namesRequestId)) this[OURS] = true;
  return (originalWriteHead as (...a: unknown[]) => ServerResponse).apply(this, args);
} as typeof originalWriteHead;
const originalEnd = ServerResponse.prototype.end;
const originalWrite = ServerResponse.prototype.write;
const captureBody = (res: ServerResponse, chunk: unknown): void => {
  if ((typeof chunk === 'string' || Buffer.isBuffer(chunk)) && isOurErrorResponse(res)) scanner.capture(chunk, 'error responses');
};
ServerResponse.prototype.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
  captureBody(this, chunk);
  return (originalWrite as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof originalWrite;
ServerResponse.prototype.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
  captureBody(this, chunk);
  return (originalEnd as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
} as typeof originalEnd;

const originalPublish = MemoryEventPublisher.prototype.publish;
MemoryEventPublisher.prototype.publish = function (this: MemoryEventPublisher, event) {
  scanner.capture(JSON.stringify(event), 'events');
  return originalPublish.call(this, event);
};

const testFile = (): string => {
  const path = expect.getState().testPath ?? 'unknown';
  return relative(PROJECT_ROOT, path);
};

const ARTIFACT_DIR = join(PROJECT_ROOT, 'test-artifacts', 'security');
const workerId = process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? String(process.pid);

/** One entry per test file, replaced when the file runs again. */
const recordCounts = (file: string, counts: Record<string, unknown>): void => {
  const path = join(ARTIFACT_DIR, `secret-scan-${workerId}.json`);
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    // first file of this worker, or an unreadable leftover: start over
  }
  all[file] = counts;
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  writeFileSync(path, `${JSON.stringify(all, null, 2)}\n`);
};

let file = 'unknown';
beforeAll(() => {
  file = testFile();
});

afterAll(() => {
  const scanStart = performance.now();
  scanner.scanPending();
  const summary = scanner.summary();
  recordCounts(file, {
    ...summary,
    hitCount: summary.hits.length,
    scanMs: Math.round(performance.now() - scanStart),
    fileMs: Math.round(performance.now() - started),
  });
  process.stdout.write = stdoutWrite;
  process.stderr.write = stderrWrite;
  fs.writeSync = originalWriteSync;
  fs.write = originalFsWrite;
  if (summary.hits.length > 0) {
    const places = summary.hits.map((h) => `${h.valueSource} value (${h.valueLength} chars) in ${h.where}`);
    throw new Error(`secret scan: ${summary.hits.length} secret value(s) found in plaintext:\n  ${[...new Set(places)].join('\n  ')}`);
  }
});
