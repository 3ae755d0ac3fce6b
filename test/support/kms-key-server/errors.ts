import { KmsError } from '../../../shared/domain/errors.js';

export { KmsError };

// Codes from the KMS "Responses" common-error table unless a comment says otherwise.
export const missingParameter = (name: string): KmsError =>
  new KmsError('MissingParameter', 400, `The parameter "${name}" is needed but not provided.`);

export const invalidParameter = (name: string): KmsError =>
  new KmsError('InvalidParameter', 400, `The specified parameter "${name}" is not valid.`);

export const illegalTimestamp = (): KmsError =>
  new KmsError('IllegalTimestamp', 400, 'The input parameter "Timestamp" that is required for processing this request is not supplied.');

export const incompleteSignature = (): KmsError =>
  new KmsError('IncompleteSignature', 400, 'The request signature does not conform to Alibaba Cloud standards.');

export const accessKeyNotFound = (): KmsError =>
  new KmsError('InvalidAccessKeyId.NotFound', 404, 'The AccessKey ID provided does not exist in our records.');

export const keyNotFound = (): KmsError => new KmsError('Forbidden.KeyNotFound', 404, 'The specified Key is not found.');

// The next codes are the Alibaba Cloud API gateway's (seen in SDK error tables), not in the KMS docs.
export const invalidSignatureMethod = (): KmsError =>
  new KmsError('InvalidSignatureMethod', 400, 'Specified signature method is not supported.');

export const signatureNonceUsed = (): KmsError =>
  new KmsError('SignatureNonceUsed', 400, 'Specified signature nonce was used already.');

export const missingSecurityToken = (): KmsError =>
  new KmsError('MissingSecurityToken', 400, 'The SecurityToken is needed but not provided.');

export const securityTokenMismatch = (): KmsError =>
  new KmsError('InvalidSecurityToken.MismatchWithAccessKey', 400, 'Specified SecurityToken mismatch with the AccessKey.');

export const actionNotFound = (): KmsError =>
  new KmsError('InvalidAction.NotFound', 404, 'Specified api is not found, please check your url and method.');

/**
 * The KMS docs name no code for a ciphertext that fails authentication (wrong EncryptionContext or a
 * tampered blob); this server answers Rejected.ValidationFailed.
 */
export const ciphertextValidationFailed = (): KmsError =>
  new KmsError('Rejected.ValidationFailed', 400, 'The ciphertext or its EncryptionContext failed validation.');
