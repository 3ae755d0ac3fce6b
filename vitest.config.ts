import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native modules (better-sqlite3) and child processes are safest in forked workers.
    pool: 'forks',
    // Every test file's logs, events, error bodies, data dirs and test-server rows are scanned for
    // the secret values it handled (test/security/secret-scan).
    setupFiles: ['test/security/secret-scan/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-artifacts/vitest-results.json' },
  },
});
