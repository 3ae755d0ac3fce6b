/**
 * Turns what a client library throws (pg, mysql2, ssh2, Node sockets) into a stable TargetError
 * code and whether retrying can help: a refused or timed-out connection may work next time, a
 * wrong password or a missing privilege will not.
 */
import { KmsError, TargetError } from '../../domain/errors.js';
import { ConnectFailure, TARGET_UNAVAILABLE, UntrustedTransport } from './connect-failure.js';

export interface ErrorClass {
  code: string;
  retryable: boolean;
}

const AUTH_FAILED: ErrorClass = { code: 'Target.AuthenticationFailed', retryable: false };
const PERMISSION_DENIED: ErrorClass = { code: 'Target.PermissionDenied', retryable: false };
const REJECTED: ErrorClass = { code: 'Target.Rejected', retryable: false };
const UNREACHABLE: ErrorClass = { code: 'Target.Unreachable', retryable: true };
const TIMEOUT: ErrorClass = { code: 'Target.Timeout', retryable: true };
const BUSY: ErrorClass = { code: 'Target.Unavailable', retryable: true };
const UNKNOWN: ErrorClass = { code: 'Target.Failed', retryable: true };
/** Callers see every failure to connect or log in as this one class (see connect-failure.ts). */
const CONNECT_FAILED: ErrorClass = { code: TARGET_UNAVAILABLE, retryable: true };
/** Only in the operator's log: the server asked for the password in a form it could read. */
const UNTRUSTED: ErrorClass = { code: 'Target.UntrustedTransport', retryable: false };

/** PostgreSQL SQLSTATEs. */
const PG_CODES: Record<string, ErrorClass> = {
  '28P01': AUTH_FAILED, // invalid_password
  '28000': AUTH_FAILED, // invalid_authorization_specification (no pg_hba entry, role cannot log in)
  '42501': PERMISSION_DENIED, // insufficient_privilege
  '42704': REJECTED, // undefined_object: the role does not exist
  '3D000': REJECTED, // invalid_catalog_name: the database does not exist
  '57P03': BUSY, // cannot_connect_now
  '53300': BUSY, // too_many_connections
  '57P01': BUSY, // admin_shutdown
};

/** MySQL/MariaDB error numbers. */
const MYSQL_ERRNOS: Record<number, ErrorClass> = {
  1045: AUTH_FAILED, // ER_ACCESS_DENIED_ERROR
  1698: AUTH_FAILED, // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  1044: PERMISSION_DENIED, // ER_DBACCESS_DENIED_ERROR
  1227: PERMISSION_DENIED, // ER_SPECIFIC_ACCESS_DENIED_ERROR
  1142: PERMISSION_DENIED, // ER_TABLEACCESS_DENIED_ERROR
  1396: REJECTED, // ER_CANNOT_USER: the account does not exist (or already does)
  1049: REJECTED, // ER_BAD_DB_ERROR
  1040: BUSY, // ER_CON_COUNT_ERROR
  1203: BUSY, // ER_TOO_MANY_USER_CONNECTIONS
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'PROTOCOL_SEQUENCE_TIMEOUT']);

const field = (error: object, name: string): unknown => (error as Record<string, unknown>)[name];

export const classifyError = (error: unknown): ErrorClass => {
  if (error instanceof ConnectFailure) return CONNECT_FAILED;
  if (error instanceof UntrustedTransport) return UNTRUSTED;
  if (error instanceof TargetError) return { code: error.code, retryable: error.retryable };
  if (error instanceof KmsError) return { code: error.code, retryable: false };
  if (typeof error !== 'object' || error === null) return UNKNOWN;
  const code = field(error, 'code');
  const errno = field(error, 'errno');
  if (typeof code === 'string' && PG_CODES[code]) return PG_CODES[code];
  if (typeof errno === 'number' && MYSQL_ERRNOS[errno]) return MYSQL_ERRNOS[errno];
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return UNREACHABLE;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return TIMEOUT;
  if (field(error, 'level') === 'client-authentication') return AUTH_FAILED; // ssh2
  const message = error instanceof Error ? error.message : '';
  if (/timed? ?out|timeout/i.test(message)) return TIMEOUT;
  if (/connection terminated|socket hang up|closed the connection/i.test(message)) return UNREACHABLE;
  return UNKNOWN;
};
