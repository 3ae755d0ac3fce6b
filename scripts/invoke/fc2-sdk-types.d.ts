/**
 * Types for the parts of `@alicloud/fc2` 2.6.6 (CommonJS, no published declarations) that the
 * invoke client uses: the constructor, the API version it puts in every path, POST, and its request signer.
 */
declare module '@alicloud/fc2' {
  interface FcClientConfig {
    /** Note the capital ID. */
    accessKeyID: string;
    accessKeySecret: string;
    /** Required when accessKeyID starts with STS. */
    securityToken?: string;
    region: string;
    /** https instead of the default http for the derived endpoint. */
    secure?: boolean;
    /** The -internal endpoint (inside the region). */
    internal?: boolean;
    /** Wins over the derived endpoint, e.g. http://127.0.0.1:9000 */
    endpoint?: string;
    timeout?: number;
    headers?: Record<string, string>;
  }

  interface FcResponse {
    headers: Record<string, string | string[] | undefined>;
    /** Parsed JSON when the answer is application/json; a Buffer with rawBuf; otherwise a string. */
    data: unknown;
  }

  class FCClient {
    constructor(accountId: string, config: FcClientConfig);
    /** Goes into every path as /<version>/...; 2016-08-15 unless changed. */
    version: string;
    /** `FC <accessKeyID>:<signature>` for a request with these (lower-cased) headers. */
    static getSignature(
      accessKeyID: string,
      accessKeySecret: string,
      method: string,
      path: string,
      headers: Record<string, string>,
      queries: Record<string, string> | null,
    ): string;
    post(
      path: string,
      body: Buffer | string | object | null,
      headers?: Record<string, string>,
      queries?: Record<string, string>,
      opts?: { rawBuf?: boolean },
    ): Promise<FcResponse>;
  }

  export = FCClient;
}
