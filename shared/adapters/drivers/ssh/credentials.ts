/**
 * The secret values of a Linux host, in the formats of managed ECS secrets:
 * `{"UserName","Password"}` and `{"UserName","PublicKey","PrivateKey"}`; and the managing login
 * kept in another secret: `{"UserName","PrivateKey"}` or `{"UserName","Password"}`.
 */
import { TargetError } from '../../../domain/errors.js';
import { parsePublicKeyLine, publicKeyOfPrivateKey, sameKey, type AuthorizedKey } from './ssh-keys.js';

export interface LinuxPassword {
  UserName: string;
  Password: string;
}

export interface LinuxKeyPair {
  UserName: string;
  PublicKey: string;
  PrivateKey: string;
}

/** How the driver logs in: the manager, or the target user with a value being verified. */
export type SshLogin = { userName: string; password: string } | { userName: string; privateKey: string };

const invalid = (which: string, format: string): TargetError =>
  new TargetError('Target.InvalidSecretData', `${which} is not ${format} JSON.`, false);

const objectOf = (value: string | null | undefined): Record<string, unknown> | null => {
  if (value === null || value === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';

export const parseLinuxPassword = (value: string | null | undefined): LinuxPassword | null => {
  const o = objectOf(value);
  return o && nonEmpty(o.UserName) && nonEmpty(o.Password) ? { UserName: o.UserName, Password: o.Password } : null;
};

export const requireLinuxPassword = (value: string | null | undefined, which: string): LinuxPassword => {
  const credential = parseLinuxPassword(value);
  if (!credential) throw invalid(which, '{"UserName","Password"}');
  return credential;
};

export const parseLinuxKeyPair = (value: string | null | undefined): LinuxKeyPair | null => {
  const o = objectOf(value);
  return o && nonEmpty(o.UserName) && nonEmpty(o.PublicKey) && nonEmpty(o.PrivateKey)
    ? { UserName: o.UserName, PublicKey: o.PublicKey, PrivateKey: o.PrivateKey }
    : null;
};

export const requireLinuxKeyPair = (value: string | null | undefined, which: string): LinuxKeyPair => {
  const credential = parseLinuxKeyPair(value);
  if (!credential) throw invalid(which, '{"UserName","PublicKey","PrivateKey"}');
  return credential;
};

/**
 * The public key of a key-pair value, after proving it belongs to the private key: a custom value
 * whose halves do not match would be installed and then never log in.
 */
export const requireMatchingPublicKey = async (pair: LinuxKeyPair, which: string): Promise<AuthorizedKey> => {
  const declared = parsePublicKeyLine(pair.PublicKey);
  if (!declared) throw new TargetError('Target.InvalidSecretData', `${which} has a PublicKey that is not one OpenSSH public key line.`, false);
  const derived = await publicKeyOfPrivateKey(pair.PrivateKey);
  if (!derived)
    throw new TargetError('Target.InvalidSecretData', `${which} has a PrivateKey that is not an unencrypted PEM or OpenSSH private key.`, false);
  if (!sameKey(declared, derived)) throw new TargetError('Target.InvalidSecretData', `${which} has a PublicKey that does not belong to its PrivateKey.`, false);
  return declared;
};

/**
 * The public key of ACSCurrent that a rotation may take over (move into this secret's block, to be
 * retired at the next promotion): only when the value proves possession of it, a private key from
 * which it derives, for the user the secret manages. Otherwise null: a public key alone, copied
 * from someone else's authorized_keys, must never let a caller remove that someone's access.
 */
export const provenPublicKeyOf = async (value: string | null | undefined, userName: string): Promise<AuthorizedKey | null> => {
  const pair = parseLinuxKeyPair(value);
  if (!pair || pair.UserName !== userName) return null;
  try {
    return await requireMatchingPublicKey(pair, 'ACSCurrent');
  } catch {
    return null;
  }
};

/** The public key in a value when it is a readable key pair, or null (an invalid initial value, say). */
export const publicKeyOfValue = (value: string | null | undefined): AuthorizedKey | null => {
  const pair = parseLinuxKeyPair(value);
  return pair ? parsePublicKeyLine(pair.PublicKey) : null;
};

export const requireManagerLogin = async (value: string): Promise<SshLogin> => {
  const o = objectOf(value);
  if (o && nonEmpty(o.UserName) && nonEmpty(o.PrivateKey)) {
    if (!(await publicKeyOfPrivateKey(o.PrivateKey)))
      throw new TargetError('Target.InvalidSecretData', 'The managing secret has a PrivateKey that is not an unencrypted PEM or OpenSSH private key.', false);
    return { userName: o.UserName, privateKey: o.PrivateKey };
  }
  if (o && nonEmpty(o.UserName) && nonEmpty(o.Password)) return { userName: o.UserName, password: o.Password };
  throw invalid('The managing secret', '{"UserName","PrivateKey"} or {"UserName","Password"}');
};

export const passwordLogin = (c: LinuxPassword): SshLogin => ({ userName: c.UserName, password: c.Password });
export const keyLogin = (c: LinuxKeyPair): SshLogin => ({ userName: c.UserName, privateKey: c.PrivateKey });
