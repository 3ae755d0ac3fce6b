/**
 * The web console end to end: real headless Chromium against the real local runtime (in-process,
 * with its rotation queue running), signed in with AccessKeys whose policies decide what it may do.
 * Every flow of the console is driven through the browser; screenshots go to test-artifacts/console.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startLocalRuntime, type LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { tempDir, testConfig, type TempDir } from '../support/runtime.js';
import { eventually } from '../support/e2e.js';
import { openBrowser, screenshot, type BrowserSession } from './browser.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const REGION = 'cn-hangzhou';
const ACCOUNT = '1234567890';
const PLAIN_VALUE = 'plain-VALUE-4c1e<&>"quoted"';
const WIZARD_VALUE = 'wizard-INITIAL-9d2f';
const CUSTOM_VALUE = 'custom-ROTATED-7a3b';

let dir: TempDir;
let runtime: LocalRuntime;
let base: string;
let root: { id: string; secret: string };
let reader: { id: string; secret: string };
let browser: BrowserSession;

const READER_POLICY = JSON.stringify({
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: ['kms:ListSecrets'], Resource: `acs:kms:*:*:secret` },
    { Effect: 'Allow', Action: ['kms:DescribeSecret', 'kms:ListSecretVersionIds'], Resource: `acs:kms:*:*:secret/*` },
  ],
});

const createGeneric = (name: string, value: string, extendedConfig?: string) =>
  runtime.container.service.createSecret({
    secretName: name,
    versionId: 'v1',
    secretData: value,
    secretType: 'Generic',
    ...(extendedConfig ? { extendedConfig } : {}),
  });

const signIn = async (page: Page, key: { id: string; secret: string }): Promise<void> => {
  await page.goto(`${base}/console/`);
  await page.getByLabel('AccessKey ID').fill(key.id);
  await page.getByLabel('AccessKey secret').fill(key.secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
};

const detailsUrl = (name: string) => `${base}/console/secrets/${encodeURIComponent(name)}`;

const sessionCookie = async (session: BrowserSession) => {
  const cookies = await session.context.cookies(`${base}/console/`);
  const cookie = cookies.find((c) => c.name === 'rotor_console');
  if (!cookie) throw new Error('no console session cookie');
  return cookie;
};

/** A form post made outside the page (a forged or replayed request), with the browser's session cookie. */
const postWithCookie = async (path: string, form: Record<string, string>, extraHeaders: Record<string, string> = {}) => {
  const cookie = await sessionCookie(browser);
  return fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `rotor_console=${cookie.value}`, ...extraHeaders },
    body: new URLSearchParams(form).toString(),
  });
};

const csrfOf = async (page: Page): Promise<string> => (await page.locator('input[name="_csrf"]').first().inputValue());

beforeAll(async () => {
  dir = tempDir('rotor-console-');
  runtime = await startLocalRuntime({
    // One attempt per step, so the rotation against an unreachable host fails at once.
    config: testConfig(dir.path, { ROTOR_REGION: REGION, ROTOR_ACCOUNT_ID: ACCOUNT, ROTOR_MAX_STEP_ATTEMPTS: '1' }),
    timers: false,
    queueIdleMs: 50,
  });
  base = runtime.url.replace(/\/$/, '');
  root = { id: runtime.container.rootCredentials.accessKeyId, secret: runtime.container.rootCredentials.accessKeySecret };
  const created = await runtime.container.accessKeys.createAccessKey({ description: 'console reader' });
  reader = { id: created.key.accessKeyId, secret: created.accessKeySecret };
  await runtime.container.accessKeys.putPolicy(reader.id, 'reader', READER_POLICY);
  await createGeneric('app/plain', PLAIN_VALUE);
  // A host nothing listens on: its rotations fail at the apply step.
  await createGeneric(
    'hosts/unreachable',
    '{"UserName":"deploy","Password":"unreachable-VALUE"}',
    JSON.stringify({
      SecretSubType: 'LinuxPassword',
      Host: '127.0.0.1',
      Port: 1,
      UserName: 'deploy',
      ManagerSecretName: 'hosts/manager',
      HostKeyFingerprint: `SHA256:${'A'.repeat(43)}`,
    }),
  );
  for (let i = 1; i <= 22; i++) await createGeneric(`bulk-${String(i).padStart(2, '0')}`, `bulk-value-${i}`);
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  dir?.remove();
});

describe('sign-in', () => {
  it('refuses a wrong AccessKey secret and sets no session', async () => {
    const { page } = browser;
    await page.goto(`${base}/console/`);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeDefined();
    await page.getByLabel('AccessKey ID').fill(root.id);
    await page.getByLabel('AccessKey secret').fill(`${root.secret}x`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Sign-in failed');
    expect((await browser.context.cookies(`${base}/console/`)).some((c) => c.name === 'rotor_console')).toBe(false);
    await screenshot(page, '01-sign-in-failed');
    // Without a session every page leads back to sign-in.
    await page.goto(`${base}/console/secrets`);
    expect(new URL(page.url()).pathname).toBe('/console/signin');
  });

  it('signs in with the root AccessKey; the session cookie is HttpOnly, SameSite=Strict and holds no secret', async () => {
    await signIn(browser.page, root);
    const cookie = await sessionCookie(browser);
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');
    expect(cookie.path).toBe('/console');
    const [payload] = cookie.value.split('.');
    const decoded = Buffer.from(payload ?? '', 'base64url').toString('utf8');
    expect(decoded).toContain(root.id);
    expect(cookie.value).not.toContain(root.secret);
    expect(decoded).not.toContain(root.secret);
    // Scripts on the page cannot read it.
    expect(await browser.page.evaluate('document.cookie')).not.toContain('rotor_console');
    expect(await browser.page.content()).not.toContain(root.secret);
  });
});

describe('secrets list', () => {
  it('shows name, type, rotation, status; pages by 20', async () => {
    const { page } = browser;
    await page.goto(`${base}/console/secrets`);
    const rows = page.locator('table.grid tbody tr');
    expect(await rows.count()).toBe(20);
    const first = rows.first();
    expect(await first.textContent()).toContain('app/plain');
    expect(await page.content()).not.toContain('unreachable-VALUE');
    expect(await first.textContent()).toContain('Generic');
    expect(await first.textContent()).toContain('Normal');
    expect(await page.locator('.pager').textContent()).toContain('24 secrets · page 1 of 2');
    await screenshot(page, '02-secrets-list');
    await page.getByRole('link', { name: 'Next page' }).click();
    await page.locator('.pager').getByText('page 2 of 2').waitFor();
    expect(await rows.count()).toBe(4);
    expect(await page.content()).toContain('bulk-22');
  });

  it('searches by name and filters by type and status', async () => {
    const { page } = browser;
    await page.goto(`${base}/console/secrets`);
    await page.getByLabel('Name contains').fill('bulk-1');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('.pager').getByText('10 secrets').waitFor();
    expect(await page.locator('table.grid tbody tr').count()).toBe(10);
    await page.getByLabel('Name contains').fill('');
    await page.getByLabel('Type').selectOption('ECS');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No secrets match.').waitFor();
    await page.getByLabel('Type').selectOption('');
    await page.getByLabel('Status').selectOption('pending-deletion');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No secrets match.').waitFor();
  });
});

describe('create secret wizard', () => {
  it('creates a Generic generated-password secret in three steps without putting the value in any page', async () => {
    const { page } = browser;
    const pages: string[] = [];
    await page.goto(`${base}/console/secrets`);
    await page.getByRole('link', { name: 'Create Secret' }).first().click();
    await page.getByText('1. Configure credentials').waitFor();
    await page.getByLabel('Generic', { exact: true }).check();
    // Fields of the other types are hidden (and not submitted) once a type is chosen.
    expect(await page.getByLabel('Managed instance (ECS instance ID)').isVisible()).toBe(false);
    await page.getByLabel('Secret name').fill('app/wizard');
    await page.getByRole('textbox', { name: 'Secret value', exact: true }).fill(WIZARD_VALUE);
    await page.getByLabel(/Generated password/).check();
    await page.getByLabel('Secret description').fill('made by the wizard');
    await screenshot(page, '03-create-step1');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Turn on automatic rotation').waitFor();
    pages.push(await page.content());
    await page.getByLabel('Turn on automatic rotation').check();
    await page.getByLabel('Rotation Period', { exact: true }).fill('7');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('table.review').waitFor();
    pages.push(await page.content());
    const review = await page.locator('table.review').textContent();
    expect(review).toContain('app/wizard');
    expect(review).toContain('On, every 7 days');
    expect(review).toContain('{"SecretSubType":"GeneratedPassword"}');
    expect(review).toContain('Entered (hidden)');
    await screenshot(page, '04-create-review');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('heading', { name: 'Created successfully' }).waitFor();
    pages.push(await page.content());
    await screenshot(page, '05-created');
    for (const html of pages) expect(html).not.toContain(WIZARD_VALUE);

    await page.getByRole('link', { name: 'View secret details' }).click();
    await page.getByRole('heading', { name: 'app/wizard' }).waitFor();
    const stored = await runtime.container.service.getSecretValue({ secretName: secretIdOf('app/wizard') });
    expect(stored.secretData).toBe(WIZARD_VALUE);
    expect(stored.secret.rotation).toMatchObject({ enabled: true, intervalSeconds: 7 * 86400 });
    expect(stored.secret.description).toBe('made by the wizard');
  });

  it('turns the type-specific fields of ECS and RDS into their ExtendedConfig on the review step', async () => {
    const { page } = browser;
    await page.goto(`${base}/console/secrets/new`);
    await page.getByLabel('Managed ECS secret').check();
    expect(await page.getByLabel('Managed instance (ECS instance ID)').isVisible()).toBe(true);
    expect(await page.getByLabel('Secret value', { exact: true }).isVisible()).toBe(false);
    await page.getByLabel('Secret name').fill('ecs/web-1/root');
    await page.getByLabel('Managed instance (ECS instance ID)').fill('i-bp1abcdef');
    await page.getByLabel('Key Pair').check();
    await page.getByLabel('Public key (OpenSSH line)').fill('ssh-rsa AAAAB3Nza test');
    await page.getByLabel('Private key (PEM)').fill('-----BEGIN RSA PRIVATE KEY-----\nsecret-key\n-----END RSA PRIVATE KEY-----');
    await screenshot(page, '06-create-ecs');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Turn off automatic rotation').check();
    await page.getByRole('button', { name: 'Next' }).click();
    const ecsReview = await page.locator('table.review').textContent();
    expect(ecsReview).toContain('"SecretSubType":"SSHKey","RegionId":"cn-hangzhou","InstanceId":"i-bp1abcdef"');
    expect(ecsReview).toContain('root');
    expect(await page.content()).not.toContain('secret-key');

    await page.goto(`${base}/console/secrets/new`);
    await page.getByLabel('Managed Credential for RDS').check();
    await page.getByLabel('Secret name').fill('rds/app');
    await page.getByLabel('RDS instance ID').fill('rm-abc123456');
    await page.getByLabel('Manage Dual Account (recommended)').check();
    await page.getByLabel('One-click creation and authorization').check();
    expect(await page.getByLabel('High Authority Account').isVisible()).toBe(false);
    await page.getByLabel('Account name').fill('app_user');
    await page.getByLabel('Database (common accounts)').fill('appdb');
    await page.getByLabel('Permission').selectOption('ReadOnly');
    await screenshot(page, '07-create-rds');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Turn on automatic rotation').check();
    await page.getByLabel('Rotation Period', { exact: true }).fill('30');
    await page.getByRole('button', { name: 'Next' }).click();
    const rdsReview = await page.locator('table.review').textContent();
    expect(rdsReview).toContain(
      '"SecretSubType":"DoubleUsers","DBInstanceId":"rm-abc123456","CreateAccounts":{"AccountName":"app_user","AccountType":"Normal","DBName":"appdb","Privilege":"ReadOnly"}',
    );
    expect(rdsReview).toContain('Generated when the accounts are created');
  });

  it('refuses automatic rotation for a plain Generic secret at the rotation step', async () => {
    const { page } = browser;
    await page.goto(`${base}/console/secrets/new`);
    await page.getByLabel('Generic', { exact: true }).check();
    await page.getByLabel('Secret name').fill('app/no-target');
    await page.getByRole('textbox', { name: 'Secret value', exact: true }).fill('x');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Turn on automatic rotation').check();
    await page.getByRole('button', { name: 'Next' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('needs a rotation target');
  });
});

describe('secret details', () => {
  it('shows metadata and versions, and the value only after an explicit click', async () => {
    const { page } = browser;
    await page.goto(detailsUrl('app/plain'));
    expect(await page.locator('dl.meta').textContent()).toContain('Generic');
    expect(await page.locator('section', { hasText: 'Versions' }).textContent()).toContain('ACSCurrent');
    const before = await page.content();
    expect(before).not.toContain('plain-VALUE');
    await screenshot(page, '08-details');
    await page.getByRole('button', { name: 'Show secret value' }).click();
    await page.locator('#secret-value').waitFor();
    expect(await page.locator('#secret-value').textContent()).toBe(PLAIN_VALUE);
    await screenshot(page, '09-value-revealed');
    // Going back to the details shows no value again.
    await page.getByRole('link', { name: 'Hide value' }).click();
    await page.getByRole('button', { name: 'Show secret value' }).waitFor();
    expect(await page.content()).not.toContain('plain-VALUE');
  });
});

describe('rotate immediately', () => {
  it('rotates to a custom value, shows "rotation triggered" and follows the steps live to the end', async () => {
    const { page } = browser;
    await page.goto(detailsUrl('app/wizard'));
    await page.getByRole('link', { name: 'Rotate Immediately' }).click();
    const field = page.getByLabel('New secret value');
    expect(await field.isVisible()).toBe(false);
    await page.getByRole('switch', { name: 'Use Custom Secret' }).check();
    expect(await field.isVisible()).toBe(true);
    await field.fill(CUSTOM_VALUE);
    await screenshot(page, '10-rotate-dialog');
    await page.getByRole('button', { name: 'Confirm rotation' }).click();
    await page.getByText('Rotation triggered.').waitFor();
    expect(await page.content()).not.toContain(CUSTOM_VALUE);
    await page.locator('[data-finished="succeeded"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('ol.progress li.ps-done').count()).toBe(4);
    await screenshot(page, '11-rotation-progress');

    await page.goto(detailsUrl('app/wizard'));
    const timeline = page.locator('ol.timeline > li').first();
    expect(await timeline.textContent()).toContain('succeeded');
    expect(await timeline.textContent()).toContain('(custom value)');
    for (const step of ['createPending', 'applyToTarget', 'verify', 'promote']) expect(await timeline.textContent()).toContain(step);
    await page.getByRole('button', { name: 'Show secret value' }).click();
    expect(await page.locator('#secret-value').textContent()).toBe(CUSTOM_VALUE);
    await screenshot(page, '12-rotation-history');
  });

  it('rotates to a generated value when Use Custom Secret is off', async () => {
    const { page } = browser;
    await page.goto(`${detailsUrl('app/wizard')}/rotate`);
    await page.getByRole('button', { name: 'Confirm rotation' }).click();
    await page.locator('[data-finished="succeeded"]').waitFor({ timeout: 20_000 });
    const value = (await runtime.container.service.getSecretValue({ secretName: secretIdOf('app/wizard') })).secretData;
    expect(value).not.toBe(CUSTOM_VALUE);
    expect(value).toHaveLength(32);
  });
});

describe('a failed rotation', () => {
  it('shows as failed in the progress, the history and the list', async () => {
    const { page } = browser;
    await page.goto(`${detailsUrl('hosts/unreachable')}/rotate`);
    await page.getByRole('button', { name: 'Confirm rotation' }).click();
    await page.getByText('Rotation triggered.').waitFor();
    await page.locator('[data-finished="failed"]').waitFor({ timeout: 20_000 });
    // The host replaces its password in place and answers nothing, so the engine cannot tell
    // which password it now accepts: the rotation fails as uncertain and keeps the pending value.
    expect(await page.locator('[data-field="error"]').textContent()).toMatch(/^Rotation\.TargetStateUncertain: /);
    expect(await page.locator('[data-step="createPending"]').getAttribute('class')).toBe('ps-done');
    expect(await page.locator('[data-step="applyToTarget"]').getAttribute('class')).toBe('ps-failed');
    await screenshot(page, '13-rotation-failed');
    await page.getByRole('link', { name: 'Close' }).click();
    await page.getByRole('heading', { name: 'Rotation history' }).waitFor();
    expect(new URL(page.url()).search).toBe('');
    expect(await page.locator('ol.timeline > li').first().textContent()).toContain('failed');
    expect(await page.locator('dl.meta').textContent()).toContain('Last rotation error');
    await page.goto(`${base}/console/secrets?status=failed`);
    const rows = page.locator('table.grid tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.textContent()).toContain('hosts/unreachable');
    expect(await rows.textContent()).toContain('Rotation failed');
  });
});

describe('plan deletion and restore', () => {
  it('plans a deletion in 7 days from More, then restores it, with the keyboard', async () => {
    const { page } = browser;
    await page.goto(`${base}/console/secrets?search=bulk-01`);
    // Keyboard only: open the More menu and follow Plan Deletion Secret.
    await page.locator('summary', { hasText: 'More' }).first().focus();
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Plan Deletion Secret' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Delete Secret' }).waitFor();
    await page.getByLabel('Delete In (7 to 30 Days)').fill('7');
    await screenshot(page, '14-plan-deletion');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByText('Deletion planned').waitFor();
    const planned = (await runtime.container.store.getSecret('bulk-01'))?.plannedDeleteAt ?? 0;
    expect(planned - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(planned - Date.now()).toBeLessThan(7.1 * 86_400_000);

    await page.goto(`${base}/console/secrets?status=pending-deletion`);
    const row = page.locator('table.grid tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('Pending deletion');
    expect(await row.textContent()).toContain('deletes');
    await screenshot(page, '15-pending-deletion');
    await page.locator('summary', { hasText: 'More' }).click();
    await page.getByRole('link', { name: 'Restore Secret' }).click();
    await page.getByRole('heading', { name: 'Restore Secret' }).waitFor();
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByText('The secret was restored').waitFor();
    expect((await runtime.container.store.getSecret('bulk-01'))?.plannedDeleteAt).toBeNull();
  });

  it('deletes a secret immediately', async () => {
    const { page } = browser;
    await page.goto(`${detailsUrl('bulk-02')}/delete`);
    await page.getByLabel('Delete Secret Immediately').check();
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByText('The secret was deleted.').waitFor();
    expect(await runtime.container.store.getSecret('bulk-02')).toBeNull();
  });
});

describe('health', () => {
  it('counts the rotations of the last 24 h, lists overdue secrets and charts durations', async () => {
    const s = await runtime.container.store.getSecret('bulk-03');
    if (!s) throw new Error('bulk-03 is missing');
    // A secret whose automatic rotation is an hour late (the rotate timer is off in this runtime).
    await runtime.container.store.updateSecret(
      { ...s, rotation: { enabled: true, intervalSeconds: 86400, lastRotatedAt: null, nextRotationAt: Date.now() - 3_600_000 } },
      s.revision,
    );
    const { page } = browser;
    await page.goto(`${base}/console/health`);
    expect(await page.locator('[data-figure="succeeded"]').textContent()).toBe('2');
    expect(await page.locator('[data-figure="failed"]').textContent()).toBe('1');
    expect(await page.locator('[data-figure="overdue"]').textContent()).toBe('1');
    expect(await page.locator('section', { hasText: 'Overdue secrets' }).textContent()).toContain('bulk-03');
    expect(await page.locator('svg.chart rect.bar-ok').count()).toBe(2);
    expect(await page.locator('svg.chart rect.bar-failed').count()).toBe(1);
    await screenshot(page, '16-health');
  });
});

describe('access control and request forgery', () => {
  it('a key without kms:GetSecretValue sees the secret but cannot reveal it', async () => {
    const other = await openBrowser();
    try {
      await signIn(other.page, reader);
      expect(await other.page.locator('table.grid tbody tr').count()).toBe(20);
      await other.page.goto(detailsUrl('app/plain'));
      await other.page.getByRole('button', { name: 'Show secret value' }).click();
      const alert = other.page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('Access denied');
      expect(await alert.textContent()).toContain('Forbidden.NoPermission');
      expect(await alert.textContent()).toContain('kms:GetSecretValue');
      expect(await other.page.content()).not.toContain('plain-VALUE');
      await screenshot(other.page, '17-reveal-denied');
      // Nor may it create a secret: the wizard's confirmation is refused by the same policy check.
      await other.page.goto(`${base}/console/secrets/new`);
      await other.page.getByLabel('Generic', { exact: true }).check();
      await other.page.getByLabel('Secret name').fill('reader/try');
      await other.page.getByRole('textbox', { name: 'Secret value', exact: true }).fill('x');
      await other.page.getByRole('button', { name: 'Next' }).click();
      await other.page.getByLabel('Turn off automatic rotation').check();
      await other.page.getByRole('button', { name: 'Next' }).click();
      await other.page.getByRole('button', { name: 'OK' }).click();
      expect(await other.page.getByRole('alert').textContent()).toContain('kms:CreateSecret');
      expect(await runtime.container.store.getSecret('reader/try')).toBeNull();
    } finally {
      await other.close();
    }
  });

  it('refuses a state-changing request without a valid CSRF token, and changes nothing', async () => {
    const path = '/console/secrets/bulk-04/delete';
    const missing = await postWithCookie(path, { method: 'now' });
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('CSRF');
    const wrong = await postWithCookie(path, { method: 'now', _csrf: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(wrong.status).toBe(403);
    expect(await runtime.container.store.getSecret('bulk-04')).not.toBeNull();
    const rotate = await postWithCookie('/console/secrets/bulk-04/rotate', {});
    expect(rotate.status).toBe(403);
    expect((await runtime.container.store.getSecret('bulk-04'))?.job).toBeNull();

    // The page's own token works, but not from another site's form.
    await browser.page.goto(`${base}/console/secrets`);
    const token = await csrfOf(browser.page);
    const crossSite = await postWithCookie(path, { method: 'now', _csrf: token }, { origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(await runtime.container.store.getSecret('bulk-04')).not.toBeNull();
    const ok = await postWithCookie(path, { method: 'now', _csrf: token });
    expect(ok.status).toBe(303);
    await eventually(async () => ((await runtime.container.store.getSecret('bulk-04')) === null ? true : undefined), 'bulk-04 deleted');
  });

  it('records console actions in the audit trail under the signed-in key', async () => {
    const { records } = await runtime.container.auditLog.query({ offset: 0, limit: 100, accessKeyId: reader.id });
    const actions = records.map((r) => `${r.action}:${r.outcome}:${r.errorCode ?? ''}`);
    expect(actions).toContain('ConsoleSignIn:Success:');
    expect(actions).toContain('GetSecretValue:Failure:Forbidden.NoPermission');
  });

  it('signs out, and a disabled key loses its session at once', async () => {
    await browser.page.goto(`${base}/console/secrets`);
    await browser.page.getByRole('button', { name: 'Sign out' }).click();
    await browser.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect((await browser.context.cookies(`${base}/console/`)).some((c) => c.name === 'rotor_console')).toBe(false);

    const other = await openBrowser();
    try {
      await signIn(other.page, reader);
      const cookie = (await other.context.cookies(`${base}/console/`)).find((c) => c.name === 'rotor_console');
      await runtime.container.accessKeys.setStatus(reader.id, 'Inactive');
      const stale = await fetch(`${base}/console/secrets`, { redirect: 'manual', headers: { cookie: `rotor_console=${cookie?.value ?? ''}` } });
      expect(stale.status).toBe(303);
      expect(stale.headers.get('location')).toBe('/console/signin');
    } finally {
      await other.close();
    }
  });
});
