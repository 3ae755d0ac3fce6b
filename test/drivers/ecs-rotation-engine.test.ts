/**
 * The real service (SQLite store and queue, local master key, queue pump) rotating managed ECS
 * secrets through the official ECS SDK, the ECS OpenAPI test server and Cloud Assistant scripts
 * run on this machine, with real logins on the test sshd: generated and custom ("Use Custom
 * Secret") rotations for Password and SSHKey, an invalid initial value healed by the first
 * rotation, an SSHKey secret for a Windows instance refused at creation, and a rotation that
 * crashes right after the instance changed (after apply and after finalize) still completing with
 * a consistent managed block. Root only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetDriver } from '../../shared/ports/target-driver.js';
import { addTestInstances, ecsDriverFor, ECS_REGION, LINUX_INSTANCE, WINDOWS_INSTANCE } from '../support/ecs-driver-fixtures.js';
import { startEcsOpenApiServer, type EcsOpenApiTestServer } from '../support/ecs-openapi-server/index.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { keyOfLine, keyPairValue, readAuthorizedKeys, writeAuthorizedKeys } from '../support/ssh-driver-fixtures.js';
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
import { secretIdOf } from '../../shared/domain/secret-id.js';

const skipReason = sshdUnavailableReason();
const PASSWORD_SECRET = 'acs/ecs/web-1/password';
const KEY_SECRET = 'acs/ecs/web-1/key';

/** Does the real step, then fails once as if the runtime died before recording it. */
const crashingOnceAfter = (inner: TargetDriver, steps: ReadonlySet<'apply' | 'finalize'>): TargetDriver => {
  const crashed = new Set<string>();
  const once = async <T>(step: 'apply' | 'finalize', work: () => Promise<T>): Promise<T> => {
    const result = await work();
    if (steps.has(step) && !crashed.has(step)) {
      crashed.add(step);
      throw new Error(`simulated crash after ${step}`);
    }
    return result;
  };
  return {
    kind: inner.kind,
    supports: (s) => inner.supports(s),
    validateConfig: (s) => inner.validateConfig(s),
    preflight: (r) => inner.preflight(r),
    initialVersions: (r) => inner.initialVersions!(r),
    generate: (r) => inner.generate(r),
    verify: (r) => inner.verify(r),
    apply: (r) => once('apply', () => inner.apply(r)),
    finalize: (r) => once('finalize', () => inner.finalize(r)),
  };
};

const config = (subType: 'Password' | 'SSHKey', instanceId = LINUX_INSTANCE) =>
  JSON.stringify({ SecretSubType: subType, RegionId: ECS_REGION, InstanceId: instanceId });

describe.skipIf(skipReason !== null)(`the rotation engine with managed ECS secrets${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let server: SshdServer;
  let ecs: EcsOpenApiTestServer;
  let h: Harness;
  const crashSteps = new Set<'apply' | 'finalize'>();
  const users: LinuxUser[] = [];

  const login = (value: string) => sshLogsIn(server, JSON.parse(value) as SshLoginValue);
  const valueAt = async (secretName: string, versionStage: string) => (await h.service.getSecretValue({ secretName: secretIdOf(secretName), versionStage })).secretData;
  const rotate = async (secretName: string, versionId: string, secretData?: string) => {
    const started = await h.service.rotateSecret({ secretName: secretIdOf(secretName), versionId, ...(secretData ? { secretData } : {}) });
    expect(started.started).toBe(true);
    expect(await h.pump()).toBe(5); // four steps, then the finalize after the promote
    expect((await h.service.describeSecret(secretIdOf(secretName))).lastRotation).toMatchObject({ versionId, status: 'Succeeded' });
  };
  const newUser = async (password?: string) => {
    const user = await createLinuxUser(randomUserName(false), password);
    users.push(user);
    return user;
  };

  beforeAll(async () => {
    server = await startSshd();
    ecs = await startEcsOpenApiServer();
    addTestInstances(ecs);
    h = await createHarness({ drivers: [crashingOnceAfter(ecsDriverFor(ecs), crashSteps)] });
  });

  afterAll(async () => {
    await h?.close();
    for (const user of users) await user.remove();
    await ecs?.stop();
    await server?.stop();
  });

  it('Password: an invalid initial value is healed; generated and custom rotations log in, the old password does not', async () => {
    const user = await newUser(randomSecret());
    const invalid = JSON.stringify({ UserName: user.name, Password: 'typed-wrong-in-the-console' });
    await h.service.createSecret({ secretName: PASSWORD_SECRET, versionId: 'v0', secretData: invalid, secretType: 'ECS', extendedConfig: config('Password') });
    expect(await login(invalid)).toBe(false);

    const history = [invalid];
    for (let i = 1; i <= 2; i++) {
      await rotate(PASSWORD_SECRET, `r${i}`);
      const current = await valueAt(PASSWORD_SECRET, 'ACSCurrent');
      expect(await valueAt(PASSWORD_SECRET, 'ACSPrevious')).toBe(history.at(-1));
      expect((JSON.parse(current) as { Password: string }).Password).toHaveLength(32);
      expect(await login(current)).toBe(true);
      for (const old of history) expect(await login(old)).toBe(false);
      history.push(current);
    }

    const custom = JSON.stringify({ UserName: user.name, Password: `Chosen-by-hand ${randomSecret()}` });
    await rotate(PASSWORD_SECRET, 'custom', custom);
    expect(await valueAt(PASSWORD_SECRET, 'ACSCurrent')).toBe(custom);
    expect(await login(custom)).toBe(true);
    expect(await login(history.at(-1) as string)).toBe(false);
    for (const value of [...history, custom]) expect(JSON.stringify(h.events.events)).not.toContain((JSON.parse(value) as { Password: string }).Password);
  });

  it('SSHKey: each rotation logs in with ACSCurrent; ACSPrevious fails once promoted; a key outside the block stays; a crash after apply and after finalize still completes', async () => {
    const user = await newUser();
    const first = ed25519Pair('initial');
    const other = ed25519Pair('ops@laptop');
    writeAuthorizedKeys(user, `${other.publicKey}\n${first.publicKey}\n`);
    const initial = keyPairValue(user.name, first);
    await h.service.createSecret({ secretName: KEY_SECRET, versionId: 'v0', secretData: initial, secretType: 'ECS', extendedConfig: config('SSHKey') });

    for (let i = 1; i <= 2; i++) {
      await rotate(KEY_SECRET, `r${i}`);
      const current = await valueAt(KEY_SECRET, 'ACSCurrent');
      const previous = await valueAt(KEY_SECRET, 'ACSPrevious');
      expect(JSON.parse(current)).toMatchObject({ UserName: user.name, PublicKey: expect.stringMatching(/^ssh-rsa /) });
      expect(await login(current)).toBe(true);
      expect(await login(previous)).toBe(false);
    }
    const custom = keyPairValue(user.name, ed25519Pair('chosen'));
    await rotate(KEY_SECRET, 'custom', custom);
    expect(await login(custom)).toBe(true);
    expect(await login(await valueAt(KEY_SECRET, 'ACSPrevious'))).toBe(false);
    const lines = readAuthorizedKeys(user).split('\n');
    expect(lines.slice(lines.indexOf(`# BEGIN secret-rotor ${KEY_SECRET}`) + 1, lines.indexOf(`# END secret-rotor ${KEY_SECRET}`)).map(keyOfLine)).toEqual([
      keyOfLine((JSON.parse(custom) as { PublicKey: string }).PublicKey),
    ]);
    expect(await sshLogsIn(server, { UserName: user.name, PrivateKey: other.privateKey })).toBe(true);

    crashSteps.add('apply');
    crashSteps.add('finalize');
    const before = await valueAt(KEY_SECRET, 'ACSCurrent');
    await h.service.rotateSecret({ secretName: secretIdOf(KEY_SECRET), versionId: 'crash' });
    expect(await h.pump()).toBe(7); // four steps and the finalize; apply and finalize each run twice
    expect((await h.service.describeSecret(secretIdOf(KEY_SECRET))).lastRotation).toMatchObject({ versionId: 'crash', status: 'Succeeded' });
    const current = await valueAt(KEY_SECRET, 'ACSCurrent');
    expect(await valueAt(KEY_SECRET, 'ACSPrevious')).toBe(before);
    expect(await login(current)).toBe(true);
    expect(await login(before)).toBe(false);
    const after = readAuthorizedKeys(user).split('\n');
    expect(after.slice(after.indexOf(`# BEGIN secret-rotor ${KEY_SECRET}`) + 1, after.indexOf(`# END secret-rotor ${KEY_SECRET}`)).map(keyOfLine)).toEqual([
      keyOfLine((JSON.parse(current) as { PublicKey: string }).PublicKey),
    ]);
    expect(after.filter((l) => l.startsWith('# BEGIN secret-rotor'))).toHaveLength(1);
    expect(await sshLogsIn(server, { UserName: user.name, PrivateKey: other.privateKey })).toBe(true);
    crashSteps.clear();
  });

  it('refuses to create an SSHKey secret for a Windows instance', async () => {
    const creating = h.service.createSecret({
      secretName: 'acs/ecs/windows/key',
      versionId: 'v0',
      secretData: keyPairValue('Administrator', ed25519Pair('w')),
      secretType: 'ECS',
      extendedConfig: config('SSHKey', WINDOWS_INSTANCE),
    });
    await expect(creating).rejects.toThrow(/SSHKey is not supported on a Windows instance/);
    await expect(h.service.describeSecret(secretIdOf('acs/ecs/windows/key'))).rejects.toThrow();
  });
});
