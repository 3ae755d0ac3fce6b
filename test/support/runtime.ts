/** Helpers for the runtime tests: temp data dirs, a quiet configuration, logs captured as objects. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type RuntimeConfig } from '../../shared/runtime/config.js';
import { createLogger, type Logger } from '../../shared/runtime/logger.js';
import { secretScanHooks } from './secret-scan-hooks.js';

export interface TempDir {
  path: string;
  remove(): void;
}

export const tempDir = (prefix = 'rotor-runtime-'): TempDir => {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    remove: () => {
      // The last chance to see what a runtime stored here (SQLite files, event logs) in plaintext.
      secretScanHooks.directory(path, `data dir ${prefix}*`);
      rmSync(path, { recursive: true, force: true });
    },
  };
};

/** A configuration on a free port in `dataDir`, logging nothing unless asked. */
export const testConfig = (dataDir: string, env: Record<string, string> = {}): RuntimeConfig =>
  loadConfig({ ROTOR_DATA_DIR: dataDir, PORT: '0', ROTOR_LOG_LEVEL: 'silent', ...env });

export interface CapturedLogs {
  logger: Logger;
  lines: Record<string, unknown>[];
  text(): string;
}

export const captureLogs = (level: 'info' | 'debug' = 'info'): CapturedLogs => {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(chunk.toString('utf8'));
      secretScanHooks.output(chunk, 'captured logs');
      done();
    },
  });
  const logger = createLogger({ level, destination });
  return {
    logger,
    get lines() {
      return raw.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    text: () => raw.join(''),
  };
};
