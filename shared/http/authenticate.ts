/**
 * Who is calling: checks the V1 (HMAC-SHA1 parameters) or V3 (ACS3-HMAC-SHA256 header) signature,
 * the timestamp window and the nonce. Cheap checks come first; the nonce is claimed only after the
 * signature is verified, so nobody can burn another caller's nonces.
 */
import type { Clock } from '../ports/clock.js';
import { invalidParameter, missingParameter } from '../domain/errors.js';
import type { AccessGrant, CredentialResolver, HttpRequest, NonceStore, ResolvedCredential } from './types.js';
import type { RequestParams } from './params.js';
import { V1_SIGNATURE_METHOD, V1_SIGNATURE_VERSION, verifyV1 } from './signature-v1.js';
import {
  CONTENT_SHA256_HEADER,
  isV3Request,
  parseV3Authorization,
  payloadHashMatches,
  verifyV3,
  type V3Authorization,
} from './signature-v3.js';
import {
  accessKeyInactive,
  accessKeyNotFound,
  illegalTimestamp,
  incompleteSignature,
  signatureDoesNotMatch,
  signatureNonceUsed,
  unsupportedSignatureMethod,
} from './http-errors.js';

/** How far a request's timestamp may be from the server clock, either way. */
export const TIMESTAMP_WINDOW_MS = 15 * 60 * 1000;
const MAX_NONCE_LENGTH = 256;

export interface AuthenticateDeps {
  credentials: CredentialResolver;
  nonces: NonceStore;
  clock: Clock;
}

export interface Caller {
  accessKeyId: string;
  principal: string;
  grant: AccessGrant;
}

export const authenticate = (req: HttpRequest, params: RequestParams, deps: AuthenticateDeps): Promise<Caller> =>
  isV3Request(req) ? authenticateV3(req, deps) : authenticateV1(req, params, deps);

/** The AccessKey ID the request claims, before any check; for audit records of failed calls. */
export const claimedAccessKeyId = (req: HttpRequest, params: RequestParams): string => {
  if (!isV3Request(req)) return params.AccessKeyId ?? '';
  const match = /Credential=([^,\s]*)/.exec(req.headers.authorization ?? '');
  return match?.[1] ?? '';
};

const authenticateV1 = async (req: HttpRequest, params: RequestParams, deps: AuthenticateDeps): Promise<Caller> => {
  const required = (name: string): string => {
    const value = params[name];
    if (value === undefined || value === '') throw missingParameter(name);
    return value;
  };
  const accessKeyId = required('AccessKeyId');
  required('Signature');
  if (required('SignatureMethod') !== V1_SIGNATURE_METHOD) {
    throw unsupportedSignatureMethod('SignatureMethod', V1_SIGNATURE_METHOD);
  }
  if (required('SignatureVersion') !== V1_SIGNATURE_VERSION) {
    throw invalidParameter('SignatureVersion', `only ${V1_SIGNATURE_VERSION} is supported.`);
  }
  const nonce = checkNonceFormat('SignatureNonce', required('SignatureNonce'));
  const timestamp = checkTimestamp('Timestamp', required('Timestamp'), deps.clock.now());

  const credential = await resolve(deps, accessKeyId);
  if (!verifyV1(req.method, params, credential.accessKeySecret)) throw signatureDoesNotMatch();
  return admit(deps, accessKeyId, credential, nonce, timestamp);
};

const authenticateV3 = async (req: HttpRequest, deps: AuthenticateDeps): Promise<Caller> => {
  const auth = parseV3Authorization(req.headers.authorization ?? '');
  checkSignedHeaders(req, auth);
  if (!payloadHashMatches(req)) {
    throw signatureDoesNotMatch(`The ${CONTENT_SHA256_HEADER} header does not match the request body.`);
  }
  const nonce = checkNonceFormat('x-acs-signature-nonce', req.headers['x-acs-signature-nonce'] ?? '');
  const timestamp = checkTimestamp('x-acs-date', req.headers['x-acs-date'] ?? '', deps.clock.now());

  const credential = await resolve(deps, auth.accessKeyId);
  if (!verifyV3(req, auth, credential.accessKeySecret)) throw signatureDoesNotMatch();
  return admit(deps, auth.accessKeyId, credential, nonce, timestamp);
};

/**
 * After a verified signature: a disabled key is refused (only its holder learns that it is
 * disabled), and an active key's nonce is claimed.
 */
const admit = async (
  deps: AuthenticateDeps,
  accessKeyId: string,
  credential: ResolvedCredential,
  nonce: string,
  timestamp: number,
): Promise<Caller> => {
  if (credential.status !== 'Active') throw accessKeyInactive();
  await claimNonce(deps, accessKeyId, nonce, timestamp);
  return { accessKeyId, principal: credential.principal, grant: credential.grant };
};

/**
 * Headers that decide what the request means must be covered by the signature: the replay guards
 * always, and x-acs-action / x-acs-version whenever they are sent (V3 clients name the action there).
 */
const checkSignedHeaders = (req: HttpRequest, auth: V3Authorization): void => {
  const mustSign = ['x-acs-date', 'x-acs-signature-nonce', CONTENT_SHA256_HEADER];
  for (const name of mustSign) {
    if (!req.headers[name]) throw incompleteSignature(`the header "${name}" is missing.`);
  }
  for (const name of ['x-acs-action', 'x-acs-version']) {
    if (req.headers[name] !== undefined) mustSign.push(name);
  }
  for (const name of mustSign) {
    if (!auth.signedHeaders.includes(name)) throw incompleteSignature(`the header "${name}" is not signed.`);
  }
  for (const name of auth.signedHeaders) {
    // hasOwn: the caller names these; `constructor` or `__proto__` must not find Object.prototype's.
    if (!Object.hasOwn(req.headers, name)) throw incompleteSignature(`the signed header "${name}" is missing.`);
  }
};

const TIMESTAMP_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

const checkTimestamp = (name: string, value: string, now: number): number => {
  const at = TIMESTAMP_FORM.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at) || Math.abs(now - at) > TIMESTAMP_WINDOW_MS) throw illegalTimestamp(name);
  return at;
};

const checkNonceFormat = (name: string, nonce: string): string => {
  if (nonce.length > MAX_NONCE_LENGTH) throw invalidParameter(name, `longer than ${MAX_NONCE_LENGTH} characters.`);
  return nonce;
};

/** What an AccessKey ID can look like; anything else is unknown without asking the store. */
const ACCESS_KEY_ID_FORM = /^[A-Za-z0-9._-]{1,128}$/;

const resolve = async (deps: AuthenticateDeps, accessKeyId: string) => {
  if (!ACCESS_KEY_ID_FORM.test(accessKeyId)) throw accessKeyNotFound();
  const credential = await deps.credentials(accessKeyId);
  if (!credential) throw accessKeyNotFound();
  return credential;
};

/**
 * A nonce is remembered for the whole time its request could still pass the timestamp check
 * (and at least the window length from now, to tolerate clock skew between instances).
 * Nonces are scoped per AccessKey.
 */
const claimNonce = async (deps: AuthenticateDeps, accessKeyId: string, nonce: string, timestamp: number) => {
  const now = deps.clock.now();
  const expiresAt = Math.max(now, timestamp) + TIMESTAMP_WINDOW_MS;
  if (!(await deps.nonces.claimNonce(`${accessKeyId}/${nonce}`, expiresAt, now))) throw signatureNonceUsed();
};
