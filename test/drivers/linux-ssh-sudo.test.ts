/**
 * The Linux-host driver with a manager that is not root, against a real sshd and the real sudo:
 * a manager with passwordless sudo passes preflight and rotates passwords and keys through the
 * rotation engine; a manager without sudo rights fails preflight's root check, and its rotations
 * fail cleanly with the host's credential and ACSCurrent as they were. Runs only as root (see
 * sshdUnavailableReason); sudo itself is required, not skipped: scripts/ensure-sshd.sh installs it.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxHostDriver } from '../../shared/adapters/drivers/ssh/drivers.js';
import { secretNotFound } from '../../shared/domain/errors.js';
import type { DriverSecret, PreflightCheck } from '../../shared/ports/target-driver.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { keyOfLine, keyPairValue, readAuthorizedKeys, writeAuthorizedKeys } from '../support/ssh-driver-fixtures.js';
import { randomSecret } from '../support/sql-driver-fixtures.js';
import {
  createLinuxUser,
  createManagerUser,
  ed25519Pair,
  randomUserName,
  shadowHashOf,
  sshdUnavailableReason,
  sshLogsIn,
  startSshd,
  sudoMissingReason,
  type KeyPairText,
  type LinuxUser,
  type ManagerUser,
  type SshdServer,
  type SshLoginValue,
} from '../support/sshd.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const skipReason = sshdUnavailableReason();

const SUDO_MANAGER = 'hosts/sudo-manager';
const POWERLESS_MANAGER = 'hosts/powerless-manager';
type SubType = 'LinuxPassword' | 'LinuxSSHKey';

/** What managed-host.ts says when the root script cannot start as root (sudo refused: exit 1); the engine names the step before it. */
const NOT_ROOT_ERROR = {
  code: 'Target.PermissionDenied',
  message: 'apply failed: The host script did not start as root (exit 1); the manager must be root or have passwordless sudo.',
};

interface Target {
  user: LinuxUser;
  secretName: string;
  initial: string;
  /** Keys only: a key of someone else outside the managed block. */
  other: KeyPairText | null;
}

describe.skipIf(skipReason !== null)(`a Linux host managed through sudo${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let server: SshdServer;
  let h: Harness;
  let sudoer: ManagerUser;
  let powerless: ManagerUser;
  /** Passwordless sudo, but only from a terminal (Defaults requiretty). */
  let ttyOnly: ManagerUser;
  const users: LinuxUser[] = [];
  /** Every target value this file saw, to prove none of them was published. */
  const values: string[] = [];

  const login = (value: string) => sshLogsIn(server, JSON.parse(value) as SshLoginValue);
  const valueAt = async (secretName: string, versionStage: string) => {
    const value = (await h.service.getSecretValue({ secretName: secretIdOf(secretName), versionStage })).secretData;
    values.push(value);
    return value;
  };
  const keyOf = (value: string) => keyOfLine((JSON.parse(value) as { PublicKey: string }).PublicKey);
  const managedKeys = (t: Target): string[] => {
    const lines = readAuthorizedKeys(t.user).split('\n');
    const begin = lines.indexOf(`# BEGIN secret-rotor ${t.secretName}`);
    return begin < 0 ? [] : lines.slice(begin + 1, lines.indexOf(`# END secret-rotor ${t.secretName}`)).map(keyOfLine);
  };

  const extendedConfig = (subType: SubType, userName: string, managerSecretName: string) => ({
    SecretSubType: subType,
    Host: server.host,
    Port: server.port,
    UserName: userName,
    ManagerSecretName: managerSecretName,
    HostKeyFingerprint: server.hostKeyFingerprint,
  });

  /** A target user with a working initial credential, and its secret in the service. */
  const target = async (subType: SubType, managerSecretName: string): Promise<Target> => {
    const name = randomUserName(false);
    const secretName = `hosts/${subType.toLowerCase()}/${name}`;
    let user: LinuxUser;
    let initial: string;
    let other: KeyPairText | null = null;
    if (subType === 'LinuxPassword') {
      const password = randomSecret();
      user = await createLinuxUser(name, password);
      initial = JSON.stringify({ UserName: name, Password: password });
    } else {
      user = await createLinuxUser(name);
      const first = ed25519Pair('initial');
      other = ed25519Pair('ops@laptop');
      writeAuthorizedKeys(user, `# the ops team\n${other.publicKey}\n${first.publicKey}\n`);
      initial = keyPairValue(name, first);
    }
    users.push(user);
    values.push(initial);
    await h.service.createSecret({
      secretName,
      versionId: 'v0',
      secretData: initial,
      extendedConfig: JSON.stringify(extendedConfig(subType, name, managerSecretName)),
    });
    expect(await login(initial)).toBe(true);
    return { user, secretName, initial, other };
  };

  /** The driver on its own, with `manager` as the managing login, for preflight. */
  const driverManagedBy = (manager: ManagerUser) =>
    createLinuxHostDriver({ resolveSecret: async (name) => (name === 'manager' ? manager.managerValue : Promise.reject(secretNotFound(name))) });
  const driverSecret = (subType: SubType, userName: string): DriverSecret => ({
    name: `hosts/preflight/${userName}`,
    type: 'Generic',
    extendedConfig: extendedConfig(subType, userName, 'manager'),
  });
  const checkNamed = (checks: PreflightCheck[], name: string) => checks.find((c) => c.name === name);

  beforeAll(async () => {
    const missing = sudoMissingReason();
    if (missing) throw new Error(missing);
    server = await startSshd();
    sudoer = await createManagerUser(server, { sudo: true });
    powerless = await createManagerUser(server, { sudo: false });
    ttyOnly = await createManagerUser(server, { sudo: 'requiretty' });
    const driver = createLinuxHostDriver({
      resolveSecret: async (name) => (await h.service.getSecretValue({ secretName: secretIdOf(name) })).secretData,
    });
    h = await createHarness({ drivers: [driver] });
    await h.service.createSecret({ secretName: SUDO_MANAGER, versionId: 'm1', secretData: sudoer.managerValue });
    await h.service.createSecret({ secretName: POWERLESS_MANAGER, versionId: 'm1', secretData: powerless.managerValue });
  });

  afterAll(async () => {
    await h?.close();
    for (const user of users) await user.remove();
    await sudoer?.remove();
    await powerless?.remove();
    await ttyOnly?.remove();
    await server?.stop();
  });

  describe('a manager with passwordless sudo', () => {
    it('passes preflight for both subtypes; the root check says sudo -n runs commands as root', async () => {
      for (const subType of ['LinuxPassword', 'LinuxSSHKey'] as const) {
        const t = await target(subType, SUDO_MANAGER);
        const { checks } = await driverManagedBy(sudoer).preflight({ secret: driverSecret(subType, t.user.name), currentValue: t.initial });
        expect(checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([]);
        expect(checks.map((c) => c.name)).toEqual(['config', 'manager-secret', 'reachable', 'manager-login', 'root', 'account', 'current-login']);
        expect(checkNamed(checks, 'manager-login')?.detail).toContain(`as "${sudoer.name}"`);
        // Not "The manager is root.": the manager really is an ordinary user going through sudo.
        expect(checkNamed(checks, 'root')).toEqual({ name: 'root', ok: true, detail: '`sudo -n` runs commands as root.' });
        expect(checkNamed(checks, 'account')?.detail).toBe(`The user "${t.user.name}" exists (uid ${t.user.uid}).`);
      }
    });

    it('rotates a LinuxPassword through the engine: ACSCurrent logs in, the old password no longer does', async () => {
      const t = await target('LinuxPassword', SUDO_MANAGER);
      const hashBefore = shadowHashOf(t.user.name);
      const logBefore = server.log.join('').length;
      expect((await h.service.rotateSecret({ secretName: secretIdOf(t.secretName), versionId: 'r1' })).started).toBe(true);
      await h.pump();
      expect((await h.service.describeSecret(secretIdOf(t.secretName))).lastRotation).toMatchObject({ versionId: 'r1', status: 'Succeeded', error: null });

      const current = await valueAt(t.secretName, 'ACSCurrent');
      expect((JSON.parse(current) as { UserName: string }).UserName).toBe(t.user.name);
      expect(current === t.initial).toBe(false);
      expect((await valueAt(t.secretName, 'ACSPrevious')) === t.initial).toBe(true);
      expect(shadowHashOf(t.user.name) === hashBefore).toBe(false);
      expect(await login(current)).toBe(true);
      expect(await login(t.initial)).toBe(false);
      // The change went through the sudo manager's own login; root never logged in.
      const log = server.log.join('').slice(logBefore);
      expect(log).toContain(`Accepted publickey for ${sudoer.name} `);
      expect(log).not.toMatch(/Accepted \S+ for root /);
    });

    it('rotates a LinuxSSHKey through the engine: ACSCurrent logs in, the old key leaves the managed block and the file', async () => {
      const t = await target('LinuxSSHKey', SUDO_MANAGER);
      const other = t.other as KeyPairText;
      const logBefore = server.log.join('').length;
      expect((await h.service.rotateSecret({ secretName: secretIdOf(t.secretName), versionId: 'r1' })).started).toBe(true);
      expect(await h.pump()).toBe(5); // four steps, then the finalize after the promote
      expect((await h.service.describeSecret(secretIdOf(t.secretName))).lastRotation).toMatchObject({ versionId: 'r1', status: 'Succeeded', error: null });

      const current = await valueAt(t.secretName, 'ACSCurrent');
      expect((await valueAt(t.secretName, 'ACSPrevious')) === t.initial).toBe(true);
      expect(managedKeys(t)).toEqual([keyOf(current)]);
      expect(readAuthorizedKeys(t.user)).not.toContain(keyOf(t.initial));
      expect(readAuthorizedKeys(t.user).startsWith(`# the ops team\n${other.publicKey}\n`)).toBe(true);
      expect(await login(current)).toBe(true);
      expect(await login(t.initial)).toBe(false);
      expect(await sshLogsIn(server, { UserName: t.user.name, PrivateKey: other.privateKey })).toBe(true);
      // sudo gave root, and the keys part still dropped to the user: the file is the user's, 600.
      const file = lstatSync(join(t.user.home, '.ssh', 'authorized_keys'));
      expect([file.uid, file.gid, file.mode & 0o777]).toEqual([t.user.uid, t.user.gid, 0o600]);
      const log = server.log.join('').slice(logBefore);
      expect(log).toContain(`Accepted publickey for ${sudoer.name} `);
      expect(log).not.toMatch(/Accepted \S+ for root /);
    });
  });

  describe('a manager without sudo rights', () => {
    /** Preflight stops at the root check with sudo's own reason, and checks nothing as root after it. */
    const expectRootCheckRefused = async (manager: ManagerUser, subType: SubType, sudoSaid: string): Promise<PreflightCheck[]> => {
      const t = await target(subType, POWERLESS_MANAGER);
      const { checks } = await driverManagedBy(manager).preflight({ secret: driverSecret(subType, t.user.name), currentValue: t.initial });
      expect(checkNamed(checks, 'manager-login')).toMatchObject({ ok: true });
      expect(checkNamed(checks, 'root')).toEqual({
        name: 'root',
        ok: false,
        detail: `"${manager.name}" is not root and \`sudo -n\` does not run commands as root: sudo said "${sudoSaid}".`,
      });
      expect(checkNamed(checks, 'account')).toBeUndefined();
      return checks;
    };

    it('fails preflight at the root check, with its message, and checks nothing as root after it', async () => {
      for (const subType of ['LinuxPassword', 'LinuxSSHKey'] as const) {
        const checks = await expectRootCheckRefused(powerless, subType, 'a password is required');
        expect(checkNamed(checks, 'current-login')).toMatchObject({ ok: true });
      }
    });

    it('names sudo\'s own reason when sudo needs a terminal (requiretty), which an SSH command never has', async () => {
      await expectRootCheckRefused(ttyOnly, 'LinuxPassword', 'sorry, you must have a tty to run sudo');
    });

    /** Rotates once: the rotation fails with the host's refusal, no job left, ACSCurrent unchanged. */
    const expectRotationRefused = async (t: Target): Promise<void> => {
      await h.service.rotateSecret({ secretName: secretIdOf(t.secretName), versionId: 'r1' });
      await h.pump();
      const described = await h.service.describeSecret(secretIdOf(t.secretName));
      expect(described.job).toBeNull();
      expect(described.lastRotation).toMatchObject({ versionId: 'r1', status: 'Failed', error: NOT_ROOT_ERROR });
      expect(described.stages).toEqual({ ACSCurrent: 'v0' });
      expect((await valueAt(t.secretName, 'ACSCurrent')) === t.initial).toBe(true);
    };

    it('a LinuxPassword rotation fails cleanly: the host refusal is recorded, ACSCurrent and the password stay', async () => {
      const t = await target('LinuxPassword', POWERLESS_MANAGER);
      const hashBefore = shadowHashOf(t.user.name);
      await expectRotationRefused(t);
      expect(shadowHashOf(t.user.name) === hashBefore).toBe(true);
      expect(await login(t.initial)).toBe(true);
    });

    it('a LinuxSSHKey rotation fails cleanly: the host refusal is recorded, ACSCurrent and authorized_keys stay', async () => {
      const t = await target('LinuxSSHKey', POWERLESS_MANAGER);
      const keysBefore = readAuthorizedKeys(t.user);
      await expectRotationRefused(t);
      expect(readAuthorizedKeys(t.user)).toBe(keysBefore);
      expect(await login(t.initial)).toBe(true);
    });
  });

  it('publishes no secret of any target or manager in its events', () => {
    const published = JSON.stringify(h.events.events);
    const secretOf = (value: string): string => {
      const o = JSON.parse(value) as { Password?: string; PrivateKey?: string };
      return o.Password ?? (o.PrivateKey as string).split('\n')[1] as string;
    };
    const secrets = [...values, sudoer.managerValue, powerless.managerValue].map(secretOf);
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(published.includes(secret)).toBe(false);
  });
});
