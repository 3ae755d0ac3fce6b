/**
 * What `import()` of a CommonJS package resolves to depends on the loader: its exports under
 * `default` (Node's ESM loader) or the exports themselves (a CommonJS bundle). Either way, this
 * returns the exports.
 */
export const commonJsExports = <T>(imported: unknown): T => ((imported as { default?: T }).default ?? imported) as T;
