/**
 * mysql2's authentication plugins, guarded so that a server cannot make us hand over the password.
 * A server picks the method: `mysql_clear_password` and `sha256_password` ask for the password
 * itself, and `caching_sha2_password`'s full authentication sends it in cleartext over TLS or
 * RSA-encrypted to a public key the server sends (a fake server sends its own). Here each of those
 * sends the password only over TLS whose certificate Node verified; otherwise the login fails
 * before the password leaves the process. Hash-based answers (the scramble of
 * mysql_native_password, caching_sha2_password's fast path) never reveal the password and pass.
 * Naming all three plugins also keeps mysql2 from sending the password in its first packet when a
 * server advertises one of them.
 */
import type { AuthPlugin } from 'mysql2';
import { UntrustedTransport } from '../connect-failure.js';
import { isVerifiedTls } from './tls-config.js';

type AuthPlugins = typeof import('mysql2').authPlugins;
type PluginConnection = Parameters<AuthPlugin>[0]['connection'] & { stream?: unknown };

/** caching_sha2_password's "perform full authentication" request (AuthMoreData 0x04). */
const FULL_AUTHENTICATION = Buffer.from([4]);

const refused = (method: string): UntrustedTransport =>
  new UntrustedTransport(`The server asked for the password itself (${method}) over a connection whose TLS certificate was not verified; it was not sent.`);

const verified = (connection: PluginConnection): boolean => isVerifiedTls(connection.stream);

/** Refuses every exchange unless the connection is verified TLS; then the library's own plugin runs. */
const onlyOverVerifiedTls =
  (method: string, plugin: AuthPlugin): AuthPlugin =>
  (meta) => {
    const inner = verified(meta.connection as PluginConnection) ? plugin(meta) : null;
    return (data) => {
      if (!inner) throw refused(method);
      return inner(data);
    };
  };

/** The fast path (a hash) runs anywhere; full authentication only over verified TLS. */
const cachingSha2 =
  (plugin: AuthPlugin): AuthPlugin =>
  (meta) => {
    const inner = plugin(meta);
    return (data) => {
      if (FULL_AUTHENTICATION.equals(data) && !verified(meta.connection as PluginConnection)) throw refused('caching_sha2_password full authentication');
      return inner(data);
    };
  };

export const guardedAuthPlugins = (standard: AuthPlugins): Record<string, AuthPlugin> => ({
  caching_sha2_password: cachingSha2(standard.caching_sha2_password({})),
  sha256_password: onlyOverVerifiedTls('sha256_password', standard.sha256_password({})),
  mysql_clear_password: onlyOverVerifiedTls('mysql_clear_password', standard.mysql_clear_password({})),
});
