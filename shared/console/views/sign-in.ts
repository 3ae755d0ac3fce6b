import { html, type Markup, when } from './html.js';
import { publicPage } from './layout.js';

export const signInPage = (base: string, failed: string | null, accessKeyId = ''): Markup =>
  publicPage(
    base,
    'Sign in',
    html`<section class="dialog signin" aria-labelledby="signin-h"><h1 id="signin-h">Sign in</h1>
<p>Sign in with an AccessKey. Its policies decide what you can see and do here, exactly as for the KMS API.</p>
${when(failed, () => html`<div class="alert alert-error" role="alert">${failed}</div>`)}
<form method="post" action="${base}/signin">
<p class="field"><label for="ak-id">AccessKey ID</label><input id="ak-id" name="accessKeyId" value="${accessKeyId}" autocomplete="username" required autofocus></p>
<p class="field"><label for="ak-secret">AccessKey secret</label><input id="ak-secret" name="accessKeySecret" type="password" autocomplete="current-password" required></p>
<div class="buttons"><button type="submit" class="btn btn-primary">Sign in</button></div>
</form>
<p class="sub">The secret is checked once; the browser then keeps only a short-lived session cookie.</p></section>`,
  );
