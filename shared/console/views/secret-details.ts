import type { ListSecretVersionIdsOutput } from '../../app/commands.js';
import type { KmsError } from '../../domain/errors.js';
import type { SecretRecord } from '../../domain/secret.js';
import type { RotationEntry, RotationProgress } from '../history.js';
import { formatDuration, formatInterval, formatTime, html, type Markup, when } from './html.js';
import { csrfField, errorBox, noticeBox, page, secretPath, TYPE_LABELS, type PageContext } from './layout.js';
import { moreMenu, statusBadge } from './secrets-list.js';

export interface DetailsModel {
  secret: SecretRecord;
  versions: ListSecretVersionIdsOutput | null;
  timeline: RotationEntry[] | null;
  /** Set right after Rotate Immediately: the rotation whose progress is followed. */
  progress: RotationProgress | null;
  /** Only after an explicit reveal by a caller allowed kms:GetSecretValue. */
  revealed: string | null;
  error: KmsError | null;
  notice: string | null;
}

const metadata = (s: SecretRecord): Markup => html`<dl class="meta">
<dt>Secret type</dt><dd>${TYPE_LABELS[s.type]}</dd>
<dt>Status</dt><dd>${statusBadge(s)}</dd>
<dt>Description</dt><dd>${s.description || '—'}</dd>
<dt>Created</dt><dd>${formatTime(s.createdAt)}</dd>
<dt>Automatic rotation</dt><dd>${s.rotation.enabled ? `On, every ${formatInterval(s.rotation.intervalSeconds)}` : 'Off'}</dd>
<dt>Last rotation</dt><dd>${formatTime(s.rotation.lastRotatedAt)}</dd>
<dt>Next rotation</dt><dd>${s.rotation.enabled ? formatTime(s.rotation.nextRotationAt) : '—'}</dd>
${when(s.lastRotation?.error, () => html`<dt>Last rotation error</dt><dd><code>${s.lastRotation?.error?.code}</code> ${s.lastRotation?.error?.message}</dd>`)}
${when(s.extendedConfig, () => html`<dt>Extended config</dt><dd><code class="wrap">${s.extendedConfig}</code></dd>`)}
</dl>`;

const versionsTable = (versions: ListSecretVersionIdsOutput): Markup => html`<table class="grid"><thead><tr>
<th scope="col">Version</th><th scope="col">Stages</th><th scope="col">Created</th></tr></thead><tbody>
${versions.versions.map((v) => html`<tr><td><code>${v.versionId}</code></td><td>${v.stages.map((st) => html`<span class="stage">${st}</span> `)}</td><td>${formatTime(v.createdAt)}</td></tr>`)}
</tbody></table>`;

const timelineView = (timeline: RotationEntry[] | null): Markup => {
  if (timeline === null) return html`<p class="sub">Rotation history is read from the monitoring events, which this deployment publishes to its topic only.</p>`;
  if (timeline.length === 0) return html`<p class="sub">No rotation in the last 30 days.</p>`;
  return html`<ol class="timeline">${timeline.map(
    (r) => html`<li class="rot rot-${r.outcome}"><div><strong>${r.outcome}</strong> · version <code>${r.versionId}</code> · ${r.trigger || 'rotation'}${r.customValue ? ' (custom value)' : ''}
 · started ${r.startedAt ?? '—'} · took ${formatDuration(r.durationMs)}${when(r.errorCode, () => html` · <code>${r.errorCode}</code>`)}</div>
<ol class="steps">${r.steps.map(
      (s) => html`<li class="step step-${s.outcome}">${s.step} (attempt ${s.attempt}): ${s.outcome}, ${formatDuration(s.durationMs)}${when(s.errorCode, () => html` <code>${s.errorCode}</code>`)}</li>`,
    )}</ol></li>`,
  )}</ol>`;
};

export const progressView = (ctx: PageContext, secretName: string, p: RotationProgress): Markup => html`<section class="panel" aria-labelledby="progress-h"
 data-progress-url="${secretPath(ctx, secretName, 'progress')}?version=${encodeURIComponent(p.versionId)}">
<h2 id="progress-h">Rotation progress</h2>
<p class="progress-state" aria-live="polite">Rotation <code>${p.versionId}</code>: <strong data-field="state">${p.state}</strong>
<span data-field="error">${p.errorCode ? `${p.errorCode}: ${p.errorMessage ?? ''}` : ''}</span></p>
<ol class="progress">${p.steps.map((s) => html`<li data-step="${s.step}" class="ps-${s.state}">${s.step} <span class="sub">${s.state}</span></li>`)}</ol>
<p><a class="btn" href="${secretPath(ctx, secretName)}">Close</a> <span class="sub">(the details above show the state when this page loaded)</span></p>
</section>`;

const valueSection = (ctx: PageContext, s: SecretRecord, revealed: string | null): Markup =>
  html`<section class="panel" aria-labelledby="value-h"><h2 id="value-h">Secret value</h2>
${
  revealed === null
    ? html`<p class="sub">The value (ACSCurrent) is shown only on request; showing it needs kms:GetSecretValue.</p>
<form method="post" action="${secretPath(ctx, s.name, 'reveal')}">${csrfField(ctx)}<button type="submit" class="btn">Show secret value</button></form>`
    : html`<pre class="value" id="secret-value">${revealed}</pre><p><a href="${secretPath(ctx, s.name)}">Hide value</a></p>`
}</section>`;

export const detailsPage = (ctx: PageContext, m: DetailsModel): Markup => {
  const s = m.secret;
  return page(
    ctx,
    s.name,
    html`<p><a href="${ctx.base}/secrets">← Secrets</a></p>
<div class="title-row"><h1>${s.name}</h1><div class="title-actions">
${when(s.plannedDeleteAt === null, () => html`<a class="btn btn-primary" href="${secretPath(ctx, s.name, 'rotate')}">Rotate Immediately</a>`)}
${moreMenu(ctx, s)}</div></div>
${noticeBox(m.notice)}${errorBox(m.error)}
${when(m.progress, () => progressView(ctx, s.name, m.progress as RotationProgress))}
${metadata(s)}
${valueSection(ctx, s, m.revealed)}
<section class="panel" aria-labelledby="versions-h"><h2 id="versions-h">Versions</h2>
${m.versions ? versionsTable(m.versions) : html`<p class="sub">Versions are not available.</p>`}</section>
<section class="panel" aria-labelledby="history-h"><h2 id="history-h">Rotation history</h2>${timelineView(m.timeline)}</section>`,
  );
};
