/**
 * A real node `http` server around handleKmsRequest, for tests that drive the KMS surface with the
 * official SDK or raw HTTP. Also small in-memory credential and nonce stores (test doubles).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PolicyDocument } from '../../shared/domain/policy/index.js';
import { handleKmsRequest, type KmsApiDeps } from '../../shared/http/kms-api.js';
import type { CredentialResolver, HttpRequest, NonceStore } from '../../shared/http/types.js';

/** Keys allowed everything (as the root key is) unless they name their policies or status. */
export const staticCredentials =
  (
    keys: Record<
      string,
      { secret: string; principal: string; policies?: readonly PolicyDocument[]; status?: 'Active' | 'Inactive' }
    >,
  ): CredentialResolver =>
  async (accessKeyId) => {
    const key = Object.hasOwn(keys, accessKeyId) ? keys[accessKeyId] : undefined;
    if (!key) return null;
    return {
      accessKeySecret: key.secret,
      principal: key.principal,
      status: key.status ?? 'Active',
      grant: key.policies ? { kind: 'policies', policies: key.policies } : { kind: 'root' },
    };
  };

/** TEST DOUBLE of the nonce table: remembers every claim with its expiry. */
export class InMemoryNonceStoreForTests implements NonceStore {
  readonly claims = new Map<string, number>();

  async claimNonce(nonce: string, expiresAt: number, now: number): Promise<boolean> {
    const known = this.claims.get(nonce);
    if (known !== undefined && known > now) return false;
    this.claims.set(nonce, expiresAt);
    return true;
  }
}

export interface KmsTestServer {
  port: number;
  close(): Promise<void>;
}

export const startKmsTestServer = async (deps: KmsApiDeps): Promise<KmsTestServer> => {
  const server = http.createServer((incoming, outgoing) => {
    void serve(incoming, outgoing, deps);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
};

const serve = async (incoming: http.IncomingMessage, outgoing: http.ServerResponse, deps: KmsApiDeps) => {
  const response = await handleKmsRequest(await toHttpRequest(incoming), deps);
  outgoing.writeHead(response.statusCode, response.headers);
  outgoing.end(response.body);
};

const toHttpRequest = async (incoming: http.IncomingMessage): Promise<HttpRequest> => {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const url = new URL(incoming.url ?? '/', 'http://test.invalid');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return {
    method: incoming.method ?? 'GET',
    path: decodeURIComponent(url.pathname),
    headers,
    query: Object.fromEntries(url.searchParams),
    body: Buffer.concat(chunks),
    sourceIp: incoming.socket.remoteAddress ?? '',
  };
};

/** Sends a request as-is and returns status, headers and body text. */
export const rawRequest = (
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> =>
  new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
