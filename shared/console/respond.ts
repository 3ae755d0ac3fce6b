/** Responses of the console: every one no-store and locked down (no framing, same-origin scripts only). */
import type { HttpResponse } from '../http/types.js';
import type { Markup } from './views/html.js';

const SECURITY_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on its own form posts.
  'referrer-policy': 'same-origin',
};

export const htmlResponse = (statusCode: number, body: Markup, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode,
  headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', ...headers },
  body: body.text,
});

export const jsonResponse = (statusCode: number, body: unknown): HttpResponse => ({
  statusCode,
  headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

export const textResponse = (statusCode: number, body: string, contentType: string, cacheable = false): HttpResponse => ({
  statusCode,
  headers: { ...SECURITY_HEADERS, 'content-type': contentType, ...(cacheable ? { 'cache-control': 'public, max-age=300' } : {}) },
  body,
});

/** 303: the browser follows with a GET, so a reload never repeats the action. */
export const redirect = (location: string, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode: 303,
  headers: { ...SECURITY_HEADERS, location, ...headers },
  body: '',
});
