/**
 * Authorization: after authentication, every action is checked against the caller's policies
 * (the root key may do everything). Each action is a RAM action on a resource, as KMS defines them
 * (reference: "Use RAM to control access to KMS resources"):
 *
 *   secret actions        kms:<Action>    acs:kms:<region>:<account>:secret/<SecretName>
 *   CreateSecret, ListSecrets, GetRandomPassword
 *                         kms:<Action>    acs:kms:<region>:<account>:secret   (the container)
 *   admin actions         rotor:<Action>  *
 *
 * ListSecrets is allowed on the container, and then lists only the secrets the caller may
 * kms:DescribeSecret (actions/list-secrets.ts): listing shows what describing would show.
 */
import { missingParameter } from '../domain/errors.js';
import {
  ANY_RESOURCE,
  evaluateExplicitly,
  evaluatePolicies,
  secretContainerResource,
  type PolicyDocument,
  secretResource,
  type RequestContext,
  type ResourceScope,
} from '../domain/policy/index.js';
import type { SecretId } from '../domain/secret-id.js';
import type { Clock } from '../ports/clock.js';
import { noPermission } from './http-errors.js';
import type { AccessGrant, HttpRequest } from './types.js';

export type ResourceKind = 'secret' | 'container' | 'none';

export interface ActionRule {
  /** The RAM action a policy must allow, e.g. `kms:GetSecretValue`. */
  permission: string;
  resource: ResourceKind;
}

const kms = (action: string, resource: ResourceKind): ActionRule => ({ permission: `kms:${action}`, resource });
const rotor = (action: string): ActionRule => ({ permission: `rotor:${action}`, resource: 'none' });

export const ACTION_RULES: Readonly<Record<string, ActionRule>> = {
  CreateSecret: kms('CreateSecret', 'container'),
  ListSecrets: kms('ListSecrets', 'container'),
  GetRandomPassword: kms('GetRandomPassword', 'container'),
  GetSecretValue: kms('GetSecretValue', 'secret'),
  PutSecretValue: kms('PutSecretValue', 'secret'),
  UpdateSecretVersionStage: kms('UpdateSecretVersionStage', 'secret'),
  DescribeSecret: kms('DescribeSecret', 'secret'),
  UpdateSecret: kms('UpdateSecret', 'secret'),
  ListSecretVersionIds: kms('ListSecretVersionIds', 'secret'),
  UpdateSecretRotationPolicy: kms('UpdateSecretRotationPolicy', 'secret'),
  RotateSecret: kms('RotateSecret', 'secret'),
  DeleteSecret: kms('DeleteSecret', 'secret'),
  RestoreSecret: kms('RestoreSecret', 'secret'),
  CreateAccessKey: rotor('CreateAccessKey'),
  ListAccessKeys: rotor('ListAccessKeys'),
  UpdateAccessKey: rotor('UpdateAccessKey'),
  DeleteAccessKey: rotor('DeleteAccessKey'),
  PutAccessKeyPolicy: rotor('PutAccessKeyPolicy'),
  GetAccessKeyPolicy: rotor('GetAccessKeyPolicy'),
  DeleteAccessKeyPolicy: rotor('DeleteAccessKeyPolicy'),
  ListAuditRecords: rotor('ListAuditRecords'),
};

/** What the verified caller may do, for this request (its source address, transport, time). */
export interface CallerAccess {
  /** The root key: every check passes, and lists need no filtering. */
  readonly unrestricted: boolean;
  may(permission: string, resource: string): boolean;
  /** Allowed by a statement naming the action itself (no wildcard): see evaluateExplicitly. */
  mayExplicitly(permission: string, resource: string): boolean;
}

export const callerAccess = (grant: AccessGrant, context: RequestContext): CallerAccess =>
  grant.kind === 'root'
    ? { unrestricted: true, may: () => true, mayExplicitly: () => true }
    : policyAccess(grant.policies, context);

/** The access a set of policies gives in a context: for a request, or for a rotation no one is waiting on. */
export const policyAccess = (policies: readonly PolicyDocument[], context: RequestContext): CallerAccess => ({
  unrestricted: false,
  may: (permission, resource) => evaluatePolicies(policies, { action: permission, resource, context }) === 'Allow',
  mayExplicitly: (permission, resource) => evaluateExplicitly(policies, { action: permission, resource, context }) === 'Allow',
});

/**
 * acs:SecureTransport: this code never sees TLS itself (FC's front end or a local proxy ends it),
 * so it trusts the front end's X-Forwarded-Proto. A client forging it only fools a policy meant to
 * protect that same client's credentials in transit.
 */
export const requestContextOf = (req: HttpRequest, clock: Clock): RequestContext => ({
  sourceIp: req.sourceIp,
  secureTransport: (req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim().toLowerCase() === 'https',
  currentTime: clock.now(),
});

/** The rule of an action, or undefined for a name without one. */
export const ruleOf = (actionName: string): ActionRule | undefined =>
  Object.hasOwn(ACTION_RULES, actionName) ? ACTION_RULES[actionName] : undefined;

/** The resource an action names: for a secret action, the ARN of exactly the secret it will act on. */
export const resourceOf = (rule: ActionRule, secret: SecretId | undefined, scope: ResourceScope): string => {
  switch (rule.resource) {
    case 'secret':
      if (secret === undefined) throw missingParameter('SecretName');
      return secretResource(scope, secret);
    case 'container':
      return secretContainerResource(scope);
    case 'none':
      return ANY_RESOURCE;
  }
};

/**
 * Throws Forbidden.NoPermission unless the caller may perform the action; `secret` is the resolved
 * identity the action will act on (domain/secret-id.ts). An action without a rule (a bug: see the
 * test that every action has one) is allowed to the root key only.
 */
export const authorize = (access: CallerAccess, actionName: string, secret: SecretId | undefined, scope: ResourceScope): void => {
  if (access.unrestricted) return;
  const rule = ruleOf(actionName);
  if (!rule) throw noPermission(`kms:${actionName}`, ANY_RESOURCE);
  const resource = resourceOf(rule, secret, scope);
  if (!access.may(rule.permission, resource)) throw noPermission(rule.permission, resource);
};
