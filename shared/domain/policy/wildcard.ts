/**
 * RAM wildcards: `*` matches any run of characters (also none, also `:` and `/`), `?` exactly one.
 * A linear-backtracking matcher instead of a RegExp, so a pattern full of `*` cannot make a
 * request slow.
 */
export const wildcardMatch = (pattern: string, value: string): boolean => {
  let p = 0;
  let v = 0;
  // Where the last `*` was seen in the pattern, and where in the value its match ends so far.
  let star = -1;
  let starEnd = 0;
  while (v < value.length) {
    const c = pattern[p];
    if (c === '*') {
      star = p++;
      starEnd = v;
    } else if (c !== undefined && (c === '?' || c === value[v])) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++starEnd;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
};

/** RAM compares action names without regard to case: `kms:getsecretvalue` is `kms:GetSecretValue`. */
export const actionMatches = (pattern: string, action: string): boolean =>
  wildcardMatch(pattern.toLowerCase(), action.toLowerCase());

/** Resource names are case-sensitive: `secret/App-*` does not match `secret/app-db`. */
export const resourceMatches = (pattern: string, resource: string): boolean => wildcardMatch(pattern, resource);
