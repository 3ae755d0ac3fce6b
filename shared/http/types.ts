/** The transport-neutral request and response the KMS RPC surface works on (FC HTTP trigger, node http). */
export interface HttpRequest {
  method: string;
  /** As received (RPC calls use "/"). */
  path: string;
  /** Keys lower-cased. */
  headers: Record<string, string>;
  /** Already percent-decoded. */
  query: Record<string, string>;
  body: Buffer;
  sourceIp: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Looks up the secret of an AccessKey; null when the key is unknown (or disabled). */
export type CredentialResolver = (
  accessKeyId: string,
) => Promise<{ accessKeySecret: string; principal: string } | null>;

/** Remembers request nonces so a signed request cannot be replayed. SecretStore satisfies this. */
export interface NonceStore {
  claimNonce(nonce: string, expiresAt: number, now: number): Promise<boolean>;
}
