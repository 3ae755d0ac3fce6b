/**
 * Driver-contract fixtures for the Linux-host driver: each fixture adds its own OS user on the
 * test sshd (a password user, or a key user whose authorized_keys already holds the initial key
 * and a key of someone else), and removes the user and its home in cleanup. Logins are real.
 */
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createLinuxHostDriver } from '../../shared/adapters/drivers/ssh/drivers.js';
import { secretNotFound } from '../../shared/domain/errors.js';
import type { DriverSecret, TargetDriver } from '../../shared/ports/target-driver.js';
import type { DriverFixture, DriverFixtureFactory } from '../contract/target-driver.contract.js';
import {
  createLinuxUser,
  ed25519Pair,
  randomUserName,
  sshLogsIn,
  type KeyPairText,
  type LinuxUser,
  type SshdServer,
  type SshLoginValue,
} from './sshd.js';
import { HOSTILE_PASSWORD_CORE, randomSecret } from './sql-driver-fixtures.js';

export const MANAGER_SECRET_NAME = 'hosts/manager';

/** Quotes, command substitution, backticks, backslashes and separators: what an unquoted splice would run. */
export const HOSTILE_KEY_COMMENT = `it's "me" $(touch /tmp/pwned) \`id\` \\ ; rm -rf ~ #`;

export interface SshFixture extends DriverFixture {
  user: LinuxUser;
  /** The key user's authorized_keys as the fixture wrote it (keys: initial key, someone else's key). */
  initialAuthorizedKeys: string;
  /** A key outside the managed block that belongs to someone else and must never change. */
  otherKey: KeyPairText | null;
  authorizedKeys(): string;
}

export const managerResolver = (server: SshdServer) => async (name: string) => {
  if (name !== MANAGER_SECRET_NAME) throw secretNotFound(name);
  return server.managerValue;
};

export const linuxSecret = (server: SshdServer, subType: 'LinuxPassword' | 'LinuxSSHKey', userName: string): DriverSecret => ({
  name: `hosts/${subType.toLowerCase()}/${randomBytes(4).toString('hex')}`,
  type: 'Generic',
  extendedConfig: {
    SecretSubType: subType,
    Host: server.host,
    Port: server.port,
    UserName: userName,
    ManagerSecretName: MANAGER_SECRET_NAME,
    HostKeyFingerprint: server.hostKeyFingerprint,
  },
});

const loginValue = (value: string): SshLoginValue => JSON.parse(value) as SshLoginValue;

/** `type blob` of a public key line, without its comment. */
export const keyOfLine = (line: string): string => line.trim().split(/\s+/).slice(0, 2).join(' ');

export const keyPairValue = (userName: string, pair: KeyPairText, publicKey = pair.publicKey): string =>
  JSON.stringify({ UserName: userName, PublicKey: publicKey, PrivateKey: pair.privateKey });

/** Writes authorized_keys the way the user would have: owned by the user, 700 and 600. */
export const writeAuthorizedKeys = (user: LinuxUser, text: string): void => {
  const sshDir = join(user.home, '.ssh');
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(sshDir, 'authorized_keys'), text, { mode: 0o600 });
  chownSync(sshDir, user.uid, user.gid);
  chownSync(join(sshDir, 'authorized_keys'), user.uid, user.gid);
  chmodSync(sshDir, 0o700);
};

export const readAuthorizedKeys = (user: LinuxUser): string => readFileSync(join(user.home, '.ssh', 'authorized_keys'), 'utf8');

export const sshFixtures =
  (server: () => SshdServer, subType: 'LinuxPassword' | 'LinuxSSHKey', driverFor?: (s: SshdServer) => TargetDriver): DriverFixtureFactory =>
  async (options) => (await sshFixture(server(), subType, options.hostileNames, driverFor)) as DriverFixture;

export const sshFixture = async (
  s: SshdServer,
  subType: 'LinuxPassword' | 'LinuxSSHKey',
  hostileNames: boolean,
  driverFor: (s: SshdServer) => TargetDriver = (srv) => createLinuxHostDriver({ resolveSecret: managerResolver(srv) }),
): Promise<SshFixture> => {
  const name = randomUserName(hostileNames);
  const common = {
    driver: driverFor(s),
    secret: linuxSecret(s, subType, name),
    logsIn: (value: string) => sshLogsIn(s, loginValue(value)),
    accountOf: (value: string) => loginValue(value).UserName,
  };
  if (subType === 'LinuxPassword') {
    const initial = { UserName: name, Password: randomSecret() };
    const user = await createLinuxUser(name, initial.Password);
    return {
      ...common,
      user,
      initialAuthorizedKeys: '',
      otherKey: null,
      authorizedKeys: () => readAuthorizedKeys(user),
      initialValue: JSON.stringify(initial),
      strategy: 'single',
      withWrongSecret: (value) => JSON.stringify({ UserName: loginValue(value).UserName, Password: `Wrong-${randomSecret()}` }),
      hostileCustomValue: () => JSON.stringify({ UserName: name, Password: `${HOSTILE_PASSWORD_CORE}${randomSecret()}` }),
      cleanup: () => user.remove(),
    };
  }
  const user = await createLinuxUser(name);
  const initial = ed25519Pair('initial-key');
  const other = ed25519Pair('someone-else@laptop');
  const initialAuthorizedKeys = `# added by hand\n${other.publicKey}\n\n${initial.publicKey}\n`;
  writeAuthorizedKeys(user, initialAuthorizedKeys);
  return {
    ...common,
    user,
    initialAuthorizedKeys,
    otherKey: other,
    authorizedKeys: () => readAuthorizedKeys(user),
    initialValue: keyPairValue(name, initial),
    strategy: 'overlap',
    withWrongSecret: (value) => keyPairValue(loginValue(value).UserName, ed25519Pair('not-authorized')),
    hostileCustomValue: () => {
      const pair = ed25519Pair();
      return keyPairValue(name, pair, `${keyOfLine(pair.publicKey)} ${HOSTILE_KEY_COMMENT}`);
    },
    cleanup: () => user.remove(),
  };
};
