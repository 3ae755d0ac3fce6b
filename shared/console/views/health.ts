import type { KmsError } from '../../domain/errors.js';
import type { SecretRecord } from '../../domain/secret.js';
import type { HealthFigures } from '../history.js';
import { formatDuration, formatTime, html, type Markup, when } from './html.js';
import { errorBox, page, secretPath, type PageContext } from './layout.js';

const CHART_W = 640;
const CHART_H = 180;
const PAD = 28;

/** Rotation durations as an inline SVG bar chart (no script, no external asset). */
export const durationChart = (durations: HealthFigures['durations']): Markup => {
  if (durations.length === 0) return html`<p class="sub">No rotation finished in the last 24 hours.</p>`;
  const shown = durations.slice(-40);
  const max = Math.max(...shown.map((d) => d.durationMs), 1);
  const slot = (CHART_W - PAD) / shown.length;
  const bar = Math.min(48, Math.max(2, slot * 0.7));
  return html`<figure><svg class="chart" viewBox="0 0 ${CHART_W} ${CHART_H}" role="img" aria-labelledby="chart-t" width="100%">
<title id="chart-t">Rotation durations, last 24 hours (longest ${formatDuration(max)})</title>
<line x1="${PAD}" y1="${CHART_H - PAD}" x2="${CHART_W}" y2="${CHART_H - PAD}" class="axis"/>
<text x="0" y="12" class="tick">${formatDuration(max)}</text><text x="0" y="${CHART_H - PAD}" class="tick">0</text>
${shown.map((d, i) => {
  const h = Math.max(1, ((CHART_H - 2 * PAD) * d.durationMs) / max);
  return html`<rect x="${(PAD + i * slot).toFixed(1)}" y="${(CHART_H - PAD - h).toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}" class="${d.ok ? 'bar-ok' : 'bar-failed'}"><title>${d.secretName}: ${formatDuration(d.durationMs)}, ${d.ok ? 'succeeded' : 'failed'}, ${d.at}</title></rect>`;
})}
</svg><figcaption>Each bar is one finished rotation, oldest left; red bars failed.</figcaption></figure>`;
};

export const healthPage = (
  ctx: PageContext,
  figures: HealthFigures | null,
  overdue: SecretRecord[],
  error: KmsError | null,
): Markup =>
  page(
    ctx,
    'Health',
    html`<h1>Health</h1>${errorBox(error)}
${
  figures
    ? html`<div class="cards"><div class="card"><span class="num" data-figure="succeeded">${figures.succeeded}</span> rotations succeeded (24 h)</div>
<div class="card card-bad"><span class="num" data-figure="failed">${figures.failed}</span> rotations failed (24 h)</div>
<div class="card"><span class="num" data-figure="overdue">${overdue.length}</span> overdue secrets</div></div>
<section class="panel" aria-labelledby="chart-h"><h2 id="chart-h">Rotation durations</h2>${durationChart(figures.durations)}</section>`
    : html`<p class="sub">Rotation figures come from the monitoring events, which this deployment publishes to its topic only.</p>
<div class="cards"><div class="card"><span class="num" data-figure="overdue">${overdue.length}</span> overdue secrets</div></div>`
}
<section class="panel" aria-labelledby="overdue-h"><h2 id="overdue-h">Overdue secrets</h2>
${when(overdue.length === 0, () => html`<p class="sub">None: every automatic rotation ran on time.</p>`)}
${when(
  overdue.length > 0,
  () => html`<table class="grid"><thead><tr><th scope="col">Secret</th><th scope="col">Rotation was due</th></tr></thead><tbody>
${overdue.map((s) => html`<tr><td><a href="${secretPath(ctx, s.name)}">${s.name}</a></td><td>${formatTime(s.rotation.nextRotationAt)}</td></tr>`)}</tbody></table>`,
)}</section>`,
  );
