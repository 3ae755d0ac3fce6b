import { describe, expect, it } from 'vitest';
import { KmsError } from '../../shared/domain/errors.js';
import {
  parseExtendedConfig,
  parseRotationInterval,
  validateRecoveryWindow,
  validateSecretData,
  validateSecretName,
  validateSecretType,
  validateTags,
  validateVersionId,
} from '../../shared/domain/validation.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof KmsError) return `${e.code}:${e.message}`;
    throw e;
  }
  throw new Error('expected a KmsError');
};

describe('secret names', () => {
  it('accepts KMS characters up to 192', () => {
    expect(() => validateSecretName('a'.repeat(192), 'Generic')).not.toThrow();
    expect(() => validateSecretName('db/prod_user+1=x.y-z@corp', 'Generic')).not.toThrow();
  });
  it('rejects long names, bad characters and type prefixes with the parameter named', () => {
    expect(codeOf(() => validateSecretName('a'.repeat(193), 'Generic'))).toMatch(/^InvalidParameter:.*SecretName/);
    expect(codeOf(() => validateSecretName('has space', 'Generic'))).toMatch(/^InvalidParameter/);
    expect(codeOf(() => validateSecretName('acs/ecs/x', 'Generic'))).toMatch(/must not start with acs/);
    expect(codeOf(() => validateSecretName('web-1', 'ECS'))).toMatch(/acs\/ecs\//);
    expect(() => validateSecretName('acs/ecs/web-1', 'ECS')).not.toThrow();
  });
});

describe('rotation intervals', () => {
  it('parses units and returns seconds', () => {
    expect(parseRotationInterval('7d')).toBe(604_800);
    expect(parseRotationInterval('604800s')).toBe(604_800);
    expect(parseRotationInterval('6h')).toBe(21_600);
    expect(parseRotationInterval('360m')).toBe(21_600);
    expect(parseRotationInterval('8760h')).toBe(31_536_000);
    expect(parseRotationInterval('21600')).toBe(21_600);
  });
  it('rejects values outside 6h..8760h and malformed text', () => {
    for (const bad of ['5h', '21599s', '8761h', '366d', 'abc', '7 days', '-7d', '7w', '']) {
      expect(codeOf(() => parseRotationInterval(bad))).toMatch(/^InvalidParameter:.*RotationInterval/);
    }
  });
});

describe('other rules', () => {
  it('recovery window is 7..30 days, default 30', () => {
    expect(validateRecoveryWindow(undefined)).toBe(30);
    expect(validateRecoveryWindow(7)).toBe(7);
    for (const bad of [6, 31, 7.5, 0, -1]) expect(codeOf(() => validateRecoveryWindow(bad))).toMatch(/RecoveryWindowInDays/);
  });
  it('secret data is at most 30,720 bytes counted in UTF-8', () => {
    expect(() => validateSecretData('x'.repeat(30_720))).not.toThrow();
    expect(codeOf(() => validateSecretData('x'.repeat(30_721)))).toMatch(/SecretData/);
    expect(codeOf(() => validateSecretData('é'.repeat(15_361)))).toMatch(/SecretData/);
  });
  it('version ids are at most 64 KMS characters', () => {
    expect(() => validateVersionId('v'.repeat(64))).not.toThrow();
    expect(codeOf(() => validateVersionId('v'.repeat(65)))).toMatch(/VersionId/);
    expect(codeOf(() => validateVersionId('v 1'))).toMatch(/VersionId/);
  });
  it('secret types are matched case-insensitively and Generic by default', () => {
    expect(validateSecretType(undefined)).toBe('Generic');
    expect(validateSecretType('rds')).toBe('Rds');
    expect(codeOf(() => validateSecretType('Mongo'))).toMatch(/SecretType/);
  });
  it('ExtendedConfig must be a JSON object, required for managed types', () => {
    expect(parseExtendedConfig(undefined, 'Generic')).toBeNull();
    expect(codeOf(() => parseExtendedConfig(undefined, 'Rds'))).toMatch(/^MissingParameter:.*ExtendedConfig/);
    expect(codeOf(() => parseExtendedConfig('{bad', 'Generic'))).toMatch(/ExtendedConfig.*not valid JSON/);
    expect(codeOf(() => parseExtendedConfig('[1]', 'Generic'))).toMatch(/JSON object/);
    expect(parseExtendedConfig('{"a":1}', 'Generic')).toEqual({ a: 1 });
  });
  it('tags: at most 20, no reserved prefixes, unique keys', () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    expect(codeOf(() => validateTags(many))).toMatch(/Tags/);
    expect(codeOf(() => validateTags([{ key: 'acs:x', value: '' }]))).toMatch(/Tags/);
    expect(codeOf(() => validateTags([{ key: 'a', value: '1' }, { key: 'a', value: '2' }]))).toMatch(/unique/);
  });
});
