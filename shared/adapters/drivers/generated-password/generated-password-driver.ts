/**
 * Rotates a Generic secret whose ExtendedConfig asks for a generated password (our extension).
 * The target is nothing: the new value is only stored, so the whole rotation machinery runs with no
 * cloud. ExtendedConfig: {"SecretSubType":"GeneratedPassword","PasswordLength":32,"ExcludeCharacters":"",
 * "ExcludeLowercase":false,"ExcludeUppercase":false,"ExcludeNumbers":false,"ExcludePunctuation":false,
 * "RequireEachIncludedType":true}; every field but SecretSubType is optional.
 */
import { invalidParameter } from '../../../domain/errors.js';
import {
  DEFAULT_PASSWORD_PROFILE,
  generatePassword,
  validatePasswordProfile,
  type PasswordProfile,
} from '../../../domain/password.js';
import type { DriverSecret, PreflightRequest, PreflightResponse, TargetDriver } from '../../../ports/target-driver.js';

export const GENERATED_PASSWORD_SUBTYPE = 'GeneratedPassword';

const BOOLEAN_FIELDS = [
  ['ExcludeLowercase', 'excludeLowercase'],
  ['ExcludeUppercase', 'excludeUppercase'],
  ['ExcludeNumbers', 'excludeNumbers'],
  ['ExcludePunctuation', 'excludePunctuation'],
  ['RequireEachIncludedType', 'requireEachIncludedType'],
] as const;

export const passwordProfileFrom = (config: Record<string, unknown>): PasswordProfile => {
  const profile: PasswordProfile = { ...DEFAULT_PASSWORD_PROFILE };
  const length = config.PasswordLength;
  if (length !== undefined) {
    if (typeof length !== 'number') throw invalidParameter('ExtendedConfig.PasswordLength', 'must be a number');
    profile.length = length;
  }
  const excluded = config.ExcludeCharacters;
  if (excluded !== undefined) {
    if (typeof excluded !== 'string') throw invalidParameter('ExtendedConfig.ExcludeCharacters', 'must be a string');
    profile.excludeCharacters = excluded;
  }
  for (const [field, key] of BOOLEAN_FIELDS) {
    const value = config[field];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw invalidParameter(`ExtendedConfig.${field}`, 'must be true or false');
    profile[key] = value;
  }
  validatePasswordProfile(profile, 'ExtendedConfig.');
  return profile;
};

export class GeneratedPasswordDriver implements TargetDriver {
  readonly kind = 'generated-password';

  supports(secret: DriverSecret): boolean {
    return secret.type === 'Generic' && secret.extendedConfig.SecretSubType === GENERATED_PASSWORD_SUBTYPE;
  }

  validateConfig(secret: DriverSecret): void {
    passwordProfileFrom(secret.extendedConfig);
  }

  /** There is no target to reach: only the password profile can be wrong. */
  async preflight(req: PreflightRequest): Promise<PreflightResponse> {
    try {
      passwordProfileFrom(req.secret.extendedConfig);
      return { checks: [{ name: 'config', ok: true, detail: 'The password profile is valid.' }] };
    } catch (error) {
      return { checks: [{ name: 'config', ok: false, detail: error instanceof Error ? error.message : 'Invalid configuration.' }] };
    }
  }

  async generate(req: { secret: DriverSecret }): Promise<{ value: string }> {
    return { value: generatePassword(passwordProfileFrom(req.secret.extendedConfig)) };
  }

  async apply(): Promise<Record<string, never>> {
    return {};
  }

  async verify(): Promise<Record<string, never>> {
    return {};
  }

  /** Nothing outside the store holds the password, so it cannot drift. */
  async checkCurrent(): Promise<Record<string, never>> {
    return {};
  }

  async finalize(): Promise<Record<string, never>> {
    return {};
  }
}
