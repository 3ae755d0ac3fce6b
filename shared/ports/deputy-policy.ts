import type { DeputyAccess } from '../domain/deputy/index.js';

/**
 * What an AccessKey may do now, outside any request: for a rotation, which acts for the key that
 * created the secret. Conditions on the request (source address, transport) do not hold, as there
 * is no request; acs:CurrentTime is the time of the check.
 */
export interface DeputyPolicy {
  /** Null when the key no longer exists. */
  accessOf(accessKeyId: string): Promise<DeputyAccess | null>;
}
