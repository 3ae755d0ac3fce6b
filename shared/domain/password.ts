/** Random passwords with KMS GetRandomPassword semantics, drawn from a CSPRNG without modulo bias. */
import { randomInt } from 'node:crypto';
import { invalidParameter } from './errors.js';
import { observeSecretValue } from './secret-value-observer.js';

export const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
export const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const NUMBERS = '0123456789';
export const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export interface PasswordProfile {
  length: number;
  excludeCharacters: string;
  excludeLowercase: boolean;
  excludeUppercase: boolean;
  excludeNumbers: boolean;
  excludePunctuation: boolean;
  requireEachIncludedType: boolean;
}

export const DEFAULT_PASSWORD_PROFILE: PasswordProfile = {
  length: 32,
  excludeCharacters: '',
  excludeLowercase: false,
  excludeUppercase: false,
  excludeNumbers: false,
  excludePunctuation: false,
  requireEachIncludedType: true,
};

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

/** The character classes a profile draws from, each already stripped of excluded characters. */
const characterClasses = (profile: PasswordProfile): string[] => {
  const classes: string[] = [];
  if (!profile.excludeLowercase) classes.push(LOWERCASE);
  if (!profile.excludeUppercase) classes.push(UPPERCASE);
  if (!profile.excludeNumbers) classes.push(NUMBERS);
  if (!profile.excludePunctuation) classes.push(PUNCTUATION);
  const excluded = new Set(profile.excludeCharacters);
  return classes.map((c) => [...c].filter((ch) => !excluded.has(ch)).join('')).filter((c) => c.length > 0);
};

export const validatePasswordProfile = (profile: PasswordProfile, parameterPrefix = ''): void => {
  if (
    !Number.isInteger(profile.length) ||
    profile.length < MIN_PASSWORD_LENGTH ||
    profile.length > MAX_PASSWORD_LENGTH
  )
    throw invalidParameter(
      `${parameterPrefix}PasswordLength`,
      `must be an integer from ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH}`,
    );
  const classes = characterClasses(profile);
  if (classes.length === 0)
    throw invalidParameter(`${parameterPrefix}ExcludeCharacters`, 'leaves no characters to choose from');
  if (profile.requireEachIncludedType && classes.length > profile.length)
    throw invalidParameter(`${parameterPrefix}PasswordLength`, 'is shorter than the number of required character types');
};

const pick = (chars: string): string => chars[randomInt(chars.length)] as string;

/** Fisher-Yates with a CSPRNG, so required characters do not sit at fixed positions. */
const shuffle = (chars: string[]): string[] => {
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars;
};

export const generatePassword = (profile: PasswordProfile = DEFAULT_PASSWORD_PROFILE): string => {
  validatePasswordProfile(profile);
  const classes = characterClasses(profile);
  const alphabet = classes.join('');
  const required = profile.requireEachIncludedType ? classes.map(pick) : [];
  const rest = Array.from({ length: profile.length - required.length }, () => pick(alphabet));
  return observeSecretValue(shuffle([...required, ...rest]).join(''));
};
