/**
 * Where test support code hands material to the suite-wide secret scan (test/security/secret-scan).
 * Every hook is a no-op until the scan's setup file installs it, so support code can call them
 * unconditionally and stays usable without the scan.
 */
export interface SecretScanHooks {
  /** A secret value a test passed in or received (kept in memory only). */
  register(value: string, source: string): void;
  /** Text a process wrote (logs, events, error bodies) to be scanned at the end of the file. */
  output(text: string | Buffer, source: string): void;
  /** Files a test is about to delete (a runtime's data dir): scanned now, while they exist. */
  directory(path: string, source: string): void;
  /** Stored rows of a test server (serialized for the scan). */
  rows(rows: unknown, source: string): void;
}

const noop = (): void => undefined;

export const secretScanHooks: SecretScanHooks = { register: noop, output: noop, directory: noop, rows: noop };
