/**
 * ExtendedConfig of a managed RAM secret: {"SecretSubType":"RamUserAccessKey","UserName":"alice"},
 * as in KMS, plus our optional "PreviousKeyWindow": how long the key that became ACSPrevious stays
 * valid after a rotation before it is disabled and deleted ("10m" to "2d", default "2h"; KMS lets
 * the console user pick within the same range).
 */
import { invalidParameter } from '../../../domain/errors.js';

export const RAM_SUBTYPE = 'RamUserAccessKey';

export const MIN_WINDOW_SECONDS = 10 * 60;
export const MAX_WINDOW_SECONDS = 2 * 24 * 3600;
export const DEFAULT_WINDOW_SECONDS = 2 * 3600;

export interface RamSecretConfig {
  userName: string;
  previousKeyWindowSeconds: number;
}

/** RAM's rule for user names: 1–64 characters from letters, digits, `.`, `@`, `-` and `_`. */
const USER_NAME = /^[A-Za-z0-9.@_-]{1,64}$/;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

const parseWindow = (value: unknown): number => {
  if (value === undefined) return DEFAULT_WINDOW_SECONDS;
  const match = typeof value === 'string' ? /^(\d{1,9})([smhd])$/.exec(value) : null;
  if (!match) throw invalidParameter('ExtendedConfig.PreviousKeyWindow', 'must look like 30m, 2h or 1d');
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
  if (seconds < MIN_WINDOW_SECONDS || seconds > MAX_WINDOW_SECONDS) {
    throw invalidParameter('ExtendedConfig.PreviousKeyWindow', 'must be between 10 minutes and 2 days');
  }
  return seconds;
};

export const ramConfigOf = (config: Record<string, unknown>): RamSecretConfig => {
  if (config.SecretSubType !== RAM_SUBTYPE) throw invalidParameter('ExtendedConfig.SecretSubType', `must be ${RAM_SUBTYPE}`);
  const userName = config.UserName;
  if (typeof userName !== 'string' || !USER_NAME.test(userName)) {
    throw invalidParameter('ExtendedConfig.UserName', 'must be a RAM user name (1-64 letters, digits, . @ - _)');
  }
  return { userName, previousKeyWindowSeconds: parseWindow(config.PreviousKeyWindow) };
};
