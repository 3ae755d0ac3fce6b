/**
 * Console sessions: a stateless token `payload.mac` in an HttpOnly, SameSite=Strict cookie. The
 * payload names the AccessKey ID, an expiry, a random session id and the state of the key at sign-in
 * (its revision and a MAC of its secret); never the AccessKey secret. A session is honoured only
 * while the key is still in that state: disabling and re-enabling a key, deleting it, changing its
 * secret or its policies all end the sessions opened before, which a status check alone would not
 * (a re-enabled key would bring its old sessions back).
 * The CSRF token is derived from the session id with the same key, so it needs no storage either.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../http/constant-time.js';

export const SESSION_COOKIE = 'rotor_console';
export const DEFAULT_SESSION_TTL_MS = 30 * 60 * 1000;

export interface Session {
  accessKeyId: string;
  expiresAt: number;
  sessionId: string;
  /** keyStateOf the key when the session was opened. */
  keyState: string;
}

/** What a key's state is compared by: its store revision (none for the root key) and its secret. */
export interface KeyStateSource {
  accessKeySecret: string;
  revision?: number;
}

export interface SessionKeys {
  mac: Buffer;
  /** Seals wizard drafts (secret values between steps) so the page carries no plaintext. */
  seal: Buffer;
}

/** Separate keys per purpose, from one secret (a configured key, or the root AccessKey secret). */
export const deriveSessionKeys = (secret: string): SessionKeys => {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'secret-rotor/console', info, 32));
  return { mac: derive('session-mac/v1'), seal: derive('draft-seal/v1') };
};

const mac = (key: Buffer, text: string): string => createHmac('sha256', key).update(text).digest('base64url');

/**
 * A stamp of the key's state. The revision changes with every change to a stored key (status,
 * policies); the secret's MAC covers a root key whose secret was replaced while the session key
 * stayed (ROTOR_CONSOLE_SESSION_KEY set), and reveals nothing of the secret without the MAC key.
 */
export const keyStateOf = (keys: SessionKeys, key: KeyStateSource): string =>
  `${key.revision ?? 0}.${mac(keys.mac, `key-state.${key.accessKeySecret}`).slice(0, 22)}`;

export const issueSession = (keys: SessionKeys, accessKeyId: string, keyState: string, expiresAt: number): { token: string; session: Session } => {
  const session: Session = { accessKeyId, expiresAt, sessionId: randomBytes(18).toString('base64url'), keyState };
  const payload = Buffer.from(JSON.stringify({ k: accessKeyId, e: expiresAt, s: session.sessionId, v: keyState })).toString('base64url');
  return { token: `${payload}.${mac(keys.mac, `session.${payload}`)}`, session };
};

/** The session a token stands for, or null when it is forged, malformed or expired (the key's state is the caller's to compare). */
export const openSession = (keys: SessionKeys, token: string, now: number): Session | null => {
  const [payload, tag, extra] = token.split('.');
  if (!payload || !tag || extra !== undefined) return null;
  if (!constantTimeEqual(tag, mac(keys.mac, `session.${payload}`))) return null;
  try {
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { k?: unknown; e?: unknown; s?: unknown; v?: unknown };
    if (typeof fields.k !== 'string' || typeof fields.e !== 'number' || typeof fields.s !== 'string' || typeof fields.v !== 'string') return null;
    if (fields.e <= now) return null;
    return { accessKeyId: fields.k, expiresAt: fields.e, sessionId: fields.s, keyState: fields.v };
  } catch {
    return null;
  }
};

export const csrfTokenFor = (keys: SessionKeys, session: Session): string => mac(keys.mac, `csrf.${session.sessionId}`);

export const csrfTokenMatches = (keys: SessionKeys, session: Session, given: string | undefined): boolean =>
  given !== undefined && given !== '' && constantTimeEqual(given, csrfTokenFor(keys, session));

export const readCookie = (header: string | undefined, name: string): string | undefined => {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
};

export interface CookieOptions {
  path: string;
  secure: boolean;
  maxAgeSeconds: number;
}

export const sessionCookie = (value: string, options: CookieOptions): string =>
  [
    `${SESSION_COOKIE}=${value}`,
    `Path=${options.path}`,
    `Max-Age=${options.maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
