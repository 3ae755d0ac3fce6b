import type { KmsError } from '../../domain/errors.js';
import type { SecretType } from '../../domain/secret.js';
import type { SecretStatus } from '../gateway.js';
import { html, type Markup, when } from './html.js';

/** What every signed-in page needs to draw its frame and its forms. */
export interface PageContext {
  base: string;
  accessKeyId: string;
  csrf: string;
}

export const TYPE_LABELS: Record<SecretType, string> = {
  ECS: 'Managed ECS secret',
  RAMCredentials: 'Managed RAM secret',
  Rds: 'Managed Credential for RDS',
  Redis: 'Managed Redis secret',
  PolarDB: 'Managed PolarDB secret',
  Generic: 'Generic',
};

export const STATUS_LABELS: Record<SecretStatus, string> = {
  normal: 'Normal',
  rotating: 'Rotating',
  failed: 'Rotation failed',
  'pending-deletion': 'Pending deletion',
};

export const csrfField = (ctx: PageContext): Markup => html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;

export const secretPath = (ctx: PageContext, name: string, action = ''): string =>
  `${ctx.base}/secrets/${encodeURIComponent(name)}${action ? `/${action}` : ''}`;

export const errorBox = (error: KmsError | null): Markup =>
  when(error, () =>
    html`<div class="alert alert-error" role="alert"><strong>${error?.httpStatus === 403 ? 'Access denied' : 'The request failed'}</strong>
      <p><code>${error?.code}</code> ${error?.message}</p></div>`,
  );

export const noticeBox = (text: string | null): Markup =>
  when(text, () => html`<div class="alert alert-ok" role="status">${text}</div>`);

const shell = (base: string, title: string, header: Markup, main: Markup): Markup => html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · secret-rotor console</title>
<link rel="stylesheet" href="${base}/assets/console.css">
<script src="${base}/assets/console.js" defer></script>
</head><body>
<a class="skip" href="#main">Skip to content</a>
${header}
<main id="main" tabindex="-1">${main}</main>
</body></html>`;

export const page = (ctx: PageContext, title: string, main: Markup): Markup =>
  shell(
    ctx.base,
    title,
    html`<header class="top"><span class="brand">secret-rotor</span>
<nav aria-label="Main"><a href="${ctx.base}/secrets">Secrets</a><a href="${ctx.base}/secrets/new">Create Secret</a><a href="${ctx.base}/health">Health</a></nav>
<form method="post" action="${ctx.base}/signout" class="signout"><span class="who">Signed in as <code>${ctx.accessKeyId}</code></span>${csrfField(ctx)}<button type="submit" class="btn-link">Sign out</button></form>
</header>`,
    main,
  );

export const publicPage = (base: string, title: string, main: Markup): Markup =>
  shell(base, title, html`<header class="top"><span class="brand">secret-rotor</span></header>`, main);
