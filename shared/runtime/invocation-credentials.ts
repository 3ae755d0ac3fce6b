/**
 * The function role's STS credentials. FC hands them to every invocation in its context and
 * replaces them before they expire; the cloud SDK clients read the latest set through
 * `invocationCredentials`. Outside FC (scripts, a VM) the standard ALIBABA_CLOUD_* variables serve.
 */
import type { CloudCredentials } from '../adapters/support/cloud-credentials.js';
import type { Middleware } from './middleware/types.js';

let latest: CloudCredentials | null = null;

export const rememberCredentials = (credentials: Partial<CloudCredentials> | undefined): void => {
  if (credentials?.accessKeyId && credentials.accessKeySecret) {
    latest = {
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
    };
  }
};

export const invocationCredentials = (env: NodeJS.ProcessEnv = process.env): CloudCredentials => {
  if (latest) return latest;
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) {
    throw new Error('No cloud credentials: no FC invocation context yet and ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET are not set.');
  }
  const securityToken = env.ALIBABA_CLOUD_SECURITY_TOKEN;
  return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
};

/** Records the invocation's credentials before anything else runs. */
export const captureInvocationCredentials = (): Middleware => ({
  before: (request) => {
    rememberCredentials((request.context as { credentials?: Partial<CloudCredentials> }).credentials);
  },
});

/** Test seam: forget what earlier invocations left. */
export const forgetCredentials = (): void => {
  latest = null;
};
