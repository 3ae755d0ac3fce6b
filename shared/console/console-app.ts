/**
 * The console's front door: static assets, sign-in and sign-out, the session check on every
 * other page, and the CSRF check on every state-changing request, before any page handler runs.
 */
import { randomUUID } from 'node:crypto';
import { isKmsError, type KmsError } from '../domain/errors.js';
import { constantTimeEqual } from '../http/constant-time.js';
import { callerAccess, requestContextOf } from '../http/authorize.js';
import { isRequestLimitError, requestBodyTooLarge } from '../http/http-errors.js';
import { decodeLenient, emptyParams, forEachPair } from '../http/params.js';
import { CONSOLE_BUDGET } from '../http/request-limits.js';
import type { KmsCallRecord } from '../http/kms-api.js';
import type { CredentialResolver, HttpRequest, HttpResponse } from '../http/types.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import { ConsoleGateway, type GatewayDeps } from './gateway.js';
import { htmlResponse, redirect, textResponse } from './respond.js';
import { routeSignedIn, type RequestScope } from './secret-routes.js';
import type { SignInLimiter } from './sign-in-limiter.js';
import {
  csrfTokenFor,
  csrfTokenMatches,
  issueSession,
  keyStateOf,
  openSession,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
  type SessionKeys,
} from './session.js';
import { html } from './views/html.js';
import { publicPage } from './views/layout.js';
import { signInPage } from './views/sign-in.js';

export interface ConsoleDeps extends GatewayDeps {
  credentials: CredentialResolver;
  keys: SessionKeys;
  sessionTtlMs: number;
  signInLimiter: SignInLimiter;
  /** Errors that are not KmsErrors (bugs, outages), for the log; the user sees a generic page. */
  onUnexpectedError?: (error: unknown) => void;
}

/** Where the console is mounted: `/console` on the local runtime, the trigger's root on FC. */
const MOUNT = '/console';

const splitPath = (rawPath: string): { base: string; segments: string[] } => {
  const path = rawPath.split('?')[0] ?? '/';
  const base = path === MOUNT || path.startsWith(`${MOUNT}/`) ? MOUNT : '';
  const segments = path
    .slice(base.length)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { base, segments };
};

/**
 * A form post's fields (decoded as URLSearchParams decodes them; the last of a repeated name wins),
 * within the console's budget (request-limits.ts): the body's size checked first, its pairs counted
 * as they are parsed, the query's included. Past the budget: a KmsError naming the limit.
 */
export const parseForm = (req: HttpRequest): Record<string, string> => {
  const form = emptyParams();
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) return form;
  if (req.body.length > CONSOLE_BUDGET.maxBodyBytes) throw requestBodyTooLarge(CONSOLE_BUDGET.maxBodyBytes);
  forEachPair(req.body.toString('utf8'), CONSOLE_BUDGET, Object.keys(req.query).length, decodeLenient, (name, value) => {
    form[name] = value;
  });
  return form;
};

const isSecure = (req: HttpRequest): boolean => (req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim().toLowerCase() === 'https';

/**
 * A cross-site form post carries the other site's Origin; browsers send Origin on every POST. A
 * front end that rewrites Host names the original in X-Forwarded-Host.
 */
const sameOrigin = (req: HttpRequest): boolean => {
  const origin = req.headers.origin;
  if (origin === undefined || origin === '') return true;
  try {
    const host = new URL(origin).host;
    const forwarded = (req.headers['x-forwarded-host'] ?? '').split(',')[0]?.trim();
    return host === req.headers.host || (forwarded !== undefined && forwarded !== '' && host === forwarded);
  } catch {
    return false;
  }
};

const clearCookie = (base: string, secure: boolean): string => sessionCookie('', { path: base || '/', secure, maxAgeSeconds: 0 });

export const handleConsoleRequest = async (req: HttpRequest, deps: ConsoleDeps): Promise<HttpResponse> => {
  const { base, segments } = splitPath(req.path);
  const method = req.method.toUpperCase();
  try {
    if (segments[0] === 'assets' && method === 'GET') return asset(segments[1]);
    if (method === 'POST' && !sameOrigin(req)) return forbiddenPage(base, 'The request came from another site.');
    if (segments[0] === 'signin') return method === 'POST' ? signIn(req, deps, base) : htmlResponse(200, signInPage(base, null));

    const session = openSession(deps.keys, readCookie(req.headers.cookie, SESSION_COOKIE) ?? '', deps.clock.now());
    const credential = session ? await deps.credentials(session.accessKeyId) : null;
    // Active is not enough: a key disabled and enabled again, or changed, must not revive old sessions.
    const current = session !== null && credential !== null && credential.status === 'Active' && session.keyState === keyStateOf(deps.keys, credential);
    if (!session || !credential || !current) {
      const headers: Record<string, string> = session ? { 'set-cookie': clearCookie(base, isSecure(req)) } : {};
      if (method === 'GET' && segments[1] !== 'progress') return redirect(`${base}/signin`, headers);
      return htmlResponse(401, signInPage(base, 'Your session has ended. Sign in again.'), headers);
    }
    const csrf = csrfTokenFor(deps.keys, session);
    const form = method === 'POST' ? parseForm(req) : {};
    if (method === 'POST' && !csrfTokenMatches(deps.keys, session, form._csrf ?? req.headers['x-csrf-token'])) {
      return forbiddenPage(base, 'The form has expired or did not come from this console (missing or invalid CSRF token). Nothing was changed.');
    }
    if (segments[0] === 'signout' && method === 'POST') return redirect(`${base}/signin`, { 'set-cookie': clearCookie(base, isSecure(req)) });

    const access = callerAccess(credential.grant, requestContextOf(req, deps.clock));
    const scope: RequestScope = {
      ctx: { base, accessKeyId: session.accessKeyId, csrf },
      gateway: new ConsoleGateway(deps, session.accessKeyId, access, req.sourceIp),
      method,
      segments,
      query: req.query,
      form,
      sealKey: deps.keys.seal,
      sessionId: session.sessionId,
      region: deps.settings.region,
    };
    return await routeSignedIn(scope);
  } catch (error) {
    if (isRequestLimitError(error)) return tooLargePage(base, error);
    if (!isKmsError(error)) deps.onUnexpectedError?.(error);
    return htmlResponse(500, publicPage(base, 'Error', html`<div class="alert alert-error" role="alert">The console failed to serve this page. Try again.</div>`));
  }
};

const asset = (name: string | undefined): HttpResponse => {
  if (name === 'console.css') return textResponse(200, CONSOLE_CSS, 'text/css; charset=utf-8', true);
  if (name === 'console.js') return textResponse(200, CONSOLE_JS, 'text/javascript; charset=utf-8', true);
  return textResponse(404, 'not found', 'text/plain; charset=utf-8');
};

/** A form past the console's budget: refused with its 4xx, the limit named in the page. */
const tooLargePage = (base: string, error: KmsError): HttpResponse =>
  htmlResponse(error.httpStatus, publicPage(base, 'Refused', html`<div class="alert alert-error" role="alert"><strong>Refused.</strong> <p>${error.message}</p></div>`));

const forbiddenPage = (base: string, message: string): HttpResponse =>
  htmlResponse(403, publicPage(base, 'Refused', html`<div class="alert alert-error" role="alert"><strong>Refused.</strong> <p>${message}</p></div><p><a href="${base}/secrets">Back to the console</a></p>`));

/** Verifies the AccessKey once, then issues the session; the secret is not kept anywhere. */
const signIn = async (req: HttpRequest, deps: ConsoleDeps, base: string): Promise<HttpResponse> => {
  let form: Record<string, string>;
  try {
    form = parseForm(req);
  } catch (error) {
    if (isRequestLimitError(error)) return tooLargePage(base, error);
    throw error;
  }
  const accessKeyId = (form.accessKeyId ?? '').trim();
  if (deps.signInLimiter.isBlocked(req.sourceIp)) {
    return htmlResponse(429, signInPage(base, 'Too many failed sign-ins from this address. Try again in 15 minutes.', accessKeyId));
  }
  const credential = /^[A-Za-z0-9._-]{1,128}$/.test(accessKeyId) ? await deps.credentials(accessKeyId) : null;
  // Compared even for an unknown key, so the answer takes as long either way.
  const secretMatches = constantTimeEqual(form.accessKeySecret ?? '', credential?.accessKeySecret ?? randomUUID());
  const ok = credential !== null && secretMatches && credential.status === 'Active';
  await auditSignIn(deps, req, accessKeyId, ok ? undefined : credential && secretMatches ? 'InvalidAccessKeyId.Inactive' : 'Console.SignInFailed');
  if (!ok) deps.signInLimiter.recordFailure(req.sourceIp);
  if (!ok) return htmlResponse(401, signInPage(base, 'Sign-in failed: the AccessKey ID or secret is wrong, or the key is disabled.', accessKeyId));
  const { token } = issueSession(deps.keys, accessKeyId, keyStateOf(deps.keys, credential), deps.clock.now() + deps.sessionTtlMs);
  const cookie = sessionCookie(token, { path: base || '/', secure: isSecure(req), maxAgeSeconds: Math.floor(deps.sessionTtlMs / 1000) });
  return redirect(`${base}/secrets`, { 'set-cookie': cookie });
};

const auditSignIn = async (deps: ConsoleDeps, req: HttpRequest, accessKeyId: string, code: string | undefined): Promise<void> => {
  const record: KmsCallRecord = {
    requestId: randomUUID(),
    time: deps.clock.now(),
    action: 'ConsoleSignIn',
    accessKeyId: accessKeyId.slice(0, 128),
    outcome: code === undefined ? 'ok' : 'error',
    ...(code !== undefined ? { code } : {}),
    sourceIp: req.sourceIp,
  };
  try {
    await deps.audit?.(record);
  } catch {
    // A sign-in is not refused because the audit sink is down; the sink reports its own faults.
  }
};
