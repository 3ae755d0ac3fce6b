import { describe, expect, it } from 'vitest';
import { KmsError } from '../../shared/domain/errors.js';
import {
  DEFAULT_PASSWORD_PROFILE,
  LOWERCASE,
  NUMBERS,
  PUNCTUATION,
  UPPERCASE,
  generatePassword,
} from '../../shared/domain/password.js';

describe('generatePassword', () => {
  it('defaults to 32 characters with every class present', () => {
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toHaveLength(32);
      for (const cls of [LOWERCASE, UPPERCASE, NUMBERS, PUNCTUATION]) expect([...p].some((c) => cls.includes(c))).toBe(true);
    }
  });
  it('never uses excluded characters or classes', () => {
    const profile = { ...DEFAULT_PASSWORD_PROFILE, length: 64, excludePunctuation: true, excludeCharacters: 'aeiouAEIOU01' };
    for (let i = 0; i < 200; i++) {
      const p = generatePassword(profile);
      expect(p).toMatch(/^[A-Za-z0-9]{64}$/);
      expect(p).not.toMatch(/[aeiouAEIOU01]/);
    }
  });
  it('does not repeat itself', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generatePassword()));
    expect(seen.size).toBe(1000);
  });
  it('rejects impossible profiles with a named parameter', () => {
    const all = LOWERCASE + UPPERCASE + NUMBERS + PUNCTUATION;
    expect(() => generatePassword({ ...DEFAULT_PASSWORD_PROFILE, length: 7 })).toThrow(KmsError);
    expect(() => generatePassword({ ...DEFAULT_PASSWORD_PROFILE, length: 129 })).toThrow(/PasswordLength/);
    expect(() => generatePassword({ ...DEFAULT_PASSWORD_PROFILE, excludeCharacters: all })).toThrow(/ExcludeCharacters/);
  });
});
