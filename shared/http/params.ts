/**
 * The request parameters of an RPC call: the query string merged with an
 * application/x-www-form-urlencoded body.
 *
 * When a name appears in both, the BODY wins. That is what the SDKs sign: @alicloud/rpc-client builds
 * the V1 string-to-sign from `{ ...query, ...body }`, so the merged view we act on is exactly the one
 * the signature covers. (SDK 1.2.0 sends everything in the query and no body; newer SDKs may use a
 * form body for long values.)
 *
 * Parsing is bounded (request-limits.ts): the body's size is checked before it is decoded, and the
 * pairs are counted as they are parsed, so a body of a million pairs costs 65 of them, not a million.
 * The objects built here have no prototype: a parameter named `__proto__` or `constructor` is a
 * parameter like any other, never a property of Object.prototype.
 */
import { ownRecord } from '../domain/own-record.js';
import type { HttpRequest } from './types.js';
import { parameterNameTooLong, requestBodyTooLarge, tooManyParameters, unparsableParameters } from './http-errors.js';
import { KMS_API_BUDGET, type ParamBudget, type RequestBudget } from './request-limits.js';

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

export type RequestParams = Record<string, string>;

/** Prototype-free (domain/own-record.ts): a parameter named `__proto__` is a parameter like any other. */
export const emptyParams = (): RequestParams => ownRecord<string>();

/** The query's parameters, then the body's over them; `budget` bounds the two together. */
export const mergeParams = (req: HttpRequest, budget: RequestBudget = KMS_API_BUDGET): RequestParams => {
  const merged = emptyParams();
  let counted = 0;
  for (const name in req.query) {
    if (!Object.hasOwn(req.query, name)) continue;
    if (++counted > budget.maxParams) throw tooManyParameters(budget.maxParams);
    if (name.length > budget.maxNameLength) throw parameterNameTooLong(budget.maxNameLength);
    merged[name] = req.query[name] as string;
  }
  if (req.body.length === 0) return merged;
  if (req.body.length > budget.maxBodyBytes) throw requestBodyTooLarge(budget.maxBodyBytes);
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType !== FORM_CONTENT_TYPE) {
    throw unparsableParameters(`the body must be ${FORM_CONTENT_TYPE}, not "${contentType || 'unspecified'}".`);
  }
  forEachPair(req.body.toString('utf8'), budget, counted, decodeFormComponent, (name, value) => {
    if (name !== '') merged[name] = value;
  });
  return merged;
};

/** Strict form decoding: malformed percent-escapes or invalid UTF-8 are rejected, not passed on garbled. */
export const parseForm = (text: string, budget: ParamBudget = KMS_API_BUDGET): RequestParams => {
  const out = emptyParams();
  forEachPair(text, budget, 0, decodeFormComponent, (name, value) => {
    if (name !== '') out[name] = value;
  });
  return out;
};

/**
 * Walks `name=value&name=value` one pair at a time, calling `each` with the decoded name and value.
 * Counts as it goes, starting from `counted` (pairs already taken, from the query string say): the
 * pair past `budget.maxParams` ends the walk with TooManyParameters, before the rest of the text is
 * looked at; a name past `budget.maxNameLength` ends it with ParameterNameTooLong, checked on the
 * raw text before it is decoded. Empty segments (`&&`) are not pairs. Returns the pairs counted.
 * Linear in the text: no search looks past the pair it is in more than once.
 */
export const forEachPair = (
  text: string,
  budget: ParamBudget,
  counted: number,
  decode: (raw: string) => string,
  each: (name: string, value: string) => void,
): number => {
  let count = counted;
  // The next '=' at or after `start`; found once and reused until the walk passes it.
  let nextEquals = -1;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    if (end > start) {
      if (++count > budget.maxParams) throw tooManyParameters(budget.maxParams);
      if (nextEquals < start) {
        nextEquals = text.indexOf('=', start);
        if (nextEquals < 0) nextEquals = text.length;
      }
      const nameEnd = nextEquals < end ? nextEquals : end;
      // A decoded character takes at most 9 encoded ones (%XX%XX%XX), so a raw name past that is too long.
      if (nameEnd - start > budget.maxNameLength * 9) throw parameterNameTooLong(budget.maxNameLength);
      const name = decode(text.slice(start, nameEnd));
      if (name.length > budget.maxNameLength) throw parameterNameTooLong(budget.maxNameLength);
      each(name, nameEnd < end ? decode(text.slice(nameEnd + 1, end)) : '');
    }
    start = end + 1;
  }
  return count;
};

const decodeFormComponent = (raw: string): string => {
  const spaced = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    throw unparsableParameters('the body has a malformed percent-encoding.');
  }
};

/**
 * Lenient decoding, as URLSearchParams decodes (and as FC decodes a query string): a malformed
 * escape is kept as written, invalid UTF-8 becomes U+FFFD. For the query string and the console's forms.
 */
export const decodeLenient = (raw: string): string => {
  const spaced = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // `raw` holds no '&' (pairs are split on it) and a value may hold '=': URLSearchParams reads it whole.
    return new URLSearchParams(`v=${raw}`).get('v') ?? '';
  }
};
