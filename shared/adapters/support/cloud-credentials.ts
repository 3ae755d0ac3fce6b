/**
 * Alibaba Cloud credentials for the cloud SDK clients. On Function Compute they are the function
 * role's STS credentials from the invocation context, replaced every so often; a client built
 * from one set stops working once it expires, so clients are keyed by the credentials they hold.
 */

export interface CloudCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present with temporary (STS) credentials. */
  securityToken?: string;
}

/** Called before every cloud call; cheap (FC: read from the latest invocation context). */
export type CredentialsProvider = () => CloudCredentials | Promise<CloudCredentials>;

const identityOf = (credentials: CloudCredentials): string =>
  // NUL cannot occur in any of the three, so distinct triples give distinct identities.
  [credentials.accessKeyId, credentials.accessKeySecret, credentials.securityToken ?? ''].join('\u0000');

/**
 * Returns a getter for a client built from the current credentials: the same client while they
 * stay the same, a new one (built once) when any of them changes.
 */
export const clientPerCredentials = <Client>(
  credentials: CredentialsProvider,
  build: (credentials: CloudCredentials) => Client,
): (() => Promise<Client>) => {
  let current: { identity: string; client: Client } | undefined;
  return async () => {
    const latest = await credentials();
    if (!latest.accessKeyId || !latest.accessKeySecret) {
      throw new Error('Cloud credentials are missing an AccessKey ID or secret.');
    }
    const identity = identityOf(latest);
    if (current?.identity !== identity) current = { identity, client: build(latest) };
    return current.client;
  };
};
