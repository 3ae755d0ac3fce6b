/** Context bound into the wrapping of a data key (KMS EncryptionContext semantics). */
export type KeyContext = Record<string, string>;

export interface DataKey {
  keyId: string;
  /** 32 bytes for AES-256. Callers wipe it after use. */
  plaintext: Buffer;
  /** The data key encrypted under the master key, base64. */
  wrapped: string;
}

/** Holds the master key; hands out and unwraps per-version data keys. */
export interface KeyProvider {
  generateDataKey(context: KeyContext): Promise<DataKey>;
  decryptDataKey(keyId: string, wrapped: string, context: KeyContext): Promise<Buffer>;
}
