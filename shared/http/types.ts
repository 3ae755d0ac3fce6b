import type { PolicyDocument } from '../domain/policy/index.js';

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

/** What a verified caller may do: everything (the root key), or what its policies allow. */
export type AccessGrant = { kind: 'root' } | { kind: 'policies'; policies: readonly PolicyDocument[] };

export interface ResolvedCredential {
  accessKeySecret: string;
  principal: string;
  /** An Inactive key is still verified (so only its holder learns that it is disabled), then refused. */
  status: 'Active' | 'Inactive';
  grant: AccessGrant;
  /** The stored key's revision, which every change to it moves on; absent for the root key. */
  revision?: number;
}

/** Looks up an AccessKey; null when the key is unknown. */
export type CredentialResolver = (accessKeyId: string) => Promise<ResolvedCredential | null>;

/** Remembers request nonces so a signed request cannot be replayed. SecretStore satisfies this. */
export interface NonceStore {
  claimNonce(nonce: string, expiresAt: number, now: number): Promise<boolean>;
}
