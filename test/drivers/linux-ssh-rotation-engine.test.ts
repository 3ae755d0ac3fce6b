/**
 * The real service (SQLite store and queue, local master key, queue pump) rotating a LinuxSSHKey
 * secret on a real sshd, with root's managing key read from another secret of the same service.
 * After each rotation ACSCurrent logs in and ACSPrevious no longer does (its key was retired at
 * promotion); someone else's key in the same authorized_keys keeps working throughout. Then a
 * rotation that crashes right after the host changed, at apply and at promotion, still completes.
 * Runs only as root (see sshdUnavailableReason).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxHostDriver } from '../../shared/adapters/drivers/ssh/drivers.js';
import type { TargetDriver } from '../../shared/ports/target-driver.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { keyOfLine, keyPairValue, MANAGER_SECRET_NAME, readAuthorizedKeys, writeAuthorizedKeys } from '../support/ssh-driver-fixtures.js';
import {
  createLinuxUser,
  ed25519Pair,
  randomUserName,
  sshdUnavailableReason,
  sshLogsIn,
  startSshd,
  type KeyPairText,
  type LinuxUser,
  type SshdServer,
  type SshLoginValue,
} from '../support/sshd.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const skipReason = sshdUnavailableReason();
const SECRET = 'hosts/web-1/deploy';

/** Does the real step, then fails once as if the runtime died before recording it. */
class CrashAfterOnce implements TargetDriver {
  readonly kind: string;
  private crashed = new Set<string>();
  constructor(
    private readonly inner: TargetDriver,
    private readonly crashAfter: ReadonlySet<'apply' | 'finalize'>,
    private readonly onCrash: (step: string) => Promise<void>,
  ) {
    this.kind = inner.kind;
  }
  supports = (s: Parameters<TargetDriver['supports']>[0]) => this.inner.supports(s);
  validateConfig = (s: Parameters<TargetDriver['validateConfig']>[0]) => this.inner.validateConfig(s);
  preflight = (r: Parameters<TargetDriver['preflight']>[0]) => this.inner.preflight(r);
  generate = (r: Parameters<TargetDriver['generate']>[0]) => this.inner.generate(r);
  verify = (r: Parameters<TargetDriver['verify']>[0]) => this.inner.verify(r);
  apply = async (r: Parameters<TargetDriver['apply']>[0]) => this.crashing('apply', () => this.inner.apply(r));
  finalize = async (r: Parameters<TargetDriver['finalize']>[0]) => this.crashing('finalize', () => this.inner.finalize(r));
  private async crashing<T>(step: 'apply' | 'finalize', work: () => Promise<T>): Promise<T> {
    const result = await work();
    if (this.crashAfter.has(step) && !this.crashed.has(step)) {
      this.crashed.add(step);
      await this.onCrash(step);
      throw new Error(`simulated crash after ${step}`);
    }
    return result;
  }
}

describe.skipIf(skipReason !== null)(`the rotation engine with the LinuxSSHKey driver${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let server: SshdServer;
  let h: Harness;
  let user: LinuxUser;
  let other: KeyPairText;
  let initial: string;
  let outsideLines: string[];
  const crashes: Array<{ step: string; currentLogsIn: boolean }> = [];
  const crashSteps = new Set<'apply' | 'finalize'>();

  const login = (value: string) => sshLogsIn(server, JSON.parse(value) as SshLoginValue);
  const valueAt = async (versionStage: string) => (await h.service.getSecretValue({ secretName: secretIdOf(SECRET), versionStage })).secretData;
  const managedKeys = () => {
    const lines = readAuthorizedKeys(user).split('\n');
    return lines.slice(lines.indexOf(`# BEGIN secret-rotor ${SECRET}`) + 1, lines.indexOf(`# END secret-rotor ${SECRET}`)).map(keyOfLine);
  };
  const keyOf = (value: string) => keyOfLine((JSON.parse(value) as { PublicKey: string }).PublicKey);

  beforeAll(async () => {
    server = await startSshd();
    user = await createLinuxUser(randomUserName(false));
    const first = ed25519Pair('initial');
    other = ed25519Pair('ops@laptop');
    outsideLines = ['# the ops team', other.publicKey];
    writeAuthorizedKeys(user, `${outsideLines.join('\n')}\n${first.publicKey}\n`);
    initial = keyPairValue(user.name, first);

    const real = createLinuxHostDriver({
      resolveSecret: async (name) => (await h.service.getSecretValue({ secretName: secretIdOf(name) })).secretData,
    });
    const driver = new CrashAfterOnce(real, crashSteps, async (step) => {
      crashes.push({ step, currentLogsIn: await login(await valueAt('ACSCurrent')) });
    });
    h = await createHarness({ drivers: [driver] });
    await h.service.createSecret({ secretName: MANAGER_SECRET_NAME, versionId: 'm1', secretData: server.managerValue });
    await h.service.createSecret({
      secretName: SECRET,
      versionId: 'v0',
      secretData: initial,
      extendedConfig: JSON.stringify({
        SecretSubType: 'LinuxSSHKey',
        Host: server.host,
        Port: server.port,
        UserName: user.name,
        ManagerSecretName: MANAGER_SECRET_NAME,
        HostKeyFingerprint: server.hostKeyFingerprint,
      }),
    });
  });

  afterAll(async () => {
    await h?.close();
    await user?.remove();
    await server?.stop();
  });

  it('rotates three times: ACSCurrent logs in, ACSPrevious is retired, the block holds one key, other keys stay', async () => {
    const history = [initial];
    for (let i = 1; i <= 3; i++) {
      const started = await h.service.rotateSecret({ secretName: secretIdOf(SECRET), versionId: `r${i}` });
      expect(started.started).toBe(true);
      expect(await h.pump()).toBe(5); // four steps, then the finalize after the promote
      expect((await h.service.describeSecret(secretIdOf(SECRET))).lastRotation).toMatchObject({ versionId: `r${i}`, status: 'Succeeded' });

      const current = await valueAt('ACSCurrent');
      const previous = await valueAt('ACSPrevious');
      expect(previous).toBe(history.at(-1));
      history.push(current);
      expect(JSON.parse(current)).toMatchObject({ UserName: user.name, PublicKey: expect.stringMatching(/^ssh-rsa /) });
      expect(JSON.parse(current).PrivateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);

      expect(await login(current)).toBe(true);
      expect(await login(previous)).toBe(false);
      expect(managedKeys()).toEqual([keyOf(current)]);
      expect(readAuthorizedKeys(user).startsWith(`${outsideLines.join('\n')}\n`)).toBe(true);
      expect(await sshLogsIn(server, { UserName: user.name, PrivateKey: other.privateKey })).toBe(true);
    }
    const published = JSON.stringify(h.events.events);
    for (const value of history) expect(published).not.toContain((JSON.parse(value) as { PrivateKey: string }).PrivateKey.split('\n')[1]);
    expect(published).not.toContain((JSON.parse(server.managerValue) as { PrivateKey: string }).PrivateKey.split('\n')[1]);
  });

  it('a crash right after apply and right after finalize: the retried steps complete the rotation consistently', async () => {
    crashSteps.add('apply');
    crashSteps.add('finalize');
    const before = await valueAt('ACSCurrent');
    await h.service.rotateSecret({ secretName: secretIdOf(SECRET), versionId: 'crash' });
    expect(await h.pump()).toBe(7); // four steps and the finalize; apply and finalize each run twice
    expect((await h.service.describeSecret(secretIdOf(SECRET))).lastRotation).toMatchObject({ versionId: 'crash', status: 'Succeeded' });
    // After apply the key in use still worked: the overlap covers a crash there.
    expect(crashes.find((c) => c.step === 'apply')).toEqual({ step: 'apply', currentLogsIn: true });
    // Finalize runs only once the promote is stored, so a crash there leaves ACSCurrent on the new
    // key, which still logs in; the retried finalize then retires the old one.
    expect(crashes.find((c) => c.step === 'finalize')).toEqual({ step: 'finalize', currentLogsIn: true });
    const current = await valueAt('ACSCurrent');
    expect(await valueAt('ACSPrevious')).toBe(before);
    expect(await login(current)).toBe(true);
    expect(await login(before)).toBe(false);
    expect(managedKeys()).toEqual([keyOf(current)]);
    expect(await sshLogsIn(server, { UserName: user.name, PrivateKey: other.privateKey })).toBe(true);
  });
});
