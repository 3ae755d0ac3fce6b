/**
 * SSH key material: RSA-2048 pairs made with node:crypto (the private key as PKCS#1 PEM, the
 * public key in OpenSSH's one-line format), parsing of authorized_keys entries, and the check
 * that a custom value's public key belongs to its private key (through ssh2's key parser, which
 * also reads OpenSSH-format private keys that node:crypto cannot).
 */
import { createHash, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { observeSecretValue } from '../../../domain/secret-value-observer.js';
import { commonJsExports } from '../../support/commonjs.js';

type Ssh2Module = typeof import('ssh2');
let ssh2Module: Promise<Ssh2Module> | undefined;

/**
 * ssh2 on first use: loading it is a large part of a function's cold start, and only SSH and
 * ECS key rotations need it (the bundler splits it into its own file, see LAZY_PACKAGES).
 */
export const loadSsh2 = (): Promise<Ssh2Module> =>
  (ssh2Module ??= import('ssh2').then((m) => commonJsExports<Ssh2Module>(m)));

const generateKeyPairAsync = promisify(generateKeyPair);

export const RSA_KEY_BITS = 2048;

/** What goes into authorized_keys for a key: `<type> <base64 blob>`, no options, no comment. */
export interface AuthorizedKey {
  type: string;
  blob: string;
}

export const authorizedKeyLine = (key: AuthorizedKey): string => `${key.type} ${key.blob}`;

const KEY_TYPES = new Set([
  'ssh-rsa',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const sshString = (data: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
};

/** SSH's mpint: big-endian, no leading zero bytes, one zero byte added when the top bit is set. */
const sshMpint = (unsigned: Buffer): Buffer => {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const trimmed = unsigned.subarray(start);
  return sshString((trimmed[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
};

/** The type named inside a public key blob (its first SSH string). */
const blobType = (blob: Buffer): string | null => {
  if (blob.length < 4) return null;
  const length = blob.readUInt32BE(0);
  if (length > 64 || blob.length < 4 + length) return null;
  return blob.subarray(4, 4 + length).toString('latin1');
};

/** The OpenSSH wire form of an RSA or Ed25519 public key held by node:crypto. */
export const openSshPublicKeyOf = (key: KeyObject): AuthorizedKey => {
  const jwk = key.export({ format: 'jwk' });
  if (key.asymmetricKeyType === 'rsa' && jwk.n && jwk.e) {
    const blob = Buffer.concat([
      sshString(Buffer.from('ssh-rsa')),
      sshMpint(Buffer.from(jwk.e, 'base64url')),
      sshMpint(Buffer.from(jwk.n, 'base64url')),
    ]);
    return { type: 'ssh-rsa', blob: blob.toString('base64') };
  }
  if (key.asymmetricKeyType === 'ed25519' && jwk.x) {
    const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(Buffer.from(jwk.x, 'base64url'))]);
    return { type: 'ssh-ed25519', blob: blob.toString('base64') };
  }
  throw new TypeError('Only RSA and Ed25519 keys have an OpenSSH form here.');
};

export interface SshKeyPair {
  /** One line: `ssh-rsa AAAA... <comment>`. */
  publicKey: string;
  /** PEM: `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1), what ECS key pairs and OpenSSH clients read. */
  privateKey: string;
}

export const generateRsaKeyPair = async (comment: string): Promise<SshKeyPair> => {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: RSA_KEY_BITS, publicExponent: 0x10001 });
  return {
    publicKey: `${authorizedKeyLine(openSshPublicKeyOf(publicKey))} ${comment}`,
    privateKey: observeSecretValue(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
  };
};

/**
 * The key in a public key line (`type base64 [comment]`), or null when it is not one line of a
 * known type whose blob names that same type. Options before the type are not accepted: a secret
 * value must not be able to plant `command="..."` in authorized_keys.
 */
export const parsePublicKeyLine = (line: string): AuthorizedKey | null => {
  if (/[\r\n\u0000]/.test(line)) return null;
  const [type, blob] = line.trim().split(/\s+/);
  if (!type || !blob || !KEY_TYPES.has(type) || !BASE64.test(blob)) return null;
  return blobType(Buffer.from(blob, 'base64')) === type ? { type, blob } : null;
};

/**
 * The public key of an unencrypted private key (PKCS#1/SEC1 PEM or OpenSSH format), or null when
 * ssh2 cannot read it as one.
 */
export const publicKeyOfPrivateKey = async (privateKey: string): Promise<AuthorizedKey | null> => {
  const ssh2 = await loadSsh2();
  const parsed = ssh2.utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error || !key.isPrivateKey()) return null;
  const blob = key.getPublicSSH();
  const type = blobType(blob);
  return type ? { type, blob: blob.toString('base64') } : null;
};

export const sameKey = (a: AuthorizedKey, b: AuthorizedKey): boolean => a.type === b.type && a.blob === b.blob;

/** `SHA256:<base64 without padding>`, as ssh-keygen -l and sshd's logs show a key. */
export const sha256Fingerprint = (blob: Buffer): string => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
