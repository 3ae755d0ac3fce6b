/**
 * Target-aware password profiles. Each target has characters it never gets (they break its
 * connection strings, .pgpass/.my.cnf files or shell commands: the failures peers keep shipping),
 * characters it does not get unless a secret asks for them, and the target's own password rules.
 * A secret tunes its profile with ExtendedConfig.PasswordProfile (GetRandomPassword's fields plus
 * AllowCharacters); the result always stays inside the target's rules.
 */
import { invalidParameter } from './errors.js';
import {
  DEFAULT_PASSWORD_PROFILE,
  LOWERCASE,
  NUMBERS,
  PUNCTUATION,
  UPPERCASE,
  generatePassword,
  validatePasswordProfile,
  type PasswordProfile,
} from './password.js';

export type PasswordTarget = 'postgresql' | 'mysql' | 'alibaba-rds' | 'linux';

export interface TargetPasswordRules {
  readonly target: PasswordTarget;
  readonly minLength: number;
  readonly maxLength: number;
  readonly defaultLength: number;
  /** Never generated, whatever a secret's profile says. */
  readonly forbidden: string;
  /** Not generated unless a secret's PasswordProfile.AllowCharacters names them. */
  readonly excludedByDefault: string;
  /** How many of the four classes (lower, upper, digit, punctuation) a password must contain. */
  readonly requiredClasses: number;
  /** The target refuses a password that contains the account name (PostgreSQL passwordcheck, MySQL validate_password). */
  readonly rejectsAccountName: boolean;
}

const WHITESPACE = ' \t\r\n\v\f';
/** Quotes, backslash and backtick break quoted config values and shells; `:/@` break URIs and .pgpass. */
const CONNECTION_BREAKING = ':/@"\'\\`';
/** Further URI, ADO (`;`) and percent-encoding troublemakers (peers §1.12: DMS, ADO, CloudFormation). */
const URI_AND_ADO = '%;?#[]';
/** Shell metacharacters and the rest of DMS's list: safe inside a driver, risky in a copied command line. */
const SHELL_RISKY = '!$&()*+,<=>^{|}~';

const without = (chars: string, removed: string): string => [...chars].filter((c) => !removed.includes(c)).join('');

/** Alibaba Cloud RDS accepts only these punctuation characters. */
const RDS_PUNCTUATION = '!@#$%^&*()_+-=';

export const TARGET_PASSWORD_RULES: Readonly<Record<PasswordTarget, TargetPasswordRules>> = {
  postgresql: {
    target: 'postgresql',
    minLength: 8,
    maxLength: 128,
    defaultLength: 32,
    forbidden: CONNECTION_BREAKING + URI_AND_ADO + WHITESPACE,
    excludedByDefault: SHELL_RISKY,
    requiredClasses: 4,
    rejectsAccountName: true,
  },
  mysql: {
    target: 'mysql',
    minLength: 8,
    maxLength: 128,
    defaultLength: 32,
    forbidden: CONNECTION_BREAKING + URI_AND_ADO + WHITESPACE,
    excludedByDefault: SHELL_RISKY,
    // validate_password MEDIUM: mixed case, a digit and a special character.
    requiredClasses: 4,
    rejectsAccountName: true,
  },
  'alibaba-rds': {
    target: 'alibaba-rds',
    minLength: 8,
    maxLength: 32,
    defaultLength: 32,
    forbidden: without(PUNCTUATION, RDS_PUNCTUATION) + '@#%' + WHITESPACE,
    excludedByDefault: '!$^&*()+=',
    requiredClasses: 3,
    rejectsAccountName: false,
  },
  linux: {
    target: 'linux',
    minLength: 8,
    maxLength: 128,
    defaultLength: 32,
    // `:` separates chpasswd fields; the rest breaks shells and here-documents.
    forbidden: CONNECTION_BREAKING + WHITESPACE,
    excludedByDefault: SHELL_RISKY + URI_AND_ADO,
    requiredClasses: 3,
    rejectsAccountName: true,
  },
};

/** ExtendedConfig.PasswordProfile: GetRandomPassword's parameters, plus AllowCharacters. */
export interface PasswordProfileConfig {
  PasswordLength?: number;
  /** Excluded on top of the target's own exclusions. */
  ExcludeCharacters?: string;
  /** Characters the target excludes by default (shell metacharacters) that this secret may use. */
  AllowCharacters?: string;
  ExcludeLowercase?: boolean;
  ExcludeUppercase?: boolean;
  ExcludeNumbers?: boolean;
  ExcludePunctuation?: boolean;
  RequireEachIncludedType?: boolean;
}

const BOOLEAN_FIELDS = [
  ['ExcludeLowercase', 'excludeLowercase'],
  ['ExcludeUppercase', 'excludeUppercase'],
  ['ExcludeNumbers', 'excludeNumbers'],
  ['ExcludePunctuation', 'excludePunctuation'],
  ['RequireEachIncludedType', 'requireEachIncludedType'],
] as const;
const KNOWN_FIELDS = new Set<string>(['PasswordLength', 'ExcludeCharacters', 'AllowCharacters', ...BOOLEAN_FIELDS.map(([f]) => f)]);

const includedClassCount = (p: PasswordProfile): number =>
  [p.excludeLowercase, p.excludeUppercase, p.excludeNumbers, p.excludePunctuation].filter((excluded) => !excluded).length;

/** The classes left after exclusions, counting only those that still have a character to draw. */
const usableClassCount = (p: PasswordProfile): number => {
  const excluded = new Set(p.excludeCharacters);
  const usable = (chars: string) => [...chars].some((c) => !excluded.has(c));
  return [
    !p.excludeLowercase && usable(LOWERCASE),
    !p.excludeUppercase && usable(UPPERCASE),
    !p.excludeNumbers && usable(NUMBERS),
    !p.excludePunctuation && usable(PUNCTUATION),
  ].filter(Boolean).length;
};

type ProfileTuning = Partial<PasswordProfile> & { allowCharacters?: string };

const readConfig = (config: unknown, prefix: string): ProfileTuning => {
  if (config === undefined || config === null) return {};
  if (typeof config !== 'object' || Array.isArray(config)) throw invalidParameter(prefix.replace(/\.$/, ''), 'must be a JSON object');
  const fields = config as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (!KNOWN_FIELDS.has(key)) throw invalidParameter(`${prefix}${key}`, 'is not a password profile field');
  const out: ProfileTuning = {};
  if (fields.PasswordLength !== undefined) {
    if (typeof fields.PasswordLength !== 'number') throw invalidParameter(`${prefix}PasswordLength`, 'must be a number');
    out.length = fields.PasswordLength;
  }
  if (fields.ExcludeCharacters !== undefined) {
    if (typeof fields.ExcludeCharacters !== 'string') throw invalidParameter(`${prefix}ExcludeCharacters`, 'must be a string');
    out.excludeCharacters = fields.ExcludeCharacters;
  }
  if (fields.AllowCharacters !== undefined) {
    if (typeof fields.AllowCharacters !== 'string') throw invalidParameter(`${prefix}AllowCharacters`, 'must be a string');
    out.allowCharacters = fields.AllowCharacters;
  }
  for (const [field, key] of BOOLEAN_FIELDS) {
    const value = fields[field];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw invalidParameter(`${prefix}${field}`, 'must be true or false');
    out[key] = value;
  }
  return out;
};

/**
 * The generation profile for a target, tuned by a secret's PasswordProfile. ExcludeCharacters adds
 * to the target's exclusions; AllowCharacters takes back some of the default ones, never the
 * forbidden ones. Throws a KmsError naming the field when the result would break the target's rules.
 */
export const profileForTarget = (
  target: PasswordTarget,
  config?: unknown,
  prefix = 'ExtendedConfig.PasswordProfile.',
): PasswordProfile => {
  const rules = TARGET_PASSWORD_RULES[target];
  const { allowCharacters = '', ...tuned } = readConfig(config, prefix);
  const notAllowable = [...allowCharacters].filter((c) => !rules.excludedByDefault.includes(c));
  if (notAllowable.length > 0)
    throw invalidParameter(`${prefix}AllowCharacters`, `may only name characters from ${rules.excludedByDefault} for ${target}`);
  const profile: PasswordProfile = {
    ...DEFAULT_PASSWORD_PROFILE,
    length: rules.defaultLength,
    ...tuned,
    excludeCharacters: rules.forbidden + without(rules.excludedByDefault, allowCharacters) + (tuned.excludeCharacters ?? ''),
  };
  if (!Number.isInteger(profile.length) || profile.length < rules.minLength || profile.length > rules.maxLength)
    throw invalidParameter(`${prefix}PasswordLength`, `must be an integer from ${rules.minLength} to ${rules.maxLength} for ${target}`);
  validatePasswordProfile(profile, prefix);
  if (includedClassCount(profile) < rules.requiredClasses || usableClassCount(profile) < rules.requiredClasses)
    throw invalidParameter(prefix.replace(/\.$/, ''), `must keep at least ${rules.requiredClasses} character types for ${target}`);
  if (rules.requiredClasses > 0 && !profile.requireEachIncludedType)
    throw invalidParameter(`${prefix}RequireEachIncludedType`, `must be true for ${target}`);
  return profile;
};

const classesIn = (password: string): number =>
  [LOWERCASE, UPPERCASE, NUMBERS].filter((cls) => [...password].some((c) => cls.includes(c))).length +
  ([...password].some((c) => !LOWERCASE.includes(c) && !UPPERCASE.includes(c) && !NUMBERS.includes(c)) ? 1 : 0);

/** Short names are only compared whole: a 2-letter name would turn up in random passwords too often. */
const MIN_NAME_FOR_CONTAINS = 3;

const containsAccountName = (password: string, accountName: string): boolean => {
  const p = password.toLowerCase();
  const name = accountName.toLowerCase();
  if (name === '') return false;
  const reversed = [...name].reverse().join('');
  if (p === name || p === reversed) return true;
  return name.length >= MIN_NAME_FOR_CONTAINS && (p.includes(name) || p.includes(reversed));
};

/**
 * Why a password would break this target, as fixed texts that never quote the password.
 * Empty when it is fine. Used for generated values and to vet custom ones.
 */
export const passwordViolations = (target: PasswordTarget, password: string, context: { accountName?: string } = {}): string[] => {
  const rules = TARGET_PASSWORD_RULES[target];
  const problems: string[] = [];
  const length = [...password].length;
  if (length < rules.minLength || length > rules.maxLength)
    problems.push(`length must be from ${rules.minLength} to ${rules.maxLength}`);
  const forbidden = [...new Set([...password].filter((c) => rules.forbidden.includes(c)))];
  if (forbidden.length > 0) problems.push(`contains ${forbidden.length} character(s) that break ${target} connection strings or shells`);
  if ([...password].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) problems.push('contains control characters');
  if (classesIn(password) < rules.requiredClasses) problems.push(`must mix at least ${rules.requiredClasses} character types`);
  if (rules.rejectsAccountName && context.accountName && containsAccountName(password, context.accountName))
    problems.push('must not contain the account name');
  return problems;
};

/** Random draws that happen to contain the account name are drawn again; this many is beyond any real chance. */
const MAX_DRAWS = 100;

export const generateTargetPassword = (
  target: PasswordTarget,
  profile: PasswordProfile = profileForTarget(target),
  context: { accountName?: string } = {},
): string => {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const password = generatePassword(profile);
    if (passwordViolations(target, password, context).length === 0) return password;
  }
  throw invalidParameter('PasswordProfile', `cannot produce a password that meets the ${target} rules`);
};
