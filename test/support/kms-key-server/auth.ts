import {
  accessKeyNotFound,
  illegalTimestamp,
  incompleteSignature,
  invalidParameter,
  invalidSignatureMethod,
  missingParameter,
  missingSecurityToken,
  securityTokenMismatch,
  signatureNonceUsed,
} from './errors.js';
import { isValidRpcSignatureV1 } from './signature.js';

export interface KmsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** When set, every request must carry exactly this SecurityToken (an STS credential). */
  securityToken?: string;
}

const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * Checks the common V1 parameters and the signature. The Timestamp is checked for form only: the
 * SDK stamps wall-clock time, and a skew check would make tests depend on it.
 */
export function authenticateRpcRequest(
  method: string,
  params: Record<string, string>,
  credentials: KmsCredentials,
  usedNonces: Set<string>,
): void {
  for (const name of ['AccessKeyId', 'Signature', 'SignatureNonce'] as const) {
    if (!params[name]) throw missingParameter(name);
  }
  if (params.SignatureMethod !== 'HMAC-SHA1') throw invalidSignatureMethod();
  if (params.SignatureVersion !== '1.0') throw invalidParameter('SignatureVersion');
  if (!TIMESTAMP_PATTERN.test(params.Timestamp ?? '')) throw illegalTimestamp();
  if (params.AccessKeyId !== credentials.accessKeyId) throw accessKeyNotFound();
  if (!isValidRpcSignatureV1(method, params, credentials.accessKeySecret)) throw incompleteSignature();
  if (credentials.securityToken !== undefined) {
    if (!params.SecurityToken) throw missingSecurityToken();
    if (params.SecurityToken !== credentials.securityToken) throw securityTokenMismatch();
  }
  const nonce = params.SignatureNonce ?? '';
  if (usedNonces.has(nonce)) throw signatureNonceUsed();
  usedNonces.add(nonce);
}
