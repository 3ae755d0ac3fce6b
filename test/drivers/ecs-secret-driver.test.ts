/**
 * The managed ECS secret driver through the official ECS SDK against the ECS OpenAPI test server,
 * whose one Linux instance is this machine (Cloud Assistant scripts run here as root) and whose
 * logins are real, on the test sshd: the driver contract for Password and SSHKey, then what is
 * specific to ECS (only the hash crosses the wire, Windows refuses SSHKey, an invalid initial value
 * is healed). Runs only as root (see sshdUnavailableReason). Windows passwords, whose instance
 * side the test server emulates, are in ecs-windows-password.test.ts.
 */
import { createPublicKey } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TargetError } from '../../shared/domain/errors.js';
import { targetDriverContract } from '../contract/target-driver.contract.js';
import { addTestInstances, ecsDriverFor, ecsFixture, ecsFixtures, ecsSecret, WINDOWS_INSTANCE } from '../support/ecs-driver-fixtures.js';
import { startEcsOpenApiServer, type EcsOpenApiTestServer } from '../support/ecs-openapi-server/index.js';
import { keyOfLine, keyPairValue, type SshFixture } from '../support/ssh-driver-fixtures.js';
import { randomSecret } from '../support/sql-driver-fixtures.js';
import { ed25519Pair, shadowHashOf, sshdUnavailableReason, sshLogsIn, startSshd, type SshdServer, type SshLoginValue } from '../support/sshd.js';

const skipReason = sshdUnavailableReason();

const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => null,
    (e: unknown) => e,
  );

const rotate = async (f: SshFixture, current: string): Promise<string> => {
  const pending = (await f.driver.generate({ secret: f.secret, currentValue: current, previousValue: null })).value;
  await f.driver.apply({ secret: f.secret, pendingValue: pending, currentValue: current, previousValue: null });
  await f.driver.verify({ secret: f.secret, pendingValue: pending });
  await f.driver.finalize({ secret: f.secret, newCurrentValue: pending, newPreviousValue: current });
  return pending;
};

describe.skipIf(skipReason !== null)(`managed ECS secrets through Cloud Assistant${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let server: SshdServer;
  let ecs: EcsOpenApiTestServer;
  beforeAll(async () => {
    server = await startSshd();
    ecs = await startEcsOpenApiServer();
    addTestInstances(ecs);
  });
  afterAll(async () => {
    await ecs?.stop();
    await server?.stop();
  });

  targetDriverContract('ECS Password', ecsFixtures(() => server, () => ecs, 'Password'));
  targetDriverContract('ECS SSHKey', ecsFixtures(() => server, () => ecs, 'SSHKey'));

  describe('what is specific to ECS', () => {
    const fixtures: SshFixture[] = [];
    const fixture = async (subType: 'Password' | 'SSHKey') => {
      const f = await ecsFixture(server, ecs, subType, false);
      fixtures.push(f);
      return f;
    };
    afterEach(async () => {
      for (const f of fixtures.splice(0)) await f.cleanup();
    });

    it('Password: a 32-character password; only its SHA-512 crypt hash reaches the instance; verify fails on a stale hash', async () => {
      const f = await fixture('Password');
      const seen = ecs.invocations.length;
      const current = await rotate(f, f.initialValue);
      const { Password } = JSON.parse(current) as { Password: string };
      expect([...Password]).toHaveLength(32);
      expect(shadowHashOf(f.user.name)).toMatch(/^\$6\$rounds=/);
      const sent = ecs.invocations.slice(seen);
      expect(sent.length).toBeGreaterThanOrEqual(2);
      const wire = sent.map((i) => `${i.script}${Buffer.from(/'([A-Za-z0-9+/=]+)' \| base64 -d/.exec(i.script)?.[1] ?? '', 'base64').toString()}`).join('\n');
      expect(wire).toContain(shadowHashOf(f.user.name));
      expect(wire).not.toContain(Password);
      expect(await sshLogsIn(server, JSON.parse(current) as SshLoginValue)).toBe(true);
      expect(await sshLogsIn(server, JSON.parse(f.initialValue) as SshLoginValue)).toBe(false);

      const notApplied = JSON.stringify({ UserName: f.user.name, Password: `Never-applied-${randomSecret()}` });
      const error = await errorOf(f.driver.verify({ secret: f.secret, pendingValue: notApplied }));
      expect(error).toBeInstanceOf(TargetError);
      expect((error as TargetError).code).toBe('Target.VerificationFailed');
    });

    it('SSHKey: an RSA-2048 key pair; the old key works until finalize and fails after it', async () => {
      const f = await fixture('SSHKey');
      const pending = (await f.driver.generate({ secret: f.secret, currentValue: f.initialValue, previousValue: null })).value;
      const pair = JSON.parse(pending) as { PublicKey: string; PrivateKey: string };
      expect(pair.PublicKey).toMatch(/^ssh-rsa AAAA/);
      expect(pair.PrivateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
      expect(createPublicKey(pair.PrivateKey).asymmetricKeyDetails?.modulusLength).toBe(2048);
      await f.driver.apply({ secret: f.secret, pendingValue: pending, currentValue: f.initialValue, previousValue: null });
      await f.driver.verify({ secret: f.secret, pendingValue: pending });
      expect(await f.logsIn(pending)).toBe(true);
      expect(await f.logsIn(f.initialValue)).toBe(true);
      await f.driver.finalize({ secret: f.secret, newCurrentValue: pending, newPreviousValue: f.initialValue });
      expect(await f.logsIn(pending)).toBe(true);
      expect(await f.logsIn(f.initialValue)).toBe(false);
      expect(await sshLogsIn(server, { UserName: f.user.name, PrivateKey: (f.otherKey as { privateKey: string }).privateKey })).toBe(true);

      const absent = keyPairValue(f.user.name, ed25519Pair('never-applied'));
      const error = await errorOf(f.driver.verify({ secret: f.secret, pendingValue: absent }));
      expect((error as TargetError).code).toBe('Target.VerificationFailed');
      expect(f.authorizedKeys()).toContain(keyOfLine(pair.PublicKey));
    });

    it('SSHKey on a Windows instance is refused with a clear error, at creation and at rotation', async () => {
      const driver = ecsDriverFor(ecs);
      const secret = ecsSecret('SSHKey', WINDOWS_INSTANCE);
      const value = keyPairValue('Administrator', ed25519Pair('windows'));
      const seen = ecs.invocations.length;
      const atCreate = await errorOf(driver.initialVersions!({ secret, secretData: value }));
      expect((atCreate as Error).message).toMatch(/SSHKey is not supported on a Windows instance/);
      const pending = (await driver.generate({ secret, currentValue: value, previousValue: null })).value;
      const atApply = await errorOf(driver.apply({ secret, pendingValue: pending, currentValue: value, previousValue: null }));
      expect(atApply).toBeInstanceOf(TargetError);
      expect((atApply as TargetError).code).toBe('Target.Unsupported');
      expect((atApply as TargetError).message).toMatch(/runs Windows: SSHKey secrets are supported on Linux instances only/);
      const preflight = await driver.preflight({ secret, currentValue: value });
      expect(preflight.checks.find((c) => c.name === 'instance')?.ok).toBe(false);
      expect(ecs.invocations.length).toBe(seen);
    });

    it('an invalid initial value is healed by the first rotation (password and key)', async () => {
      const p = await fixture('Password');
      const wrongPassword = JSON.stringify({ UserName: p.user.name, Password: 'not-the-real-one' });
      expect(await p.logsIn(wrongPassword)).toBe(false);
      const healedPassword = await rotate(p, wrongPassword);
      expect(await p.logsIn(healedPassword)).toBe(true);

      const k = await fixture('SSHKey');
      const garbage = JSON.stringify({ UserName: k.user.name, PublicKey: 'not a key', PrivateKey: 'not a key' });
      const healedKey = await rotate(k, garbage);
      expect(await k.logsIn(healedKey)).toBe(true);
      expect(await k.logsIn(k.initialValue)).toBe(true); // a key the secret never held is not the secret's to remove
    });

    it('refuses a custom value for another user before anything runs on the instance', async () => {
      const f = await fixture('Password');
      const seen = ecs.invocations.length;
      const other = JSON.stringify({ UserName: 'root', Password: randomSecret() });
      const error = await errorOf(f.driver.apply({ secret: f.secret, pendingValue: other, currentValue: f.initialValue, previousValue: null }));
      expect((error as TargetError).code).toBe('Target.AccountMismatch');
      expect(ecs.invocations.length).toBe(seen);
    });
  });
});
