/**
 * mysql2's TLS settings for a SslMode, and the host name check that verify-full promises.
 *
 * mysql2 hands Node's identity check a server name only when Host is a name: for an IP address it
 * sets none, and Node then checks the certificate against "localhost". A certificate for
 * localhost from a trusted CA would pass for every IP address, so a man in the middle holding one
 * would receive the managing login. Here the certificate is checked against the Host the secret
 * names once the TLS handshake is done and before mysql2 sends the user name and the password's
 * scramble. mysql2 has no option for this; its TLS upgrade (Connection#startTLS, whose callback
 * sends the credentials) is wrapped, and a client without that method is refused rather than
 * trusted.
 */
import type * as Mysql from 'mysql2/promise';
import { checkServerIdentity, TLSSocket } from 'node:tls';
import { UntrustedTransport } from '../connect-failure.js';
import type { SqlTls } from './tls-config.js';

/** mysql2 checks the chain itself; its own host name check (verifyIdentity) covers names only. */
export const mysqlSslOption = (tls: SqlTls): Mysql.ConnectionOptions['ssl'] => {
  if (tls.sslMode === 'disable') return undefined;
  return { ...(tls.sslCa === undefined ? {} : { ca: tls.sslCa }), rejectUnauthorized: true, verifyIdentity: tls.sslMode === 'verify-full' };
};

type OnSecure = (error?: Error) => void;
/** The part of mysql2's core connection the check hooks into (not in its typings). */
interface UpgradingConnection {
  startTLS?: (onSecure: OnSecure) => void;
  stream?: unknown;
}

const identityError = (stream: unknown, host: string): UntrustedTransport | undefined => {
  if (!(stream instanceof TLSSocket) || !stream.authorized) return new UntrustedTransport('The TLS connection was not verified; the login was not sent.');
  const mismatch = checkServerIdentity(host, stream.getPeerCertificate());
  return mismatch ? new UntrustedTransport(`The server's certificate does not name ${host} (${mismatch.message}); the login was not sent.`) : undefined;
};

/** Call on a core connection right after creating it (it upgrades to TLS only after the server's greeting). */
export const checkHostAfterTls = (connection: object, tls: SqlTls, host: string): void => {
  if (tls.sslMode !== 'verify-full') return;
  const upgrading = connection as UpgradingConnection;
  const startTLS = upgrading.startTLS?.bind(connection);
  if (!startTLS) throw new UntrustedTransport('This mysql2 version offers no place to check the server certificate against Host; not connecting.');
  upgrading.startTLS = (onSecure) => startTLS((error) => onSecure(error ?? identityError(upgrading.stream, host)));
};
