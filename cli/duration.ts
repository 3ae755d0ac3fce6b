/** Durations on the command line: `90s`, `5m`, `2h`, `7d`, or `500ms` where it makes sense. */
import { usageError } from './exit-codes.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const parseDurationMs = (option: string, raw: string): number => {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(raw.trim());
  if (!match) throw usageError(`${option} must be a duration such as 30s, 5m or 2h`);
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!Number.isFinite(ms) || ms <= 0) throw usageError(`${option} must be more than zero`);
  return ms;
};

/**
 * KMS's RotationInterval input: a whole number with d, h, m or s. Its range (6h to 8760h) is the
 * service's to enforce, so the same CLI works whatever a service allows.
 */
export const checkRotationInterval = (option: string, raw: string): string => {
  const value = raw.trim();
  if (!/^\d+[dhms]$/.test(value)) throw usageError(`${option} must be a whole number with d, h, m or s, such as 7d or 12h`);
  return value;
};

export const parsePositiveInteger = (option: string, raw: string, max?: number): number => {
  if (!/^\d+$/.test(raw.trim())) throw usageError(`${option} must be a whole number`);
  const n = Number(raw);
  if (n < 1 || (max !== undefined && n > max)) {
    throw usageError(`${option} must be between 1 and ${max ?? Number.MAX_SAFE_INTEGER}`);
  }
  return n;
};
