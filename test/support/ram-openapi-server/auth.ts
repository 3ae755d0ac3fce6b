/**
 * V3 (ACS3-HMAC-SHA256) authentication of one request, with the shared server-side verifier. The
 * caller is the manager's key or a key this server issued to a RAM user: an unknown or deleted key
 * is refused as not found, a wrong signature as not matching, an Inactive key (after its signature
 * checked out, so only its holder learns it is disabled) as disabled.
 */
import {
  accessKeyInactive,
  accessKeyNotFound,
  incompleteSignature,
  signatureDoesNotMatch,
  signatureNonceUsed,
} from '../../../shared/http/http-errors.js';
import { parseV3Authorization, payloadHashMatches, verifyV3 } from '../../../shared/http/signature-v3.js';
import type { HttpRequest } from '../../../shared/http/types.js';
import type { RamState } from './state.js';

export interface ManagerKey {
  accessKeyId: string;
  accessKeySecret: string;
}

export type Caller = { kind: 'manager' } | { kind: 'user'; userName: string; accessKeyId: string };

/** Headers the SDK always signs; a request that leaves one out could be altered in transit. */
const REQUIRED_SIGNED = ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'];

export const authenticate = (req: HttpRequest, manager: ManagerKey, state: RamState, usedNonces: Set<string>): Caller => {
  const auth = parseV3Authorization(req.headers.authorization ?? '');
  for (const name of REQUIRED_SIGNED) {
    if (!auth.signedHeaders.includes(name)) throw incompleteSignature(`the header ${name} is not signed.`);
  }
  if (!payloadHashMatches(req)) throw incompleteSignature('x-acs-content-sha256 does not match the body.');
  const issued = auth.accessKeyId === manager.accessKeyId ? undefined : state.keyForSigning(auth.accessKeyId);
  const secret = auth.accessKeyId === manager.accessKeyId ? manager.accessKeySecret : issued?.accessKeySecret;
  if (secret === undefined) throw accessKeyNotFound();
  if (!verifyV3(req, auth, secret)) throw signatureDoesNotMatch();
  if (issued && issued.status !== 'Active') throw accessKeyInactive();
  const nonce = req.headers['x-acs-signature-nonce'] ?? '';
  if (usedNonces.has(nonce)) throw signatureNonceUsed();
  usedNonces.add(nonce);
  return issued ? { kind: 'user', userName: issued.userName, accessKeyId: issued.accessKeyId } : { kind: 'manager' };
};
