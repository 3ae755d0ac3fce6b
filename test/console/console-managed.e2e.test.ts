/**
 * The managed types end to end through the console: the Create Secret wizard makes Managed RAM,
 * RDS and ECS secrets against their OpenAPI test servers (real signed calls through the official
 * SDKs), and Rotate Immediately rotates each through the four steps. The targets are real: RDS
 * accounts live on an embedded PostgreSQL, ECS users on this machine behind a real sshd.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createDriverRegistry } from '../../shared/adapters/drivers/registry.js';
import { GeneratedPasswordDriver } from '../../shared/adapters/drivers/generated-password/generated-password-driver.js';
import { partnerAccount, requireAccountCredential } from '../../shared/domain/database-accounts.js';
import { createContainer, type Container } from '../../shared/runtime/container.js';
import { startLocalRuntime, type LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { addTestInstances, ECS_REGION, ecsDriverFor, LINUX_INSTANCE } from '../support/ecs-driver-fixtures.js';
import { startEcsOpenApiServer, type EcsOpenApiTestServer } from '../support/ecs-openapi-server/index.js';
import { ramDriverFor } from '../support/ram-driver-fixtures.js';
import { startRamOpenApiServer, type RamOpenApiTestServer } from '../support/ram-openapi-server/index.js';
import { POSTGRES_INSTANCE, rdsPassword, startRdsTestbed, type RdsTestbed } from '../support/rds-testbed.js';
import { tempDir, testConfig, type TempDir } from '../support/runtime.js';
import { writeAuthorizedKeys } from '../support/ssh-driver-fixtures.js';
import { randomSecret } from '../support/sql-driver-fixtures.js';
import {
  createLinuxUser,
  ed25519Pair,
  randomUserName,
  sshdUnavailableReason,
  sshLogsIn,
  startSshd,
  type LinuxUser,
  type SshdServer,
  type SshLoginValue,
} from '../support/sshd.js';
import { openBrowser, screenshot, type BrowserSession } from './browser.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const USER = 'console-app';
// ECS secrets change real OS users and need a real sshd to prove the logins: root only.
const SSHD_MISSING = sshdUnavailableReason();
const ROTATION_TIMEOUT_MS = 60_000;

let dir: TempDir;
let ram: RamOpenApiTestServer;
let rds: RdsTestbed;
let ecs: EcsOpenApiTestServer;
let sshd: SshdServer | null = null;
let container: Container;
let runtime: LocalRuntime;
let browser: BrowserSession;
let base: string;

beforeAll(async () => {
  dir = tempDir('rotor-console-managed-');
  [ram, rds, ecs] = await Promise.all([startRamOpenApiServer(), startRdsTestbed(), startEcsOpenApiServer()]);
  if (SSHD_MISSING === null) sshd = await startSshd();
  ram.addUser(USER);
  addTestInstances(ecs);
  // The drivers the runtime builds from its cloud settings, pointed at the test servers.
  container = await createContainer(testConfig(dir.path), {
    drivers: createDriverRegistry([new GeneratedPasswordDriver(), ramDriverFor(ram), rds.driver(), ecsDriverFor(ecs)]),
  });
  runtime = await startLocalRuntime({ config: container.config, container, timers: false, queueIdleMs: 50 });
  base = runtime.url.replace(/\/$/, '');
  browser = await openBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await container?.close();
  await Promise.allSettled([ram?.stop(), rds?.stop(), ecs?.stop(), sshd?.stop()]);
  dir?.remove();
}, 60_000);

const tag = (): string => randomBytes(3).toString('hex');

/** Opens the console, signing in with the root AccessKey when the session has none yet. */
const openConsole = async (page: Page): Promise<void> => {
  await page.goto(`${base}/console/`);
  const signIn = page.getByRole('button', { name: 'Sign in' });
  if (await signIn.isVisible()) {
    await page.getByLabel('AccessKey ID').fill(container.rootCredentials.accessKeyId);
    await page.getByLabel('AccessKey secret').fill(container.rootCredentials.accessKeySecret);
    await signIn.click();
  }
  await page.getByRole('link', { name: 'Create Secret' }).first().click();
};

/** From the review step: OK, the "created" page, then the details page of the secret. */
const confirmAndOpenDetails = async (page: Page, name: string): Promise<void> => {
  await page.getByRole('button', { name: 'OK' }).click();
  await page.getByRole('heading', { name: 'Created successfully' }).waitFor();
  await page.getByRole('link', { name: 'View secret details' }).click();
  await page.getByRole('heading', { name }).waitFor();
};

/** Rotate Immediately from the details page, waiting for the rotation to succeed. */
const rotateImmediately = async (page: Page, shot: string): Promise<void> => {
  await page.getByRole('link', { name: 'Rotate Immediately' }).click();
  await page.getByRole('button', { name: 'Confirm rotation' }).click();
  await page.locator('[data-finished="succeeded"]').waitFor({ timeout: ROTATION_TIMEOUT_MS });
  await screenshot(page, shot);
};

const valueOf = async (secretName: string, versionStage?: string): Promise<string> =>
  (await container.service.getSecretValue({ secretName: secretIdOf(secretName), ...(versionStage ? { versionStage } : {}) })).secretData;

describe('a Managed RAM secret through the console', () => {
  it('is created by the wizard and rotated immediately', async () => {
    const key = ram.issueKey(USER);
    const { page } = browser;
    await openConsole(page);
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
    const current = JSON.parse((await container.service.getSecretValue({ secretName: secretIdOf(`acs/ram/user/${USER}`) })).secretData) as {
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

const accountOf = (value: string) => requireAccountCredential(value, 'value');

describe('a Managed RDS secret through the console', () => {
  it('imports two existing accounts (dual strategy) and rotates to the other one', { timeout: 120_000 }, async () => {
    const first = { AccountName: `cons_${tag()}`, AccountPassword: rdsPassword() };
    const second = { AccountName: partnerAccount(first.AccountName), AccountPassword: rdsPassword() };
    for (const a of [first, second]) await rds.createAccount('PostgreSQL', a.AccountName, a.AccountPassword);
    const name = `rds/console/${first.AccountName}`;
    const { page } = browser;
    await openConsole(page);
    await page.getByLabel('Managed Credential for RDS').check();
    await page.getByLabel('Secret name').fill(name);
    await page.getByLabel('RDS instance ID').fill(POSTGRES_INSTANCE);
    await page.getByLabel('Manage Dual Account (recommended)').check();
    await page.getByLabel('Import existing accounts').check();
    await page.getByLabel('Username', { exact: true }).fill(first.AccountName);
    // 'Password' also labels the ECS fields of the same form: the field by its id.
    await page.locator('#f-rds_import_password1').fill(first.AccountPassword);
    await page.getByLabel('Second username').fill(second.AccountName);
    await page.getByLabel('Second password').fill(second.AccountPassword);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Turn on automatic rotation').check();
    await page.getByLabel('Rotation Period', { exact: true }).fill('30');
    await page.getByRole('button', { name: 'Next' }).click();
    const review = await page.locator('table.review').textContent();
    expect(review).toContain(`"SecretSubType":"DoubleUsers","DBInstanceId":"${POSTGRES_INSTANCE}"`);
    expect(review).toContain(`${first.AccountName}, ${second.AccountName}`);
    const html = await page.content();
    expect(html).not.toContain(first.AccountPassword);
    expect(html).not.toContain(second.AccountPassword);
    await confirmAndOpenDetails(page, name);
    expect(await page.locator('dl.meta').textContent()).toContain('Managed Credential for RDS');
    const created = await valueOf(name);
    expect(accountOf(created).AccountName).toBe(first.AccountName);
    expect(await rds.logsIn('PostgreSQL', created)).toBe(true);

    await rotateImmediately(page, '21-rds-import-rotated');
    const current = await valueOf(name);
    // The dual strategy moves ACSCurrent to the other account, under a new password.
    expect(accountOf(current).AccountName).toBe(second.AccountName);
    expect(accountOf(current).AccountPassword).not.toBe(second.AccountPassword);
    expect(await rds.logsIn('PostgreSQL', current)).toBe(true);
    // The account the applications used until now keeps working until the next rotation.
    expect(await rds.logsIn('PostgreSQL', await valueOf(name, 'ACSPrevious'))).toBe(true);
  });

  it('creates the accounts in one click (dual strategy) and rotates them', { timeout: 120_000 }, async () => {
    const account = `click_${tag()}`;
    const name = `rds/console/${account}`;
    const { page } = browser;
    try {
      await openConsole(page);
      await page.getByLabel('Managed Credential for RDS').check();
      await page.getByLabel('Secret name').fill(name);
      await page.getByLabel('RDS instance ID').fill(POSTGRES_INSTANCE);
      await page.getByLabel('Manage Dual Account (recommended)').check();
      await page.getByLabel('One-click creation and authorization').check();
      await page.getByLabel('Account name').fill(account);
      await page.getByLabel('Database (common accounts)').fill('postgres');
      await page.getByLabel('Permission').selectOption('ReadOnly');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByLabel('Turn off automatic rotation').check();
      await page.getByRole('button', { name: 'Next' }).click();
      expect(await page.locator('table.review').textContent()).toContain('Generated when the accounts are created');
      await confirmAndOpenDetails(page, name);
      const created = await valueOf(name);
      expect(accountOf(created).AccountName).toBe(account);
      expect(await rds.logsIn('PostgreSQL', created, 'postgres')).toBe(true);

      await rotateImmediately(page, '22-rds-one-click-rotated');
      const current = await valueOf(name);
      expect(accountOf(current).AccountName).toBe(partnerAccount(account));
      expect(await rds.logsIn('PostgreSQL', current, 'postgres')).toBe(true);
    } finally {
      // The RDS test server made these accounts, not the test bed: drop them here.
      for (const a of [account, partnerAccount(account)]) await rds.dropAccount('PostgreSQL', a);
    }
  });
});

// Skipped, with its reason in the name, when this process cannot start sshd or add OS users.
const ECS_TITLE = `a Managed ECS secret through the console${SSHD_MISSING ? ` (skipped: ${SSHD_MISSING})` : ''}`;

describe.skipIf(SSHD_MISSING !== null)(ECS_TITLE, () => {
  const server = (): SshdServer => {
    if (!sshd) throw new Error('sshd is not running');
    return sshd;
  };

  /** The credentials step for a Linux user of the test instance, up to the review step. */
  const fillEcsWizard = async (page: Page, name: string, userName: string, fillValue: () => Promise<void>): Promise<string> => {
    await openConsole(page);
    await page.getByLabel('Managed ECS secret').check();
    await page.getByLabel('Secret name').fill(name);
    await page.getByLabel('Managed instance (ECS instance ID)').fill(LINUX_INSTANCE);
    await page.getByLabel('Region of the instance').fill(ECS_REGION);
    await page.getByLabel('Managed user').fill(userName);
    await fillValue();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Turn off automatic rotation').check();
    await page.getByRole('button', { name: 'Next' }).click();
    return (await page.locator('table.review').textContent()) ?? '';
  };

  const withUser = async (password: string | undefined, body: (user: LinuxUser) => Promise<void>): Promise<void> => {
    const user = await createLinuxUser(randomUserName(false), password);
    try {
      await body(user);
    } finally {
      await user.remove();
    }
  };

  it('rotates a Linux password: the new one logs in over SSH, the old one no longer does', { timeout: 120_000 }, async () => {
    const initial = randomSecret();
    await withUser(initial, async (user) => {
      const name = `acs/ecs/console-password-${tag()}`;
      const { page } = browser;
      const review = await fillEcsWizard(page, name, user.name, async () => {
        await page.locator('#ecs_kind-Password').check();
        await page.locator('#f-ecs_password').fill(initial);
      });
      expect(review).toContain(`"SecretSubType":"Password","RegionId":"${ECS_REGION}","InstanceId":"${LINUX_INSTANCE}"`);
      expect(await page.content()).not.toContain(initial);
      await confirmAndOpenDetails(page, name);
      expect(await page.locator('dl.meta').textContent()).toContain('Managed ECS secret');

      await rotateImmediately(page, '23-ecs-password-rotated');
      const current = JSON.parse(await valueOf(name)) as SshLoginValue;
      expect(current.UserName).toBe(user.name);
      expect(current.Password).not.toBe(initial);
      expect(await sshLogsIn(server(), current)).toBe(true);
      expect(await sshLogsIn(server(), { UserName: user.name, Password: initial })).toBe(false);
    });
  });

  it('rotates a Linux key pair: the new key logs in over SSH', { timeout: 120_000 }, async () => {
    await withUser(undefined, async (user) => {
      const pair = ed25519Pair('console-initial');
      writeAuthorizedKeys(user, `${pair.publicKey}\n`);
      expect(await sshLogsIn(server(), { UserName: user.name, PrivateKey: pair.privateKey })).toBe(true);
      const name = `acs/ecs/console-key-${tag()}`;
      const { page } = browser;
      await fillEcsWizard(page, name, user.name, async () => {
        await page.getByLabel('Key Pair').check();
        await page.getByLabel('Public key (OpenSSH line)').fill(pair.publicKey);
        await page.getByLabel('Private key (PEM)').fill(pair.privateKey);
      });
      expect(await page.content()).not.toContain(pair.privateKey.split('\n')[1]);
      await confirmAndOpenDetails(page, name);

      await rotateImmediately(page, '24-ecs-key-pair-rotated');
      const current = JSON.parse(await valueOf(name)) as SshLoginValue & { PublicKey: string };
      expect(current.UserName).toBe(user.name);
      expect(current.PublicKey).not.toBe(pair.publicKey);
      expect(await sshLogsIn(server(), current)).toBe(true);
    });
  });
});
