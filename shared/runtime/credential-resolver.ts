/**
 * Who may sign requests: the root key (everything), or an AccessKey from the store, with its status
 * and policies. Unknown keys resolve to null (InvalidAccessKeyId.NotFound).
 */
import type { StoredCredential } from '../app/access-keys.js';
import type { CredentialResolver } from '../http/types.js';
import { rootCredential, type RootCredentials } from './root-credentials.js';

export const accessKeyCredentialResolver =
  (
    root: Pick<RootCredentials, 'accessKeyId' | 'accessKeySecret'>,
    accountId: string,
    accessKeys: { resolve(accessKeyId: string): Promise<StoredCredential | null> },
  ): CredentialResolver =>
  async (accessKeyId) => {
    if (accessKeyId === root.accessKeyId) return rootCredential(root, accountId);
    const stored = await accessKeys.resolve(accessKeyId);
    if (!stored) return null;
    return {
      accessKeySecret: stored.accessKeySecret,
      principal: `acs:rotor::${accountId}:accesskey/${accessKeyId}`,
      status: stored.status,
      grant: { kind: 'policies', policies: stored.policies },
      revision: stored.revision,
    };
  };
