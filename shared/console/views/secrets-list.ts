import type { ListSecretsOutput } from '../../app/commands.js';
import { SECRET_TYPES, type SecretRecord } from '../../domain/secret.js';
import type { KmsError } from '../../domain/errors.js';
import { statusOf, type ListQuery } from '../gateway.js';
import { formatInterval, formatTime, html, type Markup, when } from './html.js';
import { errorBox, noticeBox, page, secretPath, STATUS_LABELS, TYPE_LABELS, type PageContext } from './layout.js';

export const statusBadge = (secret: SecretRecord): Markup => {
  const status = statusOf(secret);
  const date = status === 'pending-deletion' ? html` <span class="sub">(deletes ${formatTime(secret.plannedDeleteAt)})</span>` : html``;
  return html`<span class="badge badge-${status}">${STATUS_LABELS[status]}</span>${date}`;
};

/** The "More" menu of the seeds: Plan Deletion Secret, or Restore Secret for a secret pending deletion. */
export const moreMenu = (ctx: PageContext, secret: SecretRecord): Markup =>
  html`<details class="menu"><summary>More<span class="visually-hidden"> actions for ${secret.name}</span></summary><ul>
${
  secret.plannedDeleteAt === null
    ? html`<li><a href="${secretPath(ctx, secret.name, 'delete')}">Plan Deletion Secret</a></li>`
    : html`<li><a href="${secretPath(ctx, secret.name, 'restore')}">Restore Secret</a></li>`
}</ul></details>`;

const row = (ctx: PageContext, s: SecretRecord): Markup => html`<tr>
<td><a href="${secretPath(ctx, s.name)}">${s.name}</a></td>
<td>${TYPE_LABELS[s.type]}</td>
<td>${s.rotation.enabled ? 'On' : 'Off'}</td>
<td>${s.rotation.enabled ? formatInterval(s.rotation.intervalSeconds) : '—'}</td>
<td>${formatTime(s.rotation.lastRotatedAt)}</td>
<td>${s.rotation.enabled ? formatTime(s.rotation.nextRotationAt) : '—'}</td>
<td>${statusBadge(s)}</td>
<td class="actions"><a href="${secretPath(ctx, s.name)}">Details</a> ${moreMenu(ctx, s)}</td>
</tr>`;

const option = (value: string, label: string, selected: string): Markup =>
  html`<option value="${value}"${value === selected ? html` selected` : html``}>${label}</option>`;

const pageLink = (ctx: PageContext, query: ListQuery, pageNumber: number, label: string, rel: string): Markup => {
  const params = new URLSearchParams({ search: query.search, type: query.type, status: query.status, page: String(pageNumber) });
  return html`<a href="${ctx.base}/secrets?${params.toString()}" rel="${rel}">${label}</a>`;
};

export const secretsListPage = (
  ctx: PageContext,
  query: ListQuery,
  result: ListSecretsOutput | null,
  error: KmsError | null,
  notice: string | null,
): Markup => {
  const pages = result ? Math.max(1, Math.ceil(result.total / result.pageSize)) : 1;
  return page(
    ctx,
    'Secrets',
    html`<div class="title-row"><h1>Secrets</h1><a class="btn btn-primary" href="${ctx.base}/secrets/new">Create Secret</a></div>
${noticeBox(notice)}${errorBox(error)}
<form class="filters" method="get" action="${ctx.base}/secrets" role="search">
<label>Name contains <input type="search" name="search" value="${query.search}"></label>
<label>Type <select name="type">${option('', 'All types', query.type)}${SECRET_TYPES.map((t) => option(t, TYPE_LABELS[t], query.type))}</select></label>
<label>Status <select name="status">${option('', 'Any status', query.status)}${Object.entries(STATUS_LABELS).map(([k, v]) => option(k, v, query.status))}</select></label>
<button type="submit" class="btn">Search</button>
</form>
${when(
  result,
  () => html`<table class="grid"><caption class="visually-hidden">Secrets</caption><thead><tr>
<th scope="col">Secret name</th><th scope="col">Secret type</th><th scope="col">Automatic rotation</th><th scope="col">Rotation period</th>
<th scope="col">Last rotation</th><th scope="col">Next rotation</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
<tbody>${result?.secrets.length ? result.secrets.map((s) => row(ctx, s)) : html`<tr><td colspan="8" class="empty">No secrets match.</td></tr>`}</tbody></table>
<nav class="pager" aria-label="Pages"><span>${result?.total} secrets · page ${query.pageNumber} of ${pages}</span>
${when(query.pageNumber > 1, () => pageLink(ctx, query, query.pageNumber - 1, 'Previous page', 'prev'))}
${when(query.pageNumber < pages, () => pageLink(ctx, query, query.pageNumber + 1, 'Next page', 'next'))}</nav>`,
)}`,
  );
};
