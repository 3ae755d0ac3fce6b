/**
 * Records keyed by caller input: stage labels, request parameter and header names.
 *
 * An ordinary object answers `constructor`, `toString` or `__proto__` from Object.prototype, and
 * assigning to `__proto__` replaces its prototype instead of storing a value. So a label or a
 * parameter that happens to share a name with an Object.prototype member would be read as a
 * function (a 500 further down) or dropped without a word. Records built here have no prototype,
 * and lookups here see own entries only, so such a name is an ordinary key like any other.
 *
 * Plain records rather than Maps: they are stored and sent as JSON, and JSON.parse already gives
 * every key, `__proto__` included, as an own property; only building and reading need care.
 */
export type OwnRecord<V> = Record<string, V>;

/** A prototype-free record of `entries`; a later entry with the same key replaces an earlier one. */
export const ownRecord = <V>(entries: Iterable<readonly [string, V]> = []): OwnRecord<V> => {
  const out = Object.create(null) as OwnRecord<V>;
  for (const [key, value] of entries) out[key] = value;
  return out;
};

/** The value stored under `key`, never one inherited from a prototype. */
export const ownValue = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** A prototype-free copy of `record` with `key` set to `value`. */
export const withEntry = <V>(record: Readonly<Record<string, V>>, key: string, value: V): OwnRecord<V> =>
  ownRecord([...Object.entries(record), [key, value]]);

/** A prototype-free copy of `record` without `key`. */
export const withoutEntry = <V>(record: Readonly<Record<string, V>>, key: string): OwnRecord<V> =>
  ownRecord(Object.entries(record).filter(([k]) => k !== key));
