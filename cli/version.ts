/** The package version, for `rotor --version` and the SDK's User-Agent. */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export const cliVersion = (): string => {
  if (cached !== undefined) return cached;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
};

export const userAgent = (): string => `secret-rotor-cli/${cliVersion()}`;
