/**
 * What one request may cost before anything about it is authenticated: how many bytes of body, how
 * many parameters, how long a parameter name. Fitted to the largest request a function legitimately
 * takes, and checked as early as the request allows: the local server before it reads a body (by
 * Content-Length) and while it reads one (chunked), the FC event decoder before any parsing of the
 * parameters, and the parameter parsers while they parse (they stop at the first pair too many,
 * never splitting the whole text first). A request past a limit gets a 4xx naming the limit
 * (see http-errors.ts) and nothing else is done with it.
 */
import {
  MAX_DESCRIPTION_CHARS,
  MAX_EXTENDED_CONFIG_CHARS,
  MAX_SECRET_DATA_BYTES,
  MAX_TAG_CHARS,
  MAX_TAGS,
} from '../domain/validation.js';

/** The parameter part of a budget: what the parsers count while they parse. */
export interface ParamBudget {
  /** Name=value pairs of one request, the query string's and the body's together, repeats included. */
  readonly maxParams: number;
  /** Characters of one decoded parameter name. */
  readonly maxNameLength: number;
}

export interface RequestBudget extends ParamBudget {
  /** Bytes of request body, as sent (form-encoded, before any decoding). */
  readonly maxBodyBytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The request line and headers together, on the local server (Node's maxHeaderSize) and in an FC
 * HTTP event (query parameters and headers, names and values). The KMS SDK on npm sends every
 * parameter in the query string, so a SecretData at KMS's limit (30,720 bytes, up to three times that
 * percent-encoded) arrives there: Node's default of 16 KiB would drop such a request.
 */
export const MAX_REQUEST_HEAD_BYTES = 256 * KiB;

/** Node's default maxHeadersCount; the FC event check holds the cloud path to the same. */
export const MAX_HEADER_COUNT = 2000;

/** A byte percent-encoded (%XX). */
const PERCENT_ENCODED = 3;
/** The most UTF-8 bytes one UTF-16 unit takes (a surrogate pair is 2 units, 4 bytes). */
const UTF8_PER_CHAR = 3;
/** `{"TagKey":"","TagValue":""},` around one tag's key and value in the Tags JSON. */
const TAG_JSON_FRAMING = 29;
/**
 * Everything else of CreateSecret, generously: SecretName as an ARN, VersionId, SecretType,
 * SecretDataType, EncryptionKeyId, the rotation parameters, the common parameters (Action, Version,
 * Format, RegionId, AccessKeyId, Timestamp, SignatureNonce up to 256, SignatureMethod,
 * SignatureVersion, Signature), an STS SecurityToken, and every name, `=` and `&`, percent-encoded.
 */
const OTHER_PARAMETERS_BYTES = 8 * KiB;

/**
 * The largest request a KMS action legitimately sends, form-encoded at worst (every byte
 * percent-encoded): CreateSecret with every parameter at its limit.
 *   SecretData      30,720 bytes x 3                          =  92,160
 *   ExtendedConfig   1,024 chars x 3 bytes x 3                 =   9,216
 *   Description      1,024 chars x 3 bytes x 3                 =   9,216
 *   Tags             20 x (2 x 128 chars x 3 bytes + 29) x 3   =  47,820
 *   the rest (see OTHER_PARAMETERS_BYTES)                      =   8,192
 *                                                              = 166,604 bytes
 * (PutAccessKeyPolicy, the largest admin request, is a 6,144-character PolicyDocument: ~56 KB.)
 */
export const LARGEST_KMS_REQUEST_BYTES =
  MAX_SECRET_DATA_BYTES * PERCENT_ENCODED +
  (MAX_EXTENDED_CONFIG_CHARS + MAX_DESCRIPTION_CHARS) * UTF8_PER_CHAR * PERCENT_ENCODED +
  MAX_TAGS * (2 * MAX_TAG_CHARS * UTF8_PER_CHAR + TAG_JSON_FRAMING) * PERCENT_ENCODED +
  OTHER_PARAMETERS_BYTES;

/**
 * The KMS API (api, create, rotate, restore, schedule-delete): 256 KiB of body, half again the worst
 * legit request above and the same as the request line may carry. KMS actions take at most 11
 * parameters of their own and the signature about 12 more, so 64 pairs is room to spare; the
 * longest name any of them has is 23 characters (EnableAutomaticRotation).
 */
export const KMS_API_BUDGET: RequestBudget = {
  maxBodyBytes: 256 * KiB,
  maxParams: 64,
  maxNameLength: 128,
};

/**
 * The console: its largest form is a Create Secret wizard step, which carries the secret value
 * (up to 92,160 bytes percent-encoded) beside the sealed draft that holds the same value JSON-escaped
 * (a control character is 6 bytes there), encrypted and base64url-encoded (x 4/3): ~350 KB at the
 * very worst, so 512 KiB. Its forms have fewer than 40 fields.
 */
export const CONSOLE_BUDGET: RequestBudget = {
  maxBodyBytes: 512 * KiB,
  maxParams: 64,
  maxNameLength: 128,
};

/**
 * The local invoke path (POST /2023-03-30/functions/<fn>/invocations, loopback only): the body is
 * the event, parsed as JSON in one go by the function. Timer, queue (a batch is 10 of our small step
 * messages) and topic events are a few KB; 256 KiB keeps the parse of any JSON that size to a
 * few tens of milliseconds. An HTTP event carrying a very large KMS request belongs on the HTTP
 * trigger (POST / or /fn/<name>), which takes it.
 */
export const INVOKE_MAX_BODY_BYTES = 256 * KiB;

/**
 * What a function that takes more than HTTP requests accepts as a raw event before parsing it: a
 * queue batch of 10 MNS messages of up to 64 KB, base64 inside CloudEvents, is about 1 MB.
 */
export const MAX_EVENT_BYTES = 4 * MiB;

/**
 * What a raw event may hold before it is parsed: JSON.parse of text that is mostly structure (a
 * hundred thousand keys, or arrays nested a hundred thousand deep) costs about a millisecond per
 * thousand values, whatever its size in bytes. The largest legit event is an HTTP event with Node's
 * 2,000 headers and 64 parameters; a queue batch holds a few hundred values. Counted (`{`, `[` and
 * `,` outside strings) before JSON.parse is called.
 */
export const MAX_EVENT_JSON_VALUES = 4096;

/** Bytes of base64 text for `bytes` bytes of data. */
export const base64Length = (bytes: number): number => Math.ceil(bytes / 3) * 4;

/**
 * The largest raw FC HTTP event (JSON) of a request within `budget`: the body base64-encoded, the
 * request line and headers JSON-escaped (a `"` or `\` doubles), and the fixed fields. An HTTP-only
 * function refuses a larger event before it parses it.
 */
export const maxHttpEventBytes = (budget: RequestBudget): number =>
  base64Length(budget.maxBodyBytes) + 2 * MAX_REQUEST_HEAD_BYTES + 64 * KiB;

/** Bytes of data in `text` as base64 (whitespace and stray characters are ignored by the decoder, so at most this). */
export const base64DataLength = (text: string): number => {
  let padding = 0;
  if (text.endsWith('==')) padding = 2;
  else if (text.endsWith('=')) padding = 1;
  return Math.max(0, Math.floor((text.length * 3) / 4) - padding);
};
