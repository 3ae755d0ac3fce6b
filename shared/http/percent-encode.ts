/**
 * RFC 3986 percent-encoding as both Alibaba signature versions use it: every byte except
 * A-Z a-z 0-9 - _ . ~ is encoded, so space is %20 and * is %2A.
 */
export const percentEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
