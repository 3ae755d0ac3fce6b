/**
 * How a SQL driver reaches its server: ExtendedConfig `SslMode` and `SslCa`. Off loopback the
 * default is `verify-full` (TLS, certificate chain and host name checked), so a managing password
 * goes only to a server that proved its name; `disable` must be asked for. On loopback the default
 * stays `disable` (there is no network to listen on), and the engines still never send a password
 * in a form a server could read (cleartext, or RSA-encrypted to a key the server chose) unless the
 * TLS connection was verified.
 */
import { BlockList, isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { TLSSocket, type ConnectionOptions } from 'node:tls';
import { invalidParameter } from '../../../domain/errors.js';

/** disable: plain TCP; require: TLS checked against SslCa, any host name; verify-full: TLS checked against SslCa (or the system's CAs) and the host name. */
export type SslMode = 'disable' | 'require' | 'verify-full';
export const SSL_MODES: readonly SslMode[] = ['disable', 'require', 'verify-full'];

export interface SqlTls {
  sslMode: SslMode;
  /** PEM of the CAs the server's certificate must chain to; undefined: the system's CAs. */
  sslCa: string | undefined;
}

const FIELD = 'ExtendedConfig.';
/** A few CA certificates; in practice ExtendedConfig's own 1024-character limit binds first (one EC certificate). */
const MAX_CA_LENGTH = 16_384;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/g;

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 and `localhost`: the hosts where plain TCP is the default. */
export const isLoopbackHost = (host: string): boolean => {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare.toLowerCase() === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && loopback.check(bare, family === 4 ? 'ipv4' : 'ipv6');
};

const sslMode = (config: Record<string, unknown>, host: string): SslMode => {
  const value = config.SslMode ?? (isLoopbackHost(host) ? 'disable' : 'verify-full');
  if (typeof value !== 'string' || !(SSL_MODES as readonly string[]).includes(value))
    throw invalidParameter(`${FIELD}SslMode`, `must be one of ${SSL_MODES.join(', ')}`);
  return value as SslMode;
};

const sslCa = (config: Record<string, unknown>, mode: SslMode): string | undefined => {
  const value = config.SslCa;
  if (value === undefined) {
    if (mode === 'require')
      throw invalidParameter(`${FIELD}SslCa`, 'is required for SslMode require: the PEM of the CA that signed the server certificate');
    return undefined;
  }
  if (mode === 'disable') throw invalidParameter(`${FIELD}SslCa`, 'applies only to SslMode require or verify-full');
  if (typeof value !== 'string' || value.length > MAX_CA_LENGTH)
    throw invalidParameter(`${FIELD}SslCa`, `must be PEM text of at most ${MAX_CA_LENGTH} characters`);
  const blocks = value.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw invalidParameter(`${FIELD}SslCa`, 'must hold at least one PEM certificate (-----BEGIN CERTIFICATE-----)');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw invalidParameter(`${FIELD}SslCa`, 'holds a PEM block that is not an X.509 certificate');
    }
  }
  return blocks.join('\n');
};

export const parseSqlTls = (config: Record<string, unknown>, host: string): SqlTls => {
  const mode = sslMode(config, host);
  return { sslMode: mode, sslCa: sslCa(config, mode) };
};

/**
 * Node TLS options for a mode (undefined for disable). The chain is always checked; `require`
 * skips only the host name, which is why it needs an operator-given CA.
 */
export const tlsOptions = (tls: SqlTls): ConnectionOptions | undefined => {
  if (tls.sslMode === 'disable') return undefined;
  const ca = tls.sslCa === undefined ? {} : { ca: tls.sslCa };
  if (tls.sslMode === 'require') return { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...ca, rejectUnauthorized: true };
};

/** True only for a TLS socket whose certificate chain Node verified. */
export const isVerifiedTls = (stream: unknown): boolean => stream instanceof TLSSocket && stream.authorized;
