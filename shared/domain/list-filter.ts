/**
 * KMS ListSecrets filters. Values of one filter are ORed, separate filters are ANDed.
 * Kept in the domain so every store filters the same way, whatever it can push down to its engine.
 */
import { invalidParameter } from './errors.js';
import type { SecretRecord } from './secret.js';
import type { ListFilter } from '../ports/secret-store.js';

type ValueMatcher = (secret: SecretRecord, value: string) => boolean;

const MATCHERS: Record<string, ValueMatcher> = {
  SecretName: (secret, value) => secret.name.includes(value),
  Description: (secret, value) => secret.description.includes(value),
  TagKey: (secret, value) => secret.tags.some((tag) => tag.key === value),
  TagValue: (secret, value) => secret.tags.some((tag) => tag.value === value),
  // KMS documents the filter value as "RDS" while the secret type is "Rds".
  SecretType: (secret, value) => secret.type.toLowerCase() === value.toLowerCase(),
};

export const FILTER_KEYS: readonly string[] = Object.keys(MATCHERS);

/**
 * Throws InvalidParameter for a filter key we do not support. Stores call it before reading any
 * row, so a bad filter fails the same way on an empty store as on a full one.
 */
export const assertValidFilters = (filters: ListFilter[]): void => {
  for (const filter of filters) {
    if (!Object.hasOwn(MATCHERS, filter.key)) {
      throw invalidParameter('Filters', `unsupported key "${filter.key}"; supported keys are ${FILTER_KEYS.join(', ')}.`);
    }
  }
};

export const matchesFilters = (secret: SecretRecord, filters: ListFilter[]): boolean => {
  assertValidFilters(filters);
  return filters.every((filter) => {
    const matches = MATCHERS[filter.key] as ValueMatcher;
    return filter.values.some((value) => matches(secret, value));
  });
};
