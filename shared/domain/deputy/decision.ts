/**
 * The deputy decision: may this caller have the service use these managing secrets on these
 * targets? Pure; the use cases gather the resources (from the driver) and the access (the caller's
 * policies at a request, the creating key's current policies at a rotation).
 */
import { KmsError } from '../errors.js';
import { ROTATE_PRIVILEGED_TARGET, ROTATE_TARGET, USE_MANAGING_SECRET, type TargetResource } from './resources.js';

export interface DeputyAccess {
  /** The root key: every check passes. */
  readonly unrestricted: boolean;
  may(permission: string, resource: string): boolean;
  /** Allowed by a statement naming this very action (no wildcard), and denied by none. */
  mayExplicitly(permission: string, resource: string): boolean;
}

export const UNRESTRICTED: DeputyAccess = { unrestricted: true, may: () => true, mayExplicitly: () => true };

export interface Refusal {
  action: string;
  resource: string;
}

/** The first action the caller may not perform, or null when every one is allowed. */
export const deputyRefusal = (access: DeputyAccess, managingSecretArns: readonly string[], targets: readonly TargetResource[]): Refusal | null => {
  if (access.unrestricted) return null;
  for (const resource of managingSecretArns) if (!access.may(USE_MANAGING_SECRET, resource)) return { action: USE_MANAGING_SECRET, resource };
  for (const { resource, privileged } of targets) {
    if (privileged && !access.mayExplicitly(ROTATE_PRIVILEGED_TARGET, resource)) return { action: ROTATE_PRIVILEGED_TARGET, resource };
    if (!privileged && !access.may(ROTATE_TARGET, resource)) return { action: ROTATE_TARGET, resource };
  }
  return null;
};

/** Same code and wording as an API call the caller may not make: it names the action and resource, never a value. */
export const deputyNoPermission = ({ action, resource }: Refusal): KmsError =>
  new KmsError(
    'Forbidden.NoPermission',
    403,
    `This operation is forbidden by permission system: the caller may not perform ${action} on ${resource}.`,
  );

export const managedScopeRefused = (managingSecret: string, reason: string): KmsError =>
  new KmsError('Forbidden.ManagedScope', 403, `The managing secret ${managingSecret} may not be used here: its ManagedScope ${reason}.`);
