import { invalidParameter } from './errors.js';

/**
 * RPC parameters from the query string merged with a form-encoded body. On a clash the body wins,
 * the same precedence `@alicloud/rpc-client` uses when it signs.
 */
export function mergeRpcParams(url: string, contentType: string | undefined, body: string): Record<string, string> {
  const queryStart = url.indexOf('?');
  const params: Record<string, string> = {};
  if (queryStart >= 0) Object.assign(params, Object.fromEntries(new URLSearchParams(url.slice(queryStart + 1))));
  if (body !== '' && (contentType ?? '').startsWith('application/x-www-form-urlencoded')) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
  }
  return params;
}

export type EncryptionContext = Record<string, string>;

const PREFIX = 'EncryptionContext.';

/**
 * The API documents EncryptionContext as a JSON object string. `@alicloud/kms20160120` 1.2.0 instead
 * flattens a map argument into `EncryptionContext.<key>=<value>` parameters; both forms are accepted
 * and mean the same context.
 */
export function readEncryptionContext(params: Record<string, string>): EncryptionContext {
  const context: EncryptionContext = {};
  const json = params.EncryptionContext;
  if (json !== undefined && json !== '') Object.assign(context, parseContextJson(json));
  for (const [name, value] of Object.entries(params)) {
    if (name.startsWith(PREFIX)) context[name.slice(PREFIX.length)] = value;
  }
  return context;
}

function parseContextJson(json: string): EncryptionContext {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw invalidParameter('EncryptionContext');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidParameter('EncryptionContext');
  const context: EncryptionContext = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'object' && value !== null) throw invalidParameter('EncryptionContext');
    context[key] = String(value);
  }
  return context;
}

/** One byte sequence per context, whatever order or form the keys arrived in. */
export function canonicalEncryptionContext(context: EncryptionContext): string {
  return JSON.stringify(Object.keys(context).sort().map((key) => [key, context[key]]));
}
