import { describe, expect, it } from 'vitest';
import { KmsError } from '../../shared/domain/errors.js';
import {
  TARGET_PASSWORD_RULES,
  generateTargetPassword,
  passwordViolations,
  profileForTarget,
  type PasswordTarget,
} from '../../shared/domain/password-profiles.js';

const TARGETS = Object.keys(TARGET_PASSWORD_RULES) as PasswordTarget[];
/** What peers keep shipping that breaks connection strings, .pgpass, URIs and shells (peers §1.12). */
const NEVER_IN_DATABASE_PASSWORDS = ':/@"\'\\`%;?# ';

describe('target password profiles', () => {
  it('defaults never produce characters that break the target, and meet its rules', () => {
    for (const target of TARGETS) {
      const rules = TARGET_PASSWORD_RULES[target];
      for (let i = 0; i < 300; i++) {
        const password = generateTargetPassword(target);
        expect(password).toHaveLength(rules.defaultLength);
        expect([...password].filter((c) => rules.forbidden.includes(c) || rules.excludedByDefault.includes(c))).toEqual([]);
        expect(passwordViolations(target, password)).toEqual([]);
      }
    }
  });

  it('PostgreSQL and MySQL defaults are URI-, .pgpass- and shell-safe: letters, digits and - _ . only', () => {
    for (const target of ['postgresql', 'mysql'] as const) {
      const seen = new Set<string>();
      for (let i = 0; i < 300; i++) for (const c of generateTargetPassword(target)) seen.add(c);
      expect([...seen].filter((c) => NEVER_IN_DATABASE_PASSWORDS.includes(c))).toEqual([]);
      expect([...seen].filter((c) => !/[A-Za-z0-9]/.test(c)).sort()).toEqual(['-', '.', '_']);
    }
  });

  it('a secret can allow more punctuation, but never the forbidden characters', () => {
    const profile = profileForTarget('postgresql', { AllowCharacters: '!$&()*+,<=>^{|}~', PasswordLength: 64 });
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) for (const c of generateTargetPassword('postgresql', profile)) seen.add(c);
    expect(seen.has('!')).toBe(true);
    expect([...seen].filter((c) => TARGET_PASSWORD_RULES.postgresql.forbidden.includes(c))).toEqual([]);
  });

  it('a secret can exclude more characters and change the length within the target limits', () => {
    const profile = profileForTarget('mysql', { PasswordLength: 20, ExcludeCharacters: '-.0O1lI' });
    for (let i = 0; i < 200; i++) {
      const p = generateTargetPassword('mysql', profile);
      expect(p).toHaveLength(20);
      expect(p).not.toMatch(/[-.0O1lI]/);
      expect(p).toMatch(/_/);
    }
  });

  it('refuses a profile that would break the target rules, naming the field', () => {
    const bad: Array<[PasswordTarget, unknown, string]> = [
      ['alibaba-rds', { PasswordLength: 33 }, 'PasswordLength'],
      ['postgresql', { PasswordLength: 7 }, 'PasswordLength'],
      ['mysql', { ExcludePunctuation: true }, 'PasswordProfile'],
      ['mysql', { ExcludeCharacters: '-_.' }, 'PasswordProfile'],
      ['postgresql', { AllowCharacters: '!:' }, 'AllowCharacters'],
      ['postgresql', { RequireEachIncludedType: false }, 'RequireEachIncludedType'],
      ['postgresql', { PasswordLength: '32' }, 'PasswordLength'],
      ['postgresql', { Unknown: 1 }, 'Unknown'],
      ['postgresql', 'long', 'PasswordProfile'],
    ];
    for (const [target, config, field] of bad) {
      let error: unknown;
      try {
        profileForTarget(target, config);
      } catch (e) {
        error = e;
      }
      expect(error, `${target} ${JSON.stringify(config)}`).toBeInstanceOf(KmsError);
      expect((error as KmsError).message).toContain(field);
    }
  });

  it('RDS passwords use only the punctuation RDS accepts', () => {
    for (let i = 0; i < 300; i++) expect(generateTargetPassword('alibaba-rds')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const wide = profileForTarget('alibaba-rds', { AllowCharacters: '!$^&*()+=' });
    for (let i = 0; i < 300; i++) expect(generateTargetPassword('alibaba-rds', wide)).toMatch(/^[A-Za-z0-9!$^&*()_+\-=]{32}$/);
  });

  it('never contains the account name, which PostgreSQL passwordcheck and MySQL validate_password reject', () => {
    const profile = profileForTarget('postgresql', { PasswordLength: 8, ExcludeCharacters: 'bcdefghijklmnopqrstuvwxyzBCDEFGHIJKLMNOPQRSTUVWXYZ23456789-.' });
    expect(generateTargetPassword('postgresql', profile)).toMatch(/^[aA01_]{8}$/);
    for (let i = 0; i < 200; i++) expect(generateTargetPassword('postgresql', profile, { accountName: 'a1a' }).toLowerCase()).not.toContain('a1a');
  });

  it('describes violations without quoting the password', () => {
    const password = 'short:@';
    const problems = passwordViolations('postgresql', password, { accountName: 'short' });
    expect(problems.length).toBeGreaterThanOrEqual(3);
    expect(problems.join(' ')).not.toContain(password);
    expect(passwordViolations('mysql', 'Abcdefg1_xyz', { accountName: 'zyx' })).toEqual(['must not contain the account name']);
  });
});
