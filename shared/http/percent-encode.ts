/**
 * RFC 3986 percent-encoding as both Alibaba signature versions use it: every byte except
 * A-Z a-z 0-9 - _ . ~ is encoded, so space is %20 and * is %2A.
 */
const RESERVED_BY_RFC3986 = /[!'()*]/;
const RESERVED_GLOBAL = /[!'()*]/g;

export const percentEncode = (value: string): string => {
  // Few values hold any of these: one test is cheaper than a replace pass over every value.
  const encoded = encodeURIComponent(value);
  return RESERVED_BY_RFC3986.test(encoded) ? encoded.replace(RESERVED_GLOBAL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : encoded;
};
