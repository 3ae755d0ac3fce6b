/**
 * ExtendedConfig of a Linux-host secret (our extension; see ../README.md):
 * {"SecretSubType":"LinuxPassword"|"LinuxSSHKey","Host","Port"?,"UserName","ManagerSecretName",
 *  "PasswordProfile"?,"HostKeyFingerprint"}
 */
import { invalidParameter } from '../../../domain/errors.js';
import type { PasswordProfile } from '../../../domain/password.js';
import { profileForTarget } from '../../../domain/password-profiles.js';

export const LINUX_PASSWORD = 'LinuxPassword';
export const LINUX_SSH_KEY = 'LinuxSSHKey';
export type LinuxSubType = typeof LINUX_PASSWORD | typeof LINUX_SSH_KEY;
export const LINUX_SUBTYPES: readonly LinuxSubType[] = [LINUX_PASSWORD, LINUX_SSH_KEY];

export interface LinuxHostConfig {
  subType: LinuxSubType;
  host: string;
  port: number;
  /** The OS account whose password or authorized key rotates. */
  userName: string;
  /** Secret whose ACSCurrent is the managing login: {UserName, PrivateKey} or {UserName, Password}. */
  managerSecretName: string;
  passwordProfile: PasswordProfile;
  /**
   * `SHA256:<base64>` as ssh-keygen -l prints it. Required: every connection checks the host key
   * before any credential is offered, so a server that cannot prove it is the host gets nothing.
   */
  hostKeyFingerprint: string;
}

const FIELD = 'ExtendedConfig.';
const DEFAULT_PORT = 22;
const MAX_HOST_LENGTH = 255;
const MAX_SECRET_NAME_LENGTH = 192;
const MAX_USER_NAME_LENGTH = 32;

/**
 * The names useradd accepts (a letter or `_` first; letters, digits, `.`, `_`, `-`; an optional
 * trailing `$` for machine accounts), never all digits, which getent would read as a uid. Nothing
 * else reaches the host, so no quoting trick can travel in a user name.
 */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9._-]*\$?$/;
export const isValidLinuxUserName = (name: string): boolean =>
  name.length >= 1 && name.length <= MAX_USER_NAME_LENGTH && USER_NAME.test(name);

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
/** A name or an address; never starting with a dash, so no tool could read it as an option. */
const HOST = /^[A-Za-z0-9[][A-Za-z0-9.:_\-[\]]*$/;

const requiredString = (config: Record<string, unknown>, field: string, maxLength: number): string => {
  const value = config[field];
  if (value === undefined) throw invalidParameter(`${FIELD}${field}`, 'is required');
  if (typeof value !== 'string' || value === '' || value.length > maxLength)
    throw invalidParameter(`${FIELD}${field}`, `must be a non-empty string of at most ${maxLength} characters`);
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalidParameter(`${FIELD}${field}`, 'must not contain control characters');
  return value;
};

const port = (config: Record<string, unknown>): number => {
  const value = config.Port ?? DEFAULT_PORT;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65_535)
    throw invalidParameter(`${FIELD}Port`, 'must be an integer from 1 to 65535');
  return value;
};

const hostKeyFingerprint = (config: Record<string, unknown>): string => {
  const value = config.HostKeyFingerprint;
  if (value === undefined)
    throw invalidParameter(`${FIELD}HostKeyFingerprint`, 'is required: the host key the server must present (`ssh-keyscan <host> | ssh-keygen -lf -`)');
  if (typeof value !== 'string' || !FINGERPRINT.test(value.replace(/=+$/, '')))
    throw invalidParameter(`${FIELD}HostKeyFingerprint`, 'must be SHA256:<base64> as `ssh-keygen -l` prints it');
  return value.replace(/=+$/, '');
};

export const parseLinuxHostConfig = (config: Record<string, unknown>): LinuxHostConfig => {
  const subType = config.SecretSubType;
  if (typeof subType !== 'string' || !(LINUX_SUBTYPES as readonly string[]).includes(subType))
    throw invalidParameter(`${FIELD}SecretSubType`, `must be one of ${LINUX_SUBTYPES.join(', ')}`);
  const host = requiredString(config, 'Host', MAX_HOST_LENGTH);
  if (!HOST.test(host)) throw invalidParameter(`${FIELD}Host`, 'must be a host name or an IP address');
  const userName = requiredString(config, 'UserName', MAX_USER_NAME_LENGTH);
  if (!isValidLinuxUserName(userName))
    throw invalidParameter(`${FIELD}UserName`, 'must be a Linux user name: a letter or _ first, then letters, digits, . _ - and an optional trailing $');
  if (subType === LINUX_SSH_KEY && config.PasswordProfile !== undefined)
    throw invalidParameter(`${FIELD}PasswordProfile`, `applies to ${LINUX_PASSWORD} only`);
  return {
    subType: subType as LinuxSubType,
    host,
    port: port(config),
    userName,
    managerSecretName: requiredString(config, 'ManagerSecretName', MAX_SECRET_NAME_LENGTH),
    passwordProfile: profileForTarget('linux', config.PasswordProfile, `${FIELD}PasswordProfile.`),
    hostKeyFingerprint: hostKeyFingerprint(config),
  };
};

/** The secret's name goes into the managed block's marker lines; the service's name rules keep it to one safe word. */
const BLOCK_ID = /^[A-Za-z0-9_/+=.@-]{1,192}$/;
export const managedBlockId = (secretName: string): string => {
  if (!BLOCK_ID.test(secretName)) throw invalidParameter('SecretName', 'may contain only letters, digits and _/+=.-@');
  return secretName;
};
