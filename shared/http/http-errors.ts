/**
 * Errors of the RPC gateway itself (authentication, routing, parsing), with the codes and messages
 * Alibaba Cloud's POP gateway uses. They name parameters and headers, never values or secrets.
 */
import { KmsError } from '../domain/errors.js';

export const incompleteSignature = (detail: string): KmsError =>
  new KmsError('IncompleteSignature', 400, `The request signature does not conform to Alibaba Cloud standards: ${detail}`);

export const signatureDoesNotMatch = (detail?: string): KmsError =>
  new KmsError(
    'SignatureDoesNotMatch',
    400,
    `Specified signature is not matched with our calculation.${detail ? ` ${detail}` : ''}`,
  );

export const accessKeyNotFound = (): KmsError =>
  new KmsError('InvalidAccessKeyId.NotFound', 404, 'The AccessKey ID provided does not exist in our records.');

export const illegalTimestamp = (name: string): KmsError =>
  new KmsError(
    'IllegalTimestamp',
    400,
    `The parameter "${name}" is not a UTC time in yyyy-MM-ddTHH:mm:ssZ form or is more than 15 minutes away from the server time.`,
  );

export const signatureNonceUsed = (): KmsError =>
  new KmsError('SignatureNonceUsed', 400, 'Specified signature nonce was used already.');

export const unsupportedSignatureMethod = (name: string, supported: string): KmsError =>
  new KmsError('InvalidParameter', 400, `The parameter "${name}" is invalid: only ${supported} is supported.`);

/*
 * Alibaba's gateway answers an unknown action with InvalidAction.NotFound. Its HTTP status is not in
 * the KMS docs; third-party emulators and observed responses use 404, so we do too.
 */
export const actionNotFound = (): KmsError =>
  new KmsError('InvalidAction.NotFound', 404, 'Specified api is not found, please check your url and method.');

export const invalidVersion = (): KmsError =>
  new KmsError('InvalidVersion', 400, 'Specified parameter Version is not valid.');

export const unsupportedHttpMethod = (): KmsError =>
  new KmsError('UnsupportedHTTPMethod', 403, 'This http method is not supported.');

export const unparsableParameters = (detail: string): KmsError =>
  new KmsError('ParseRequestParameterException', 400, `The request parameters cannot be parsed: ${detail}`);

/*
 * A disabled (Inactive) AccessKey. Alibaba Cloud's gateway answers InvalidAccessKeyId.Inactive for
 * one; its HTTP status is not in the KMS docs, and 403 says "refused, do not retry" to every client.
 */
export const accessKeyInactive = (): KmsError =>
  new KmsError('InvalidAccessKeyId.Inactive', 403, 'Specified access key is disabled.');

/** Names the action and the resource (a secret's name at most), never a value. */
export const noPermission = (action: string, resource: string): KmsError =>
  new KmsError(
    'Forbidden.NoPermission',
    403,
    `This operation is forbidden by permission system: the caller may not perform ${action} on ${resource}.`,
  );

/*
 * Request limits (request-limits.ts), checked before any authentication. The codes name the limit;
 * the messages give the number, never a name or value from the request.
 */
export const requestBodyTooLarge = (maxBytes: number): KmsError =>
  new KmsError('RequestBodyTooLarge', 413, `The request body is larger than the ${maxBytes} bytes accepted here.`);

export const tooManyParameters = (maxParams: number): KmsError =>
  new KmsError('TooManyParameters', 400, `The request has more than the ${maxParams} parameters accepted here.`);

export const parameterNameTooLong = (maxLength: number): KmsError =>
  new KmsError('ParameterNameTooLong', 400, `A parameter name is longer than the ${maxLength} characters accepted here.`);

/** The same code and status as the local server's answer to a request line and headers past Node's limit. */
export const requestHeadTooLarge = (): KmsError =>
  new KmsError('RequestHeaderFieldsTooLarge', 431, 'The request line and headers are larger than the server accepts.');

const REQUEST_LIMIT_CODES: ReadonlySet<string> = new Set(['RequestBodyTooLarge', 'TooManyParameters', 'ParameterNameTooLong', 'RequestHeaderFieldsTooLarge']);

/** One of the four above: the request was refused for its size, before anything else was looked at. */
export const isRequestLimitError = (e: unknown): e is KmsError => e instanceof KmsError && REQUEST_LIMIT_CODES.has(e.code);
