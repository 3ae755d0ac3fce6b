/**
 * Console sessions: a stateless token `payload.mac` in an HttpOnly, SameSite=Strict cookie. The
 * payload names the AccessKey ID, an expiry and a random session id; never the AccessKey secret.
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

export const issueSession = (keys: SessionKeys, accessKeyId: string, expiresAt: number): { token: string; session: Session } => {
  const session: Session = { accessKeyId, expiresAt, sessionId: randomBytes(18).toString('base64url') };
  const payload = Buffer.from(JSON.stringify({ k: accessKeyId, e: expiresAt, s: session.sessionId })).toString('base64url');
  return { token: `${payload}.${mac(keys.mac, `session.${payload}`)}`, session };
};

/** The session a token stands for, or null when it is forged, malformed or expired. */
export const openSession = (keys: SessionKeys, token: string, now: number): Session | null => {
  const [payload, tag, extra] = token.split('.');
  if (!payload || !tag || extra !== undefined) return null;
  if (!constantTimeEqual(tag, mac(keys.mac, `session.${payload}`))) return null;
  try {
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { k?: unknown; e?: unknown; s?: unknown };
    if (typeof fields.k !== 'string' || typeof fields.e !== 'number' || typeof fields.s !== 'string') return null;
    if (fields.e <= now) return null;
    return { accessKeyId: fields.k, expiresAt: fields.e, sessionId: fields.s };
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
