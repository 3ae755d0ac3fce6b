import { describe, expect, it } from 'vitest';
import { KmsError } from '../../shared/domain/errors.js';
import { assertValidFilters, matchesFilters } from '../../shared/domain/list-filter.js';
import { makeSecret } from '../support/fixtures.js';

const thrownBy = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
};

const secret = makeSecret({
  name: 'prod/db/orders',
  description: 'Orders database account',
  type: 'Rds',
  tags: [
    { key: 'team', value: 'payments' },
    { key: 'env', value: 'prod' },
  ],
});

describe('matchesFilters', () => {
  it('matches everything when there are no filters', () => {
    expect(matchesFilters(secret, [])).toBe(true);
  });

  it('matches SecretName and Description by substring', () => {
    expect(matchesFilters(secret, [{ key: 'SecretName', values: ['db/ord'] }])).toBe(true);
    expect(matchesFilters(secret, [{ key: 'SecretName', values: ['staging'] }])).toBe(false);
    expect(matchesFilters(secret, [{ key: 'Description', values: ['database'] }])).toBe(true);
    expect(matchesFilters(secret, [{ key: 'Description', values: ['cache'] }])).toBe(false);
  });

  it('matches TagKey and TagValue exactly against any tag', () => {
    expect(matchesFilters(secret, [{ key: 'TagKey', values: ['env'] }])).toBe(true);
    expect(matchesFilters(secret, [{ key: 'TagKey', values: ['en'] }])).toBe(false);
    expect(matchesFilters(secret, [{ key: 'TagValue', values: ['payments'] }])).toBe(true);
    expect(matchesFilters(secret, [{ key: 'TagValue', values: ['pay'] }])).toBe(false);
  });

  it('does not match tag filters on a secret without tags', () => {
    const untagged = makeSecret({ tags: [] });
    expect(matchesFilters(untagged, [{ key: 'TagKey', values: ['env'] }])).toBe(false);
  });

  it('matches SecretType case-insensitively', () => {
    expect(matchesFilters(secret, [{ key: 'SecretType', values: ['RDS'] }])).toBe(true);
    expect(matchesFilters(secret, [{ key: 'SecretType', values: ['rds'] }])).toBe(true);
    expect(matchesFilters(secret, [{ key: 'SecretType', values: ['Generic'] }])).toBe(false);
    expect(matchesFilters(secret, [{ key: 'SecretType', values: ['Rd'] }])).toBe(false);
  });

  it('ORs the values of one filter', () => {
    expect(matchesFilters(secret, [{ key: 'SecretType', values: ['Generic', 'RDS'] }])).toBe(true);
    expect(matchesFilters(secret, [{ key: 'SecretType', values: ['Generic', 'ECS'] }])).toBe(false);
  });

  it('ANDs different filters', () => {
    const both = [
      { key: 'SecretType', values: ['RDS'] },
      { key: 'TagValue', values: ['prod'] },
    ];
    const oneFails = [
      { key: 'SecretType', values: ['RDS'] },
      { key: 'TagValue', values: ['staging'] },
    ];
    expect(matchesFilters(secret, both)).toBe(true);
    expect(matchesFilters(secret, oneFails)).toBe(false);
  });

  it('matches nothing for a filter with no values', () => {
    expect(matchesFilters(secret, [{ key: 'SecretName', values: [] }])).toBe(false);
  });

  it('rejects an unknown key with InvalidParameter naming Filters', () => {
    const call = () => matchesFilters(secret, [{ key: 'Owner', values: ['x'] }]);
    expect(call).toThrow(KmsError);
    expect(call).toThrow(/"Filters".*unsupported key "Owner"/);
    expect(thrownBy(call)).toMatchObject({ code: 'InvalidParameter', httpStatus: 400 });
  });

  it('rejects an unknown key even when an earlier filter already fails', () => {
    const filters = [
      { key: 'SecretName', values: ['no-such-name'] },
      { key: 'secretname', values: ['x'] },
    ];
    expect(() => matchesFilters(secret, filters)).toThrow(KmsError);
  });
});

describe('assertValidFilters', () => {
  it('accepts the supported keys and rejects others', () => {
    const keys = ['SecretName', 'Description', 'TagKey', 'TagValue', 'SecretType'];
    expect(() => assertValidFilters(keys.map((key) => ({ key, values: ['x'] })))).not.toThrow();
    expect(() => assertValidFilters([{ key: '__proto__', values: ['x'] }])).toThrow(KmsError);
  });
});
