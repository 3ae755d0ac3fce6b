/**
 * The request parameters of an RPC call: the query string merged with an
 * application/x-www-form-urlencoded body.
 *
 * When a name appears in both, the BODY wins. That is what the SDKs sign: @alicloud/rpc-client builds
 * the V1 string-to-sign from `{ ...query, ...body }`, so the merged view we act on is exactly the one
 * the signature covers. (SDK 1.2.0 sends everything in the query and no body; newer SDKs may use a
 * form body for long values.)
 */
import type { HttpRequest } from './types.js';
import { unparsableParameters } from './http-errors.js';

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

export type RequestParams = Record<string, string>;

export const mergeParams = (req: HttpRequest): RequestParams => {
  const merged: RequestParams = { ...req.query };
  Object.assign(merged, parseFormBody(req));
  return merged;
};

const parseFormBody = (req: HttpRequest): RequestParams => {
  if (req.body.length === 0) return {};
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType !== FORM_CONTENT_TYPE) {
    throw unparsableParameters(`the body must be ${FORM_CONTENT_TYPE}, not "${contentType || 'unspecified'}".`);
  }
  return parseForm(req.body.toString('utf8'));
};

/** Strict form decoding: malformed percent-escapes or invalid UTF-8 are rejected, not passed on garbled. */
export const parseForm = (text: string): RequestParams => {
  const out: RequestParams = {};
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    const name = decodeFormComponent(rawName);
    if (name === '') continue;
    out[name] = decodeFormComponent(rawValue);
  }
  return out;
};

const decodeFormComponent = (raw: string): string => {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw unparsableParameters('the body has a malformed percent-encoding.');
  }
};
