/** The confirmations of the seeds: Rotate Immediately, Plan Deletion Secret, Restore Secret. */
import type { KmsError } from '../../domain/errors.js';
import type { SecretRecord } from '../../domain/secret.js';
import { html, type Markup } from './html.js';
import { csrfField, errorBox, page, secretPath, TYPE_LABELS, type PageContext } from './layout.js';

const back = (ctx: PageContext, s: SecretRecord): Markup => html`<a class="btn" href="${secretPath(ctx, s.name)}">Cancel</a>`;

export const rotatePage = (ctx: PageContext, s: SecretRecord, error: KmsError | null): Markup =>
  page(
    ctx,
    `Rotate ${s.name}`,
    html`<section class="dialog" aria-labelledby="dlg-h"><h1 id="dlg-h">Rotate Immediately</h1>
<p>Rotate <strong>${s.name}</strong> (${TYPE_LABELS[s.type]}) now. Applications reading ACSCurrent get the new value once the rotation completes.</p>
${errorBox(error)}
<form method="post" action="${secretPath(ctx, s.name, 'rotate')}">${csrfField(ctx)}
<p class="switch"><input type="checkbox" id="use-custom" name="useCustom" value="on" role="switch" aria-controls="custom-value-field">
<label for="use-custom">Use Custom Secret</label></p>
<p class="sub">Off: a new value is generated (a 32-character password, or an RSA-2048 key pair for key-pair secrets). On: enter the new value.</p>
<div id="custom-value-field" class="field" data-shown-by="use-custom"><label for="custom-value">New secret value</label>
<textarea id="custom-value" name="customValue" rows="4" autocomplete="off" spellcheck="false"></textarea></div>
<div class="buttons"><button type="submit" class="btn btn-primary">Confirm rotation</button> ${back(ctx, s)}</div>
</form></section>`,
  );

export const deletePage = (ctx: PageContext, s: SecretRecord, error: KmsError | null): Markup =>
  page(
    ctx,
    `Delete ${s.name}`,
    html`<section class="dialog" aria-labelledby="dlg-h"><h1 id="dlg-h">Delete Secret</h1>
<p>Make sure <strong>${s.name}</strong> is no longer used. Deleting a secret does not change the credential on its target.</p>
${errorBox(error)}
<form method="post" action="${secretPath(ctx, s.name, 'delete')}">${csrfField(ctx)}
<fieldset><legend>Method</legend>
<p><input type="radio" id="m-plan" name="method" value="plan" checked> <label for="m-plan">Plan Deletion Secret</label></p>
<p class="indent"><label for="days">Delete In (7 to 30 Days)</label> <input type="number" id="days" name="days" min="7" max="30" value="30" required></p>
<p class="sub indent">Until then the secret can be restored; its value cannot be read.</p>
<p><input type="radio" id="m-now" name="method" value="now"> <label for="m-now">Delete Secret Immediately</label></p>
<p class="sub indent">The secret and all its versions are removed at once and cannot be restored.</p>
</fieldset>
<div class="buttons"><button type="submit" class="btn btn-danger">OK</button> ${back(ctx, s)}</div>
</form></section>`,
  );

export const restorePage = (ctx: PageContext, s: SecretRecord, error: KmsError | null): Markup =>
  page(
    ctx,
    `Restore ${s.name}`,
    html`<section class="dialog" aria-labelledby="dlg-h"><h1 id="dlg-h">Restore Secret</h1>
<p>Cancel the planned deletion of <strong>${s.name}</strong>? It can be used as normal again.</p>
${errorBox(error)}
<form method="post" action="${secretPath(ctx, s.name, 'restore')}">${csrfField(ctx)}
<div class="buttons"><button type="submit" class="btn btn-primary">OK</button> ${back(ctx, s)}</div>
</form></section>`,
  );
