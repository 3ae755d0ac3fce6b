/**
 * The Linux-host driver against a real OpenSSH server started for this file, with throwaway OS
 * users: the driver contract for passwords and SSH keys, then what is specific to Linux hosts
 * (what crosses the wire, authorized_keys ownership and modes, crash safety of the managed block,
 * preflight failures, confused-deputy refusals). Runs only as root (see sshdUnavailableReason).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, lstatSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLinuxHostDriver } from '../../shared/adapters/drivers/ssh/drivers.js';
import type { TargetFailureReport } from '../../shared/adapters/drivers/redacting-driver.js';
import { TargetError } from '../../shared/domain/errors.js';
import type { DriverSecret } from '../../shared/ports/target-driver.js';
import { targetDriverContract } from '../contract/target-driver.contract.js';
import { freePort } from '../support/embedded-postgres.js';
import {
  keyOfLine,
  keyPairValue,
  MANAGER_SECRET_NAME,
  managerResolver,
  sshFixture,
  sshFixtures,
  writeAuthorizedKeys,
  type SshFixture,
} from '../support/ssh-driver-fixtures.js';
import { randomSecret } from '../support/sql-driver-fixtures.js';
import { ed25519Pair, shadowHashOf, sshdUnavailableReason, sshLogsIn, startSshd, type SshdServer } from '../support/sshd.js';

const skipReason = sshdUnavailableReason();

const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => null,
    (e: unknown) => e,
  );

interface Rotated {
  current: string;
  previous: string;
}

const generate = async (f: SshFixture, current: string): Promise<string> =>
  (await f.driver.generate({ secret: f.secret, currentValue: current, previousValue: null })).value;
const apply = (f: SshFixture, pending: string, current: string | null) =>
  f.driver.apply({ secret: f.secret, pendingValue: pending, currentValue: current, previousValue: null });
const verify = (f: SshFixture, pending: string) => f.driver.verify({ secret: f.secret, pendingValue: pending });
const finalize = (f: SshFixture, current: string, previous: string | null) =>
  f.driver.finalize({ secret: f.secret, newCurrentValue: current, newPreviousValue: previous });

const rotate = async (f: SshFixture, current: string, custom?: string): Promise<Rotated> => {
  const pending = custom ?? (await generate(f, current));
  await apply(f, pending, current);
  await verify(f, pending);
  await finalize(f, pending, current);
  return { current: pending, previous: current };
};

const publicKeyOf = (value: string): string => keyOfLine((JSON.parse(value) as { PublicKey: string }).PublicKey);

/** The keys (`type blob`) in this secret's managed block, or null when the file has none. */
const blockOf = (f: SshFixture): string[] | null => {
  const lines = f.authorizedKeys().split('\n');
  const begin = lines.indexOf(`# BEGIN secret-rotor ${f.secret.name}`);
  const end = lines.indexOf(`# END secret-rotor ${f.secret.name}`);
  return begin < 0 ? null : lines.slice(begin + 1, end).map(keyOfLine);
};

/** authorized_keys without this secret's block: what must never change (bar the adopted initial key). */
const outsideOf = (text: string, secretName: string): string =>
  text.replace(new RegExp(`# BEGIN secret-rotor ${secretName.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\n[\\s\\S]*?# END secret-rotor [^\\n]*\\n`), '');

describe.skipIf(skipReason !== null)(`Linux host over SSH${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let server: SshdServer;
  beforeAll(async () => {
    server = await startSshd();
  });
  afterAll(async () => server?.stop());

  targetDriverContract('Linux LinuxPassword', sshFixtures(() => server, 'LinuxPassword'));
  targetDriverContract('Linux LinuxSSHKey', sshFixtures(() => server, 'LinuxSSHKey'));

  describe('Linux host specifics', () => {
    let f: SshFixture;
    afterEach(async () => {
      vi.restoreAllMocks();
      await f?.cleanup();
    });

    it('password: only a SHA-512 crypt hash crosses the wire, and it is what /etc/shadow then holds', async () => {
      f = await sshFixture(server, 'LinuxPassword', false);
      const sent: string[] = [];
      const exec = ssh2.Client.prototype.exec;
      vi.spyOn(ssh2.Client.prototype, 'exec').mockImplementation(function (this: ssh2.Client, command: string, ...rest: unknown[]) {
        sent.push(command);
        const callback = rest.pop() as (error: Error | undefined, channel: ssh2.ClientChannel) => void;
        const recording = (error: Error | undefined, channel: ssh2.ClientChannel) => {
          if (channel) {
            const end = channel.end.bind(channel) as (...args: unknown[]) => ssh2.ClientChannel;
            channel.end = ((...args: unknown[]) => {
              if (typeof args[0] === 'string' || Buffer.isBuffer(args[0])) sent.push(String(args[0]));
              return end(...args);
            }) as typeof channel.end;
          }
          callback(error, channel);
        };
        return (exec as (...args: unknown[]) => ssh2.Client).call(this, command, ...rest, recording);
      } as typeof exec);

      const pending = await generate(f, f.initialValue);
      await apply(f, pending, f.initialValue);
      const password = (JSON.parse(pending) as { Password: string }).Password;
      const wire = sent.join('\n');
      expect(wire).not.toContain(password);
      const hash = /\$6\$rounds=50000\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}/.exec(wire)?.[0];
      expect(hash).toBeDefined();
      expect(shadowHashOf(f.user.name)).toBe(hash);
      const salt = (hash as string).split('$')[3] as string;
      const recomputed = execFileSync('openssl', ['passwd', '-6', '-salt', `rounds=50000$${salt}`, '-stdin'], { input: `${password}\n` });
      expect(recomputed.toString().trim()).toBe(hash);
      await verify(f, pending);
      expect(await f.logsIn(f.initialValue)).toBe(false);
    });

    it('keys: after a rotation ~/.ssh is 700 and authorized_keys 600, both the user’s; lines outside the block are intact', async () => {
      f = await sshFixture(server, 'LinuxSSHKey', false);
      const { current } = await rotate(f, f.initialValue);
      const sshDir = join(f.user.home, '.ssh');
      const dirStat = lstatSync(sshDir);
      const fileStat = lstatSync(join(sshDir, 'authorized_keys'));
      expect(dirStat.mode & 0o777).toBe(0o700);
      expect(fileStat.mode & 0o777).toBe(0o600);
      expect([dirStat.uid, dirStat.gid, fileStat.uid, fileStat.gid]).toEqual([f.user.uid, f.user.gid, f.user.uid, f.user.gid]);
      expect(readdirSync(sshDir)).toEqual(['authorized_keys']);

      expect(blockOf(f)).toEqual([publicKeyOf(current)]);
      // The initial key (ACSCurrent) was adopted into the block and retired; everything else stays put.
      const initialLine = (JSON.parse(f.initialValue) as { PublicKey: string }).PublicKey;
      expect(outsideOf(f.authorizedKeys(), f.secret.name)).toBe(f.initialAuthorizedKeys.replace(`${initialLine}\n`, ''));
      const other = f.otherKey as { privateKey: string };
      expect(await sshLogsIn(server, { UserName: f.user.name, PrivateKey: other.privateKey })).toBe(true);
      expect(await f.logsIn(current)).toBe(true);
      expect(await f.logsIn(f.initialValue)).toBe(false);
    });

    it('keys, crash safety: an edit killed mid-way, apply run again, then verify and finalize leave one consistent block', async () => {
      f = await sshFixture(server, 'LinuxSSHKey', false);
      const pending = await generate(f, f.initialValue);
      // A killed edit leaves at most its temporary file: authorized_keys is only ever replaced by rename.
      const stale = join(f.user.home, '.ssh', '.authorized_keys.secret-rotor.K1ll3d');
      writeFileSync(stale, `# BEGIN secret-rotor ${f.secret.name}\n${publicKeyOf(pending)}\n`);
      chownSync(stale, f.user.uid, f.user.gid);
      await apply(f, pending, f.initialValue);
      const afterFirstApply = f.authorizedKeys();
      await apply(f, pending, f.initialValue); // the step is re-run after a crash before it was recorded
      expect(f.authorizedKeys()).toBe(afterFirstApply);
      expect(blockOf(f)).toEqual([publicKeyOf(f.initialValue), publicKeyOf(pending)]);
      expect(await f.logsIn(f.initialValue)).toBe(true); // no lock-out while the rotation is unfinished
      await verify(f, pending);
      await finalize(f, pending, f.initialValue);
      await finalize(f, pending, f.initialValue);
      expect(blockOf(f)).toEqual([publicKeyOf(pending)]);
      expect(readdirSync(join(f.user.home, '.ssh'))).toEqual(['authorized_keys']);
      expect(await f.logsIn(pending)).toBe(true);
      expect(await f.logsIn(f.initialValue)).toBe(false);
    });

    it('keys, crash safety: a pending key applied by an abandoned rotation is retired by the next finalize', async () => {
      f = await sshFixture(server, 'LinuxSSHKey', false);
      const abandoned = await generate(f, f.initialValue);
      await apply(f, abandoned, f.initialValue);
      const next = await rotate(f, f.initialValue);
      expect(blockOf(f)).toEqual([publicKeyOf(next.current)]);
      expect(await f.logsIn(abandoned)).toBe(false);
      expect(await f.logsIn(next.current)).toBe(true);
    });

    it('keys, crash safety: finalize puts the promoted key back when the block lost it after apply', async () => {
      f = await sshFixture(server, 'LinuxSSHKey', false);
      const pending = await generate(f, f.initialValue);
      await apply(f, pending, f.initialValue);
      await verify(f, pending);
      const text = f.authorizedKeys().replace(`${publicKeyOf(pending)}\n`, '');
      writeAuthorizedKeys(f.user, text);
      await finalize(f, pending, f.initialValue);
      expect(blockOf(f)).toEqual([publicKeyOf(pending)]);
      expect(await f.logsIn(pending)).toBe(true);
    });

    it('keys: a malformed managed block is refused and left byte for byte as it was', async () => {
      f = await sshFixture(server, 'LinuxSSHKey', false);
      const broken = `${f.initialAuthorizedKeys}# BEGIN secret-rotor ${f.secret.name}\n`;
      writeAuthorizedKeys(f.user, broken);
      const pending = await generate(f, f.initialValue);
      const error = await errorOf(apply(f, pending, f.initialValue));
      expect(error).toBeInstanceOf(TargetError);
      expect(error).toMatchObject({ code: 'Target.Rejected', retryable: false });
      expect((error as Error).message).toMatch(/is never closed/);
      expect(f.authorizedKeys()).toBe(broken);
      expect(await f.logsIn(f.initialValue)).toBe(true);
    });

    it('keys: a symlinked authorized_keys is refused; the file it points to is not touched', async () => {
      f = await sshFixture(server, 'LinuxSSHKey', false);
      const keys = join(f.user.home, '.ssh', 'authorized_keys');
      const precious = join(f.user.home, 'precious');
      writeFileSync(precious, 'root-owned, not for the rotor\n', { mode: 0o644 });
      rmSync(keys);
      symlinkSync(precious, keys);
      const pending = await generate(f, f.initialValue);
      const error = await errorOf(apply(f, pending, f.initialValue));
      expect(error).toMatchObject({ code: 'Target.Rejected', retryable: false });
      expect((error as Error).message).toMatch(/symbolic link/);
      expect(readFileSync(precious, 'utf8')).toBe('root-owned, not for the rotor\n');
    });

    it("keys: two secrets for one user keep separate blocks; one's finalize never removes the other's key", async () => {
      f = await sshFixture(server, 'LinuxSSHKey', false);
      const second: SshFixture = { ...f, secret: { ...f.secret, name: `${f.secret.name}-b` } };
      const a = await rotate(f, f.initialValue);
      const b = await rotate(second, keyPairValue(f.user.name, ed25519Pair('b-initial')));
      await rotate(f, a.current);
      expect(await f.logsIn(b.current)).toBe(true);
      expect(blockOf(second)).toEqual([publicKeyOf(b.current)]);
    });

    it('heals an invalid initial value: the first rotation installs a working credential (both subtypes)', async () => {
      for (const subType of ['LinuxPassword', 'LinuxSSHKey'] as const) {
        f = await sshFixture(server, subType, false);
        const invalid = subType === 'LinuxPassword' ? JSON.stringify({ UserName: f.user.name, Password: 'not-the-password' }) : 'not even JSON';
        const { checks } = await f.driver.preflight({ secret: f.secret, currentValue: invalid });
        expect(checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([subType === 'LinuxPassword' ? 'current-login' : 'current-value']);
        const { current } = await rotate(f, invalid);
        expect(await f.logsIn(current)).toBe(true);
        await f.cleanup();
      }
      f = undefined as unknown as SshFixture;
    });

    it('refuses a pending value for another user, and a key pair whose halves do not match, changing nothing', async () => {
      f = await sshFixture(server, 'LinuxSSHKey', false);
      const pair = ed25519Pair();
      const forRoot = keyPairValue('root', pair);
      await expect(apply(f, forRoot, f.initialValue)).rejects.toMatchObject({ code: 'Target.AccountMismatch', retryable: false });
      const mismatched = keyPairValue(f.user.name, pair, ed25519Pair().publicKey);
      await expect(apply(f, mismatched, f.initialValue)).rejects.toMatchObject({ code: 'Target.InvalidSecretData', retryable: false });
      const withOptions = keyPairValue(f.user.name, pair, `command="/bin/true" ${pair.publicKey}`);
      await expect(apply(f, withOptions, f.initialValue)).rejects.toMatchObject({ code: 'Target.InvalidSecretData' });
      expect(f.authorizedKeys()).toBe(f.initialAuthorizedKeys);
    });

    it('preflight reports a wrong managing key, a manager without root, and a missing user as failed checks', async () => {
      f = await sshFixture(server, 'LinuxSSHKey', false);
      const withManager = (value: string) =>
        createLinuxHostDriver({ resolveSecret: async (name) => (name === MANAGER_SECRET_NAME ? value : Promise.reject(new Error('unknown'))) });
      const wrongKey = JSON.stringify({ UserName: 'root', PrivateKey: ed25519Pair().privateKey });
      const wrongChecks = (await withManager(wrongKey).preflight({ secret: f.secret, currentValue: f.initialValue })).checks;
      expect(wrongChecks.find((c) => c.name === 'reachable')).toMatchObject({ ok: true });
      expect(wrongChecks.find((c) => c.name === 'manager-login')).toMatchObject({ ok: false });
      expect(wrongChecks.find((c) => c.name === 'current-login')).toMatchObject({ ok: true });

      // The user itself as manager: it logs in, but is not root and has no sudo.
      const notRoot = withManager(f.initialValue);
      const checks = (await notRoot.preflight({ secret: f.secret, currentValue: f.initialValue })).checks;
      expect(checks.find((c) => c.name === 'manager-login')).toMatchObject({ ok: true });
      expect(checks.find((c) => c.name === 'root')).toMatchObject({ ok: false });
      const pending = await generate(f, f.initialValue);
      const error = await errorOf(notRoot.apply({ secret: f.secret, pendingValue: pending, currentValue: f.initialValue, previousValue: null }));
      expect(error).toMatchObject({ code: 'Target.PermissionDenied', retryable: false });
      expect(f.authorizedKeys()).toBe(f.initialAuthorizedKeys);

      const missing: DriverSecret = { ...f.secret, extendedConfig: { ...f.secret.extendedConfig, UserName: 'srtnosuchuser' } };
      const missingChecks = (await f.driver.preflight({ secret: missing })).checks;
      expect(missingChecks.find((c) => c.name === 'account')).toMatchObject({ ok: false });
      expect(missingChecks.find((c) => c.name === 'account')?.detail).toMatch(/does not exist/);
      const text = JSON.stringify([...wrongChecks, ...checks, ...missingChecks]);
      expect(text).not.toContain((JSON.parse(f.initialValue) as { PrivateKey: string }).PrivateKey.split('\n')[1]);
    });

    /** A driver like the fixture's, whose operator log the test reads. */
    const reporting = (reports: TargetFailureReport[]) => createLinuxHostDriver({ resolveSecret: managerResolver(server), operatorLog: (r) => reports.push(r) });

    it('nothing listening is a retryable Target.Unavailable (Unreachable in the operator log) and a failed reachable check', async () => {
      f = await sshFixture(server, 'LinuxPassword', false);
      const secret = { ...f.secret, extendedConfig: { ...f.secret.extendedConfig, Port: await freePort() } };
      const reports: TargetFailureReport[] = [];
      const error = await errorOf(reporting(reports).verify({ secret, pendingValue: f.initialValue }));
      expect(error).toBeInstanceOf(TargetError);
      expect(error).toMatchObject({ code: 'Target.Unavailable', retryable: true });
      expect(reports).toMatchObject([{ driver: 'linux-host', operation: 'verify', cause: 'Target.Unreachable' }]);
      const checks = (await f.driver.preflight({ secret, currentValue: f.initialValue })).checks;
      expect(checks.find((c) => c.name === 'reachable')).toMatchObject({ ok: false });
    });

    it('a host key other than the pinned one is refused before any credential is offered', async () => {
      f = await sshFixture(server, 'LinuxPassword', false);
      const secret = { ...f.secret, extendedConfig: { ...f.secret.extendedConfig, HostKeyFingerprint: `SHA256:${'A'.repeat(43)}` } };
      const logBefore = server.log.join('').length;
      const reports: TargetFailureReport[] = [];
      const error = await errorOf(reporting(reports).verify({ secret, pendingValue: f.initialValue }));
      expect(error).toMatchObject({ code: 'Target.Unavailable', retryable: true });
      // The caller learns nothing about the host; the operator learns which key it presented.
      expect((error as Error).message).not.toContain(server.hostKeyFingerprint);
      expect(reports).toMatchObject([{ cause: 'Target.HostKeyMismatch' }]);
      expect(reports[0]?.detail).toContain(server.hostKeyFingerprint);
      const checks = (await f.driver.preflight({ secret, currentValue: f.initialValue })).checks;
      expect(checks.find((c) => c.name === 'reachable')).toMatchObject({ ok: false });
      expect(server.log.join('').slice(logBefore)).not.toMatch(/Accepted|Failed (password|publickey)/);
      // The fixtures pin the real fingerprint, and preflight names it for whoever sets it up.
      const pinned = (await f.driver.preflight({ secret: f.secret, currentValue: f.initialValue })).checks;
      expect(pinned.find((c) => c.name === 'reachable')?.detail).toContain(`${server.hostKeyFingerprint}, the pinned one`);
    });

    it('a wrong password at verify is a Target.Unavailable (AuthenticationFailed in the operator log) that does not quote it', async () => {
      f = await sshFixture(server, 'LinuxPassword', false);
      const wrong = JSON.stringify({ UserName: f.user.name, Password: `Wrong-${randomSecret()}` });
      const reports: TargetFailureReport[] = [];
      const error = await errorOf(reporting(reports).verify({ secret: f.secret, pendingValue: wrong }));
      expect(error).toMatchObject({ code: 'Target.Unavailable', retryable: true });
      expect(reports).toMatchObject([{ cause: 'Target.AuthenticationFailed' }]);
      expect(JSON.stringify(reports)).not.toContain((JSON.parse(wrong) as { Password: string }).Password);
      expect((error as Error).message).not.toContain((JSON.parse(wrong) as { Password: string }).Password);
    });

    it('the managing secret can be a password login: it logs in, and root or sudo is still required', async () => {
      f = await sshFixture(server, 'LinuxPassword', false);
      const password = (JSON.parse(f.initialValue) as { Password: string }).Password;
      const driver = createLinuxHostDriver({ resolveSecret: async () => f.initialValue });
      const checks = (await driver.preflight({ secret: f.secret, currentValue: f.initialValue })).checks;
      expect(checks.find((c) => c.name === 'manager-login')).toMatchObject({ ok: true });
      expect(checks.find((c) => c.name === 'root')).toMatchObject({ ok: false });
      expect(JSON.stringify(checks)).not.toContain(password);
    });
  });
});
