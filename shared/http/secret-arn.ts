/**
 * KMS accepts a secret's ARN wherever it takes SecretName (`acs:kms:<region>:<account>:secret/<name>`;
 * the ARN form is how other accounts address a secret). We serve one region of one account: an ARN
 * of ours becomes the plain name, an ARN of anyone else's names a secret we do not have.
 */
import { secretNotFound } from '../domain/errors.js';
import type { RequestParams } from './params.js';

const SECRET_ARN = /^acs:kms:([^:]*):([^:]*):secret\/(.+)$/;

export const withSecretNameFromArn = (
  params: RequestParams,
  settings: { region: string; accountId: string },
): RequestParams => {
  const match = SECRET_ARN.exec(params.SecretName ?? '');
  if (!match) return params;
  const [, region, accountId, name] = match;
  if (region !== settings.region || accountId !== settings.accountId) throw secretNotFound(params.SecretName ?? '');
  return { ...params, SecretName: name ?? '' };
};
