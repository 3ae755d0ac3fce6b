/** Create Secret in three steps (Configure credentials, Configure rotation, Review and confirm), then "Created successfully". */
import type { KmsError } from '../../domain/errors.js';
import type { Draft } from '../create-draft.js';
import { reviewRows } from '../create-draft.js';
import { html, type Markup, when } from './html.js';
import { csrfField, errorBox, page, secretPath, TYPE_LABELS, type PageContext } from './layout.js';

const STEPS = ['Configure credentials', 'Configure rotation', 'Review and confirm'];

const stepper = (current: number): Markup =>
  html`<ol class="stepper">${STEPS.map((s, i) => html`<li${i === current ? html` aria-current="step" class="current"` : html``}>${i + 1}. ${s}</li>`)}</ol>`;

const checked = (on: boolean): Markup => (on ? html` checked` : html``);

const radio = (name: string, value: string, label: string, current: string, id = `${name}-${value}`): Markup =>
  html`<span class="choice"><input type="radio" id="${id}" name="${name}" value="${value}"${checked(current === value)}> <label for="${id}">${label}</label></span>`;

const text = (name: string, label: string, value: string, attrs: Markup = html``): Markup =>
  html`<p class="field"><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" value="${value}"${attrs}></p>`;

/** Secret inputs are never filled back in: a page holds no secret value, even one the user typed. */
const secretInput = (name: string, label: string, kept: boolean, multiline = false): Markup =>
  html`<p class="field"><label for="f-${name}">${label}</label>${
    multiline
      ? html`<textarea id="f-${name}" name="${name}" rows="4" autocomplete="off" spellcheck="false"></textarea>`
      : html`<input id="f-${name}" name="${name}" type="password" autocomplete="new-password">`
  }${when(kept, () => html`<span class="sub">Leave empty to keep the value entered before.</span>`)}</p>`;

const hiddenDraft = (ctx: PageContext, sealed: string): Markup => html`${csrfField(ctx)}<input type="hidden" name="draft" value="${sealed}">`;

const typeFields = (d: Draft, kept: boolean): Markup => html`
<fieldset data-when="type=Generic"><legend>Generic secret</legend>
${secretInput('generic_value', 'Secret value', kept, true)}
<p class="choice"><input type="checkbox" id="f-generic_generated" name="generic_generated" value="on"${checked(d.generic.generated)}>
<label for="f-generic_generated">Generated password: rotation generates a new random password</label></p>
</fieldset>
<fieldset data-when="type=ECS"><legend>Managed ECS secret</legend>
${text('ecs_instance', 'Managed instance (ECS instance ID)', d.ecs.instanceId, html` placeholder="i-bp1..."`)}
${text('ecs_region', 'Region of the instance', d.ecs.regionId)}
${text('ecs_user', 'Managed user', d.ecs.userName)}
<fieldset><legend>Initial secret value</legend>${radio('ecs_kind', 'Password', 'Password', d.ecs.kind)} ${radio('ecs_kind', 'SSHKey', 'Key Pair', d.ecs.kind)}
<div data-when="ecs_kind=Password">${secretInput('ecs_password', 'Password', kept)}</div>
<div data-when="ecs_kind=SSHKey">${text('ecs_public_key', 'Public key (OpenSSH line)', d.ecs.publicKey)}${secretInput('ecs_private_key', 'Private key (PEM)', kept, true)}</div>
</fieldset></fieldset>
<fieldset data-when="type=RAMCredentials"><legend>Managed RAM secret</legend>
${text('ram_user', 'RAM user', d.ram.userName)}
${text('ram_key_id', 'AccessKey ID of the user', d.ram.accessKeyId)}
${secretInput('ram_key_secret', 'AccessKey secret (set secret value)', kept)}
<p class="sub">The secret is named acs/ram/user/&lt;RAM user&gt;. A wrong AccessKey secret is healed by the first rotation.</p>
</fieldset>
<fieldset data-when="type=Rds"><legend>Managed Credential for RDS</legend>
${text('rds_instance', 'RDS instance ID', d.rds.instanceId, html` placeholder="rm-..."`)}
<fieldset><legend>Secret value</legend>
${radio('rds_strategy', 'DoubleUsers', 'Manage Dual Account (recommended)', d.rds.strategy)} ${radio('rds_strategy', 'SingleUser', 'Manage Single Account', d.rds.strategy)}
<p>${radio('rds_mode', 'create', 'One-click creation and authorization', d.rds.mode)} ${radio('rds_mode', 'import', 'Import existing accounts', d.rds.mode)}</p>
<div data-when="rds_mode=create">
${text('rds_account', 'Account name', d.rds.accountName)}
<div data-when="rds_strategy=SingleUser"><p class="field"><span class="label">Account type</span> ${radio('rds_account_type', 'Normal', 'Common Account', d.rds.accountType)} ${radio('rds_account_type', 'Super', 'High Authority Account', d.rds.accountType)}</p></div>
${text('rds_db', 'Database (common accounts)', d.rds.database)}
<p class="field"><label for="f-rds_privilege">Permission</label><select id="f-rds_privilege" name="rds_privilege">${['ReadWrite', 'ReadOnly', 'DDLOnly', 'DMLOnly', 'DBOwner'].map(
  (p) => html`<option${d.rds.privilege === p ? html` selected` : html``}>${p}</option>`,
)}</select></p>
</div>
<div data-when="rds_mode=import">
${text('rds_import_name1', 'Username', d.rds.accounts[0]?.name ?? '')}${secretInput('rds_import_password1', 'Password', kept)}
<div data-when="rds_strategy=DoubleUsers">${text('rds_import_name2', 'Second username', d.rds.accounts[1]?.name ?? '')}${secretInput('rds_import_password2', 'Second password', kept)}</div>
</div></fieldset></fieldset>`;

export const credentialsStep = (ctx: PageContext, d: Draft, sealed: string | null, error: KmsError | null): Markup =>
  page(
    ctx,
    'Create Secret',
    html`<h1>Create Secret</h1>${stepper(0)}${errorBox(error)}
<form method="post" action="${ctx.base}/secrets/new/credentials" class="wizard">${csrfField(ctx)}${when(sealed, () => html`<input type="hidden" name="draft" value="${sealed}">`)}
<fieldset><legend>Select type</legend>${(['Generic', 'ECS', 'RAMCredentials', 'Rds'] as const).map((t) => radio('type', t, TYPE_LABELS[t], d.type))}</fieldset>
<div data-when-not="type=RAMCredentials">${text('name', 'Secret name', d.name)}</div>
${typeFields(d, sealed !== null)}
${text('description', 'Secret description', d.description)}
<div class="buttons"><button type="submit" class="btn btn-primary">Next</button> <a class="btn" href="${ctx.base}/secrets">Cancel</a></div>
</form>`,
  );

export const rotationStep = (ctx: PageContext, d: Draft, sealed: string, error: KmsError | null): Markup => {
  const on = d.rotation?.enabled ?? false;
  return page(
    ctx,
    'Create Secret',
    html`<h1>Create Secret</h1>${stepper(1)}${errorBox(error)}
<form method="post" action="${ctx.base}/secrets/new/rotation" class="wizard">${hiddenDraft(ctx, sealed)}
<fieldset><legend>Automatic rotation</legend>
${radio('rotation', 'on', 'Turn on automatic rotation', on ? 'on' : 'off')} ${radio('rotation', 'off', 'Turn off automatic rotation', on ? 'on' : 'off')}
<p class="field" data-when="rotation=on"><label for="f-period">Rotation Period</label>
<input id="f-period" name="period" type="number" min="1" max="8760" value="${d.rotation?.period || 7}">
<select name="unit" aria-label="Rotation period unit"><option value="d"${d.rotation?.unit === 'h' ? html`` : html` selected`}>days</option><option value="h"${d.rotation?.unit === 'h' ? html` selected` : html``}>hours</option></select></p>
</fieldset>
<div class="buttons"><button type="submit" class="btn btn-primary">Next</button>
<button type="submit" class="btn" formaction="${ctx.base}/secrets/new/edit">Previous</button></div>
</form>`,
  );
};

export const reviewStep = (ctx: PageContext, d: Draft, sealed: string, error: KmsError | null): Markup =>
  page(
    ctx,
    'Create Secret',
    html`<h1>Create Secret</h1>${stepper(2)}${errorBox(error)}
<table class="grid review"><caption>Secret type: ${TYPE_LABELS[d.type]}</caption><tbody>
${reviewRows(d).map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody></table>
<form method="post" action="${ctx.base}/secrets/new/confirm" class="wizard">${hiddenDraft(ctx, sealed)}
<div class="buttons"><button type="submit" class="btn btn-primary">OK</button>
<button type="submit" class="btn" formaction="${ctx.base}/secrets/new/edit">Edit credentials</button>
<a class="btn" href="${ctx.base}/secrets">Cancel</a></div>
</form>`,
  );

export const createdPage = (ctx: PageContext, name: string): Markup =>
  page(
    ctx,
    'Created successfully',
    html`<section class="dialog" aria-labelledby="dlg-h"><h1 id="dlg-h">Created successfully</h1>
<p role="status">The secret <strong>${name}</strong> has been created.</p>
<div class="buttons"><a class="btn btn-primary" href="${secretPath(ctx, name)}">View secret details</a> <a class="btn" href="${ctx.base}/secrets">Close</a></div>
</section>`,
  );
