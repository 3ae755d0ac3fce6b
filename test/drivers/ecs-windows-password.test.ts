/**
 * Managed ECS password secrets on a Windows instance: the real driver, the official ECS SDK and
 * the ECS OpenAPI test server (V3 signatures verified), whose Windows instance is an EMULATOR of
 * the driver's two PowerShell script contracts (ecs-openapi-server/windows-instance.ts): real
 * RSA-OAEP decryption with a key made on the "instance", a real account store with Windows'
 * complexity policy — but no PowerShell and no Windows. The PowerShell text itself is checked by
 * ecs-windows-scripts.test.ts. Needs no root: the emulated instance is not this machine.
 *
 * What crossed the wire is read from the test server's record of every command and its output,
 * which is what Cloud Assistant's invocation history keeps.
 */
import { createPublicKey } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sdkCloudAssistant, type CloudAssistant } from '../../shared/adapters/drivers/ecs/cloud-assistant.js';
import { keySlotFor } from '../../shared/adapters/drivers/ecs/windows-password.js';
import { parseWindowsScript, statusLines, windowsScript, type WindowsRequest } from '../../shared/adapters/drivers/ecs/windows-scripts.js';
import { TargetError } from '../../shared/domain/errors.js';
import type { TargetDriver } from '../../shared/ports/target-driver.js';
import { targetDriverContract } from '../contract/target-driver.contract.js';
import {
  addTestInstances,
  ECS_REGION,
  ecsDriverFor,
  ecsSecret,
  WINDOWS_INSTANCE,
  windowsPasswordFixture,
  windowsPasswordFixtures,
  type WindowsPasswordFixture,
} from '../support/ecs-driver-fixtures.js';
import { startEcsOpenApiServer, type EcsOpenApiTestServer, type Invocation } from '../support/ecs-openapi-server/index.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { keyPairValue } from '../support/ssh-driver-fixtures.js';
import { randomSecret } from '../support/sql-driver-fixtures.js';
import { ed25519Pair } from '../support/sshd.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => null,
    (e: unknown) => e,
  );

const passwordOf = (value: string): string => (JSON.parse(value) as { Password: string }).Password;

const rotate = async (f: WindowsPasswordFixture, current: string, custom?: string): Promise<string> => {
  const pending = custom ?? (await f.driver.generate({ secret: f.secret, currentValue: current, previousValue: null })).value;
  await f.driver.apply({ secret: f.secret, pendingValue: pending, currentValue: current, previousValue: null });
  await f.driver.verify({ secret: f.secret, pendingValue: pending });
  await f.driver.finalize({ secret: f.secret, newCurrentValue: pending, newPreviousValue: current });
  return pending;
};

/** Every way the password could appear in text: as is, and Base64 or hex of its UTF-8 and UTF-16LE bytes. */
const encodingsOf = (password: string): string[] => {
  const utf8 = Buffer.from(password, 'utf8');
  const utf16 = Buffer.from(password, 'utf16le');
  return [password, utf8.toString('base64'), utf16.toString('base64'), utf8.toString('hex'), utf16.toString('hex'), JSON.stringify(password)];
};

const ALLOWED_REQUEST_FIELDS = ['v', 'op', 'user', 'slot', 'fingerprint', 'ciphertext'];
const ALLOWED_OUTPUT_LINE = /^(key-modulus=[A-Za-z0-9+/=]+|key-exponent=[A-Za-z0-9+/=]+|key-fingerprint=[0-9a-f]{64}|password-set=yes|password-valid=(yes|no)|key-discarded=(yes|absent)|(user-enabled|set-localuser|rsacng)=(yes|no)|secret-rotor-exit=7[0-7]|secret-rotor: [A-Za-z0-9 .,;:'()/_-]+)$/;

// Each apply and verify makes a fresh RSA-3072 key on the emulated instance: seconds on a busy machine.
describe('managed ECS password secrets on a Windows instance (instance side emulated)', { timeout: 120_000 }, () => {
  let ecs: EcsOpenApiTestServer;
  let assistant: CloudAssistant;
  beforeAll(async () => {
    ecs = await startEcsOpenApiServer();
    addTestInstances(ecs);
    assistant = sdkCloudAssistant({ credentials: () => ecs.manager, endpoint: `http://${ecs.endpoint}`, pollIntervalMs: 10, waitMs: 30_000 });
  });
  afterAll(async () => ecs?.stop());

  targetDriverContract('ECS Password on Windows (emulated instance)', windowsPasswordFixtures(() => ecs));

  describe('what is specific to Windows', () => {
    const fixtures: WindowsPasswordFixture[] = [];
    const fixture = (hostile = false) => {
      const f = windowsPasswordFixture(ecs, hostile);
      fixtures.push(f);
      return f;
    };
    const windows = () => ecs.windows(WINDOWS_INSTANCE);
    const windowsRunsSince = (seen: number): Invocation[] => ecs.invocations.slice(seen).filter((i) => i.instanceId === WINDOWS_INSTANCE);
    afterEach(async () => {
      for (const f of fixtures.splice(0)) await f.cleanup();
    });

    it('no command text or output carries the password or anything decryptable once the run is over', async () => {
      const f = fixture(true);
      const seen = ecs.invocations.length;
      const generated = await rotate(f, f.initialValue);
      const custom = await rotate(f, generated, f.hostileCustomValue(generated));
      expect(await f.logsIn(custom)).toBe(true);
      expect(await f.logsIn(generated)).toBe(false);

      const runs = windowsRunsSince(seen);
      // apply and verify each: prepare-key, then set-password or check-password.
      expect(runs.map((r) => parseWindowsScript(r.script)?.template)).toEqual(Array(4).fill(['prepare-key', 'use-key']).flat());
      const ciphertexts: string[] = [];
      for (const run of runs) {
        expect(run).toMatchObject({ type: 'RunPowerShellScript', status: 'Success', exitCode: 0 });
        const parsed = parseWindowsScript(run.script);
        expect(parsed).not.toBeNull();
        const request = parsed?.request as Record<string, unknown>;
        expect(Object.keys(request).every((k) => ALLOWED_REQUEST_FIELDS.includes(k))).toBe(true);
        expect(request).toMatchObject({ v: 1, user: f.userName, slot: keySlotFor(f.secret.name) });
        if (typeof request.ciphertext === 'string') {
          expect(Buffer.from(request.ciphertext, 'base64')).toHaveLength(384); // one RSA-3072 block
          ciphertexts.push(request.ciphertext);
        }
        for (const line of run.output.split('\r\n').filter(Boolean)) expect(line).toMatch(ALLOWED_OUTPUT_LINE);
        for (const value of [f.initialValue, generated, custom])
          for (const text of encodingsOf(passwordOf(value))) {
            expect(run.script).not.toContain(text);
            expect(Buffer.from(parsed?.payload ?? '', 'base64').toString('utf8')).not.toContain(text);
            expect(run.output).not.toContain(text);
          }
      }
      // OAEP is randomised: the same password never gives the same ciphertext twice.
      expect(new Set(ciphertexts).size).toBe(4);
      // The keys those ciphertexts were made for are gone from the instance.
      expect(windows().keySlots()).toEqual([]);
    });

    it('prepare-key returns only a public key: RSA-3072 whose fingerprint is its modulus hash', async () => {
      const f = fixture();
      const request: WindowsRequest = { v: 1, op: 'prepare-key', user: f.userName, slot: keySlotFor(f.secret.name) };
      const run = await assistant.runPowerShellScript(ECS_REGION, WINDOWS_INSTANCE, windowsScript(request));
      expect(run.status).toBe('Success');
      const lines = statusLines(run.output);
      expect([...lines.keys()].sort()).toEqual(['key-exponent', 'key-fingerprint', 'key-modulus']);
      expect(run.output).not.toMatch(/PRIVATE|"d"|"p"|"q"/);
      const key = createPublicKey({ key: { kty: 'RSA', n: Buffer.from(lines.get('key-modulus') as string, 'base64').toString('base64url'), e: 'AQAB' }, format: 'jwk' });
      expect(key.asymmetricKeyDetails?.modulusLength).toBe(3072);
      expect(windows().keySlots()).toEqual([keySlotFor(f.secret.name)]);
      await assistant.runPowerShellScript(ECS_REGION, WINDOWS_INSTANCE, windowsScript({ ...request, op: 'discard-key' }));
      expect(windows().keySlots()).toEqual([]);
    });

    it('a key abandoned by a crash after prepare-key is replaced by the next run, and none is left after it', async () => {
      const f = fixture();
      const slot = keySlotFor(f.secret.name);
      await assistant.runPowerShellScript(ECS_REGION, WINDOWS_INSTANCE, windowsScript({ v: 1, op: 'prepare-key', user: f.userName, slot }));
      expect(windows().keySlots()).toEqual([slot]);
      const pending = (await f.driver.generate({ secret: f.secret, currentValue: f.initialValue, previousValue: null })).value;
      await f.driver.apply({ secret: f.secret, pendingValue: pending, currentValue: f.initialValue, previousValue: null });
      expect(windows().keySlots()).toEqual([]);
      await f.driver.verify({ secret: f.secret, pendingValue: pending });
      expect(await f.logsIn(pending)).toBe(true);
    });

    it('a set-password run that Cloud Assistant times out is followed by discard-key; the step fails retryably and a retry succeeds', async () => {
      const f = fixture();
      const pending = (await f.driver.generate({ secret: f.secret, currentValue: f.initialValue, previousValue: null })).value;
      const seen = ecs.invocations.length;
      ecs.interruptNext(WINDOWS_INSTANCE, 'Timeout', (script) => parseWindowsScript(script)?.template === 'use-key');
      const error = await errorOf(f.driver.apply({ secret: f.secret, pendingValue: pending, currentValue: f.initialValue, previousValue: null }));
      expect(error).toBeInstanceOf(TargetError);
      expect((error as TargetError).retryable).toBe(true);
      expect((error as TargetError).message).toMatch(/status Timeout/);
      expect(windowsRunsSince(seen).map((r) => [parseWindowsScript(r.script)?.template, r.status])).toEqual([
        ['prepare-key', 'Success'],
        ['use-key', 'Timeout'],
        ['discard-key', 'Success'],
      ]);
      expect(windowsRunsSince(seen)[2]?.output).toBe('key-discarded=yes\r\n');
      expect(windows().keySlots()).toEqual([]);
      expect(await f.logsIn(f.initialValue)).toBe(true);

      await f.driver.apply({ secret: f.secret, pendingValue: pending, currentValue: f.initialValue, previousValue: null });
      await f.driver.verify({ secret: f.secret, pendingValue: pending });
      expect(await f.logsIn(pending)).toBe(true);
    });

    it('a ciphertext for a key that was replaced meanwhile is refused (retryable) and the key is destroyed anyway', async () => {
      const f = fixture();
      const slot = keySlotFor(f.secret.name);
      const run = (request: WindowsRequest) => assistant.runPowerShellScript(ECS_REGION, WINDOWS_INSTANCE, windowsScript(request));
      const first = statusLines((await run({ v: 1, op: 'prepare-key', user: f.userName, slot })).output);
      await run({ v: 1, op: 'prepare-key', user: f.userName, slot });
      const stale = await run({ v: 1, op: 'set-password', user: f.userName, slot, fingerprint: first.get('key-fingerprint') as string, ciphertext: 'AAAA' });
      expect(stale).toMatchObject({ exitCode: 72, status: 'Failed' });
      expect(stale.output).toBe('secret-rotor-exit=72\r\nsecret-rotor: the one-time key was replaced after the request was made\r\n');
      expect(windows().keySlots()).toEqual([]);
      const none = await run({ v: 1, op: 'check-password', user: f.userName, slot, fingerprint: first.get('key-fingerprint') as string, ciphertext: 'AAAA' });
      expect(none).toMatchObject({ exitCode: 72 });
      expect(await f.logsIn(f.initialValue)).toBe(true);
    });

    it('a password Windows refuses (policy) fails for good, quoting nothing of it, and leaves no key', async () => {
      const f = fixture();
      const weak = JSON.stringify({ UserName: f.userName, Password: 'short' });
      const error = await errorOf(f.driver.apply({ secret: f.secret, pendingValue: weak, currentValue: f.initialValue, previousValue: null }));
      expect(error).toBeInstanceOf(TargetError);
      expect(error).toMatchObject({ code: 'Target.Rejected', retryable: false });
      expect((error as Error).message).toMatch(/Windows refused the password/);
      expect((error as Error).message).not.toContain('short');
      expect(windows().keySlots()).toEqual([]);
      expect(await f.logsIn(f.initialValue)).toBe(true);
    });

    it('classifies a refusal by the printed code when the exit code is not passed on', async () => {
      const f = fixture();
      windows().exitCodesPassedOn = false;
      try {
        const weak = JSON.stringify({ UserName: f.userName, Password: 'short' });
        const error = await errorOf(f.driver.apply({ secret: f.secret, pendingValue: weak, currentValue: f.initialValue, previousValue: null }));
        expect(error).toMatchObject({ code: 'Target.Rejected', retryable: false });
        expect(ecs.invocations.at(-1)).toMatchObject({ exitCode: 1, status: 'Failed' });
      } finally {
        windows().exitCodesPassedOn = true;
      }
    });

    it('refuses a password Windows cannot hold (over 127 characters) before anything runs', async () => {
      const f = fixture();
      const seen = ecs.invocations.length;
      const long = JSON.stringify({ UserName: f.userName, Password: `Aa1-${'x'.repeat(124)}` });
      const error = await errorOf(f.driver.apply({ secret: f.secret, pendingValue: long, currentValue: f.initialValue, previousValue: null }));
      expect(error).toMatchObject({ code: 'Target.InvalidSecretData', retryable: false });
      expect(windowsRunsSince(seen)).toEqual([]);
    });

    it('verify of a password the instance does not accept fails with Target.VerificationFailed and costs one failed logon', async () => {
      const f = fixture();
      const before = windows().failedLogons(f.userName);
      const never = JSON.stringify({ UserName: f.userName, Password: `Never-${randomSecret()}` });
      const error = await errorOf(f.driver.verify({ secret: f.secret, pendingValue: never }));
      expect(error).toMatchObject({ code: 'Target.VerificationFailed', retryable: true });
      expect(windows().failedLogons(f.userName)).toBe(before + 1);
      expect(windows().keySlots()).toEqual([]);
    });

    it('creation takes a Windows user name (not a Linux one) and refuses a name Windows forbids', async () => {
      const driver = ecsDriverFor(ecs);
      const secret = ecsSecret('Password', WINDOWS_INSTANCE);
      const value = JSON.stringify({ UserName: 'Administrator', Password: 'typed-wrong' });
      await expect(driver.initialVersions!({ secret, secretData: value })).resolves.toEqual({ current: value });
      const spaced = JSON.stringify({ UserName: 'web admin', Password: 'not-the-password' });
      await expect(driver.initialVersions!({ secret, secretData: spaced })).resolves.toEqual({ current: spaced });
      const bad = await errorOf(driver.initialVersions!({ secret, secretData: JSON.stringify({ UserName: 'a/b', Password: 'not-the-password' }) }));
      expect((bad as Error).message).toMatch(/SecretData/);
      const linuxOnly = await errorOf(ecsDriverFor(ecs).initialVersions!({ secret: ecsSecret('Password'), secretData: spaced }));
      expect((linuxOnly as Error).message).toMatch(/valid Linux user name/);
    });

    it('preflight reads the account without changing anything, and fails for a missing or disabled user', async () => {
      const f = fixture();
      const seen = ecs.invocations.length;
      const { checks } = await f.driver.preflight({ secret: f.secret, currentValue: f.initialValue });
      expect(checks.map((c) => [c.name, c.ok])).toEqual([
        ['config', true],
        ['instance', true],
        ['account', true],
      ]);
      expect(windowsRunsSince(seen).map((r) => parseWindowsScript(r.script)?.template)).toEqual(['inspect']);
      const missing = await f.driver.preflight({ secret: f.secret, currentValue: JSON.stringify({ UserName: 'nobody-here', Password: 'not-the-password' }) });
      expect(missing.checks.find((c) => c.name === 'account')).toMatchObject({ ok: false, detail: expect.stringMatching(/does not exist/) });
      windows().addUser('rotor-off', randomSecret(), { enabled: false });
      const disabled = await f.driver.preflight({ secret: f.secret, currentValue: JSON.stringify({ UserName: 'rotor-off', Password: 'not-the-password' }) });
      expect(disabled.checks.find((c) => c.name === 'account')).toMatchObject({ ok: false, detail: expect.stringMatching(/disabled/) });
      windows().removeUser('rotor-off');
      expect(await f.logsIn(f.initialValue)).toBe(true);
    });

    it('an SSHKey secret for a Windows instance is still refused, at creation and at rotation, with nothing run', async () => {
      const driver = ecsDriverFor(ecs);
      const secret = ecsSecret('SSHKey', WINDOWS_INSTANCE);
      const value = keyPairValue('Administrator', ed25519Pair('windows'));
      const seen = ecs.invocations.length;
      const atCreate = await errorOf(driver.initialVersions!({ secret, secretData: value }));
      expect((atCreate as Error).message).toMatch(/SSHKey is not supported on a Windows instance/);
      const pending = (await driver.generate({ secret, currentValue: value, previousValue: null })).value;
      const atApply = await errorOf(driver.apply({ secret, pendingValue: pending, currentValue: value, previousValue: null }));
      expect(atApply).toMatchObject({ code: 'Target.Unsupported', retryable: false });
      const atVerify = await errorOf(driver.verify({ secret, pendingValue: pending }));
      expect(atVerify).toMatchObject({ code: 'Target.Unsupported' });
      expect(ecs.invocations.length).toBe(seen);
    });
  });

  describe('through the rotation engine', () => {
    let h: Harness;
    const crashed = new Set<string>();
    /** Does the real step, then fails once as if the runtime died before recording it. */
    const crashingOnceAfterApply = (inner: TargetDriver): TargetDriver => ({
      kind: inner.kind,
      supports: (s) => inner.supports(s),
      validateConfig: (s) => inner.validateConfig(s),
      preflight: (r) => inner.preflight(r),
      initialVersions: (r) => inner.initialVersions!(r),
      generate: (r) => inner.generate(r),
      verify: (r) => inner.verify(r),
      finalize: (r) => inner.finalize(r),
      apply: async (r) => {
        const result = await inner.apply(r);
        if (!crashed.has('apply')) {
          crashed.add('apply');
          throw new Error('simulated crash after apply');
        }
        return result;
      },
    });
    beforeAll(async () => {
      h = await createHarness({ drivers: [crashingOnceAfterApply(ecsDriverFor(ecs))] });
    });
    afterAll(async () => h?.close());

    it('an invalid initial value is healed; a crash right after apply still completes; old passwords stop working', async () => {
      const f = windowsPasswordFixture(ecs, false);
      try {
        const invalid = JSON.stringify({ UserName: f.userName, Password: 'typed-wrong-in-the-console' });
        const config = JSON.stringify({ SecretSubType: 'Password', RegionId: ECS_REGION, InstanceId: WINDOWS_INSTANCE });
        await h.service.createSecret({ secretName: 'acs/ecs/win-1/admin', versionId: 'v0', secretData: invalid, secretType: 'ECS', extendedConfig: config });
        const history = [invalid, f.initialValue];
        for (const versionId of ['r1', 'r2']) {
          await h.service.rotateSecret({ secretName: secretIdOf('acs/ecs/win-1/admin'), versionId });
          expect(await h.pump()).toBeGreaterThanOrEqual(5);
          expect((await h.service.describeSecret(secretIdOf('acs/ecs/win-1/admin'))).lastRotation).toMatchObject({ versionId, status: 'Succeeded' });
          const current = (await h.service.getSecretValue({ secretName: secretIdOf('acs/ecs/win-1/admin'), versionStage: 'ACSCurrent' })).secretData;
          expect(passwordOf(current)).toHaveLength(32);
          expect(await f.logsIn(current)).toBe(true);
          for (const old of history) expect(await f.logsIn(old)).toBe(false);
          history.push(current);
        }
        expect(crashed.has('apply')).toBe(true);
        expect(ecs.windows(WINDOWS_INSTANCE).keySlots()).toEqual([]);
        for (const value of history.slice(2)) expect(JSON.stringify(h.events.events)).not.toContain(passwordOf(value));
      } finally {
        await f.cleanup();
      }
    });
  });
});
