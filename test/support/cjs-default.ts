/**
 * CommonJS packages built with `exports.default = X` reach ESM code wrapped in one or two `default`
 * layers depending on the loader (tsx, vitest). Returns the first layer that `looksRight`.
 */
export const unwrapCjsDefault = <T>(namespace: unknown, looksRight: (candidate: unknown) => boolean, what: string): T => {
  const mod = namespace as { default?: { default?: unknown } } | undefined;
  const found = [mod?.default, mod?.default?.default, mod].find(looksRight);
  if (found === undefined) throw new Error(`${what} has no usable default export`);
  return found as T;
};
