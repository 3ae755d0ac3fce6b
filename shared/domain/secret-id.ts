/**
 * A secret's canonical identity: the name it is stored under. Callers may refer to a secret by
 * name or by ARN (`acs:kms:<region>:<account>:secret/<name>`, how KMS addresses a secret across
 * accounts); the reference is resolved once, where the request enters, and everything after
 * (authorization, the use case, the store, the audit record, events) works on the SecretId.
 * The brand makes the compiler refuse a raw string where an identity is expected, so nothing
 * below the edge can parse a reference a second way.
 */
import { invalidParameter, missingParameter, secretNotFound } from './errors.js';

declare const secretIdBrand: unique symbol;
export type SecretId = string & { readonly [secretIdBrand]: true };

export const MAX_SECRET_NAME_LENGTH = 192;
/** KMS's name grammar; no `:`, so a name can never be read as an ARN, nor an ARN hide another. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_/+=.@-]+$/;

export interface SecretScope {
  region: string;
  accountId: string;
}

const ARN_PREFIX = 'acs:kms:';
const ARN_RESOURCE_PREFIX = 'secret/';

export const isSecretName = (name: string): boolean =>
  name.length > 0 && name.length <= MAX_SECRET_NAME_LENGTH && SECRET_NAME_PATTERN.test(name);

/** A name that already passes the grammar, as an identity; for names the service itself holds. */
export const secretIdOf = (name: string): SecretId => {
  if (!isSecretName(name)) throw notAReference();
  return name as SecretId;
};

/**
 * The identity a caller's SecretName parameter refers to. An ARN of another region or account
 * names a secret this service does not hold (404); anything that is neither a name nor a
 * well-formed secret ARN is refused as such (400). The value is never quoted back: it is the
 * caller's input and may be anything.
 */
export const resolveSecretReference = (reference: string | undefined, scope: SecretScope): SecretId => {
  if (reference === undefined || reference === '') throw missingParameter('SecretName');
  if (!reference.startsWith(ARN_PREFIX)) return secretIdOf(reference);
  const parts = reference.split(':');
  const [, , region, accountId, resource = ''] = parts;
  if (parts.length !== 5 || !resource.startsWith(ARN_RESOURCE_PREFIX)) throw notAReference();
  const name = secretIdOf(resource.slice(ARN_RESOURCE_PREFIX.length));
  if (region !== scope.region || accountId !== scope.accountId) throw secretNotFound(reference);
  return name;
};

const notAReference = () =>
  invalidParameter(
    'SecretName',
    `must be a secret name (up to ${MAX_SECRET_NAME_LENGTH} letters, digits and _/+=.-@) or a secret ARN (acs:kms:<region>:<account>:secret/<name>).`,
  );
