/**
 * The resource names requests are checked against (reference: KMS "Use RAM to control access"):
 * one secret is `acs:kms:<region>:<account>:secret/<name>`; actions on the set of secrets
 * (CreateSecret, ListSecrets, GetRandomPassword) name the container `acs:kms:<region>:<account>:secret`;
 * secret-rotor's own admin actions (`rotor:*`) name no resource, which policies match with `*`.
 */
import { secretArn } from '../secret.js';

export interface ResourceScope {
  region: string;
  accountId: string;
}

export const ANY_RESOURCE = '*';

export const secretResource = (scope: ResourceScope, secretName: string): string =>
  secretArn(scope.region, scope.accountId, secretName);

export const secretContainerResource = (scope: ResourceScope): string => `acs:kms:${scope.region}:${scope.accountId}:secret`;
