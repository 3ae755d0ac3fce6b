/**
 * A managed type end to end through the console: the Create Secret wizard makes a Managed RAM
 * secret against the RAM OpenAPI test server (real V3-signed calls), and Rotate Immediately
 * rotates its AccessKey through the four steps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriverRegistry } from '../../shared/adapters/drivers/registry.js';
import { GeneratedPasswordDriver } from '../../shared/adapters/drivers/generated-password/generated-password-driver.js';
import { createContainer, type Container } from '../../shared/runtime/container.js';
import { startLocalRuntime, type LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { ramDriverFor } from '../support/ram-driver-fixtures.js';
import { startRamOpenApiServer, type RamOpenApiTestServer } from '../support/ram-openapi-server/index.js';
import { tempDir, testConfig, type TempDir } from '../support/runtime.js';
import { openBrowser, screenshot, type BrowserSession } from './browser.js';

const USER = 'console-app';

let dir: TempDir;
let ram: RamOpenApiTestServer;
let container: Container;
let runtime: LocalRuntime;
let browser: BrowserSession;
let base: string;

beforeAll(async () => {
  dir = tempDir('rotor-console-ram-');
  ram = await startRamOpenApiServer();
  ram.addUser(USER);
  container = await createContainer(testConfig(dir.path), {
    drivers: createDriverRegistry([new GeneratedPasswordDriver(), ramDriverFor(ram)]),
  });
  runtime = await startLocalRuntime({ config: container.config, container, timers: false, queueIdleMs: 50 });
  base = runtime.url.replace(/\/$/, '');
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await container?.close();
  await ram?.stop();
  dir?.remove();
});

describe('a Managed RAM secret through the console', () => {
  it('is created by the wizard and rotated immediately', async () => {
    const key = ram.issueKey(USER);
    const { page } = browser;
    await page.goto(`${base}/console/`);
    await page.getByLabel('AccessKey ID').fill(container.rootCredentials.accessKeyId);
    await page.getByLabel('AccessKey secret').fill(container.rootCredentials.accessKeySecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Create Secret' }).first().click();
    await page.getByLabel('Managed RAM secret').check();
    // RAM secrets are named after their user: no name field.
    expect(await page.getByLabel('Secret name').isVisible()).toBe(false);
    await page.getByLabel('RAM user').fill(USER);
    await page.getByLabel('AccessKey ID of the user').fill(key.accessKeyId);
    await page.getByLabel('AccessKey secret (set secret value)').fill(key.accessKeySecret);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Turn on automatic rotation').check();
    await page.getByLabel('Rotation Period', { exact: true }).fill('30');
    await page.getByRole('button', { name: 'Next' }).click();
    expect(await page.locator('table.review').textContent()).toContain(`acs/ram/user/${USER}`);
    expect(await page.content()).not.toContain(key.accessKeySecret);
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('heading', { name: 'Created successfully' }).waitFor();
    await page.getByRole('link', { name: 'View secret details' }).click();
    await page.getByRole('heading', { name: `acs/ram/user/${USER}` }).waitFor();
    expect(await page.locator('dl.meta').textContent()).toContain('Managed RAM secret');
    expect(await page.locator('dl.meta').textContent()).toContain('On, every 30 d');

    await page.getByRole('link', { name: 'Rotate Immediately' }).click();
    await page.getByRole('button', { name: 'Confirm rotation' }).click();
    await page.locator('[data-finished="succeeded"]').waitFor({ timeout: 20_000 });
    await screenshot(page, '20-ram-rotated');
    const current = JSON.parse((await container.service.getSecretValue({ secretName: `acs/ram/user/${USER}` })).secretData) as {
      AccessKeyId: string;
    };
    expect(current.AccessKeyId).not.toBe(key.accessKeyId);
    expect(ram.keysOf(USER).map((k) => k.accessKeyId)).toContain(current.AccessKeyId);

    await page.goto(`${base}/console/secrets?type=RAMCredentials`);
    const row = page.locator('table.grid tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('Managed RAM secret');
    expect(await row.textContent()).toContain('30 d');
  });
});
