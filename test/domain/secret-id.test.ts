import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KmsError } from '../../shared/domain/errors.js';
import { isSecretName, resolveSecretReference, secretIdOf } from '../../shared/domain/secret-id.js';

const scope = { region: 'cn-hangzhou', accountId: '1234567890' };
const arn = (name: string, region = scope.region, account = scope.accountId) => `acs:kms:${region}:${account}:secret/${name}`;

const outcome = (reference: string | undefined): string => {
  try {
    return `id:${resolveSecretReference(reference, scope)}`;
  } catch (e) {
    if (e instanceof KmsError) return e.code;
    throw e;
  }
};

const nameChar = fc.constantFrom(...'abcXYZ019_/+=.@-');
const validName = fc.string({ unit: nameChar, minLength: 1, maxLength: 192 });

describe('resolving a secret reference', () => {
  it('a plain name is its own identity; our ARN of it resolves to the same identity', () => {
    fc.assert(
      fc.property(validName, (name) => {
        expect(outcome(name)).toBe(`id:${name}`);
        expect(outcome(arn(name))).toBe(`id:${name}`);
      }),
    );
  });

  it('an ARN of another region or account names nothing here', () => {
    expect(outcome(arn('app/db', 'cn-shanghai'))).toBe('Forbidden.ResourceNotFound');
    expect(outcome(arn('app/db', scope.region, '42'))).toBe('Forbidden.ResourceNotFound');
  });

  it('an ARN nested in an ARN is refused, not unwrapped layer by layer', () => {
    const nested = arn(`${arn('app-zzz', 'X', '')}:secret/ops-db`);
    expect(outcome(nested)).toBe('InvalidParameter');
    expect(outcome(arn(arn('ops-db')))).toBe('InvalidParameter');
    // Five fields, so ARN-shaped: an account named "secret/app-zzz" in region X, which is not ours.
    expect(outcome(`acs:kms:X:secret/app-zzz:secret/ops-db`)).toBe('Forbidden.ResourceNotFound');
  });

  it('whatever the reference, the identity it resolves to passes the name grammar, and only our own ARN of a name unwraps', () => {
    const reference = fc.oneof(
      fc.string(),
      validName,
      validName.map((n) => arn(n)),
      fc.tuple(fc.string(), fc.string(), fc.string()).map(([r, a, n]) => arn(n, r, a)),
      fc.tuple(validName, validName).map(([a, b]) => arn(`${arn(a)}:secret/${b}`)),
      validName.map((n) => arn(n).toUpperCase()),
    );
    fc.assert(
      fc.property(reference, (ref) => {
        const result = outcome(ref);
        if (!result.startsWith('id:')) return;
        const id = result.slice(3);
        expect(isSecretName(id)).toBe(true);
        expect(ref === id || ref === arn(id)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('names outside the grammar are refused as such, never looked up', () => {
    for (const bad of ['has space', 'a:b', 'a'.repeat(193), 'ACS:KMS:cn-hangzhou:1234567890:secret/x', 'app%2Fdb', '__proto__x\u0000'])
      expect(outcome(bad)).toBe('InvalidParameter');
    expect(outcome('')).toBe('MissingParameter');
    expect(outcome(undefined)).toBe('MissingParameter');
  });

  it('secretIdOf checks the grammar too', () => {
    expect(secretIdOf('app/db')).toBe('app/db');
    expect(() => secretIdOf('a:b')).toThrow(KmsError);
  });
});
