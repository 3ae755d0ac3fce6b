/**
 * The confused-deputy check (domain/deputy): before the service uses a managing secret or acts on
 * a target for someone, that someone must be allowed to. At a request it is the caller; at a
 * rotation, which no one is waiting on, it is the key that created the secret, with the policies
 * it has now (they may have changed since).
 */
import {
  deputyNoPermission,
  deputyRefusal,
  isEmptyResources,
  managedScopeRefused,
  parseManagedScope,
  scopeRefusal,
  UNRESTRICTED,
  type DeputyAccess,
  type ManagingUse,
  type SecretResources,
} from '../domain/deputy/index.js';
import { invalidParameter, KmsError } from '../domain/errors.js';
import { secretResource } from '../domain/policy/index.js';
import type { SecretRecord } from '../domain/secret.js';
import { resolveSecretReference, type SecretId } from '../domain/secret-id.js';
import type { TargetDriver } from '../ports/target-driver.js';
import type { UseCaseContext } from './context.js';

/** Who a use case acts for: absent means the service itself or the root key. */
export interface DeputyCaller {
  access: DeputyAccess;
  /** The signing AccessKey, stored on a secret it creates so rotations can check it again. */
  accessKeyId?: string;
}

export const resourcesOfSecret = (
  ctx: UseCaseContext,
  driver: TargetDriver | null,
  secret: SecretRecord,
  values: readonly (string | null | undefined)[],
): SecretResources => {
  const { region, accountId } = ctx.deps.settings;
  return driver?.resourcesOf?.({ secret: ctx.driverSecret(secret), values, scope: { region, accountId } }) ?? { managingSecrets: [], targets: [] };
};

const managingSecretId = (ctx: UseCaseContext, reference: string): SecretId => {
  try {
    return resolveSecretReference(reference, ctx.deps.settings);
  } catch {
    throw invalidParameter('ExtendedConfig.ManagerSecretName', 'must name a secret of this service (a name or its ARN)');
  }
};

/** The managing secret's own ManagedScope must admit the use; one without a scope serves root-created secrets only. */
const checkScope = async (ctx: UseCaseContext, id: SecretId, use: ManagingUse): Promise<void> => {
  const managing = await ctx.deps.store.getSecret(id);
  if (!managing) throw managedScopeRefused(id, 'cannot be read: the secret does not exist');
  let scope;
  try {
    scope = parseManagedScope(managing.extendedConfig ? (JSON.parse(managing.extendedConfig) as Record<string, unknown>) : null);
  } catch {
    throw managedScopeRefused(id, 'is not valid');
  }
  if (!scope) throw managedScopeRefused(id, 'is not set, so only secrets the root key creates may use it');
  const reason = scopeRefusal(scope, use);
  if (reason) throw managedScopeRefused(id, reason);
};

/** Throws Forbidden.NoPermission (or Forbidden.ManagedScope) unless `access` may have these resources used for it. */
export const requireDeputyAllowed = async (ctx: UseCaseContext, access: DeputyAccess, resources: SecretResources): Promise<void> => {
  if (access.unrestricted || isEmptyResources(resources)) return;
  const managing = resources.managingSecrets.map((use) => ({ use, id: managingSecretId(ctx, use.reference) }));
  const arns = managing.map(({ id }) => secretResource(ctx.deps.settings, id));
  const refusal = deputyRefusal(access, arns, resources.targets);
  if (refusal) throw deputyNoPermission(refusal);
  for (const { use, id } of managing) await checkScope(ctx, id, use);
};

/** At a request: the caller's access, or unrestricted for the service itself. */
export const checkCaller = (
  ctx: UseCaseContext,
  caller: DeputyCaller | undefined,
  driver: TargetDriver | null,
  secret: SecretRecord,
  values: readonly (string | null | undefined)[],
): Promise<void> => requireDeputyAllowed(ctx, caller?.access ?? UNRESTRICTED, resourcesOfSecret(ctx, driver, secret, values));

/** A deleted key: allowed nothing, so the refusal names the first resource. */
const NOBODY: DeputyAccess = { unrestricted: false, may: () => false, mayExplicitly: () => false };

/** A rotation's refusal: a KmsError the step records as is, and that is never retried. */
export class DeputyRefused extends KmsError {}

/**
 * At a rotation: the creating key's current access. A deleted key, or a runtime that cannot ask,
 * refuses, naming the first resource (never a value).
 */
export const checkCreatorAtRotation = async (
  ctx: UseCaseContext,
  driver: TargetDriver,
  secret: SecretRecord,
  values: readonly (string | null | undefined)[],
): Promise<void> => {
  const creator = secret.createdBy;
  if (!creator) return;
  const resources = resourcesOfSecret(ctx, driver, secret, values);
  if (isEmptyResources(resources)) return;
  const access = (await ctx.deps.deputyPolicy?.accessOf(creator)) ?? NOBODY;
  try {
    await requireDeputyAllowed(ctx, access, resources);
  } catch (error) {
    if (error instanceof KmsError) throw new DeputyRefused(error.code, error.httpStatus, error.message);
    throw error;
  }
};
