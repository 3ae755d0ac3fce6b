/**
 * KeyProvider for the local runtime: a 32-byte master key in `master.key` under the data
 * directory wraps per-version data keys with AES-256-GCM. Whoever can read that file can read
 * every secret, so it is created owner-only and never logged.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataKey, KeyContext, KeyProvider } from '../../ports/key-provider.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../support/private-file.js';

export const MASTER_KEY_FILE = 'master.key';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** First byte of a wrapped key: the layout below, so it can change later. */
const WRAP_FORMAT = 1;
const WRAPPED_BYTES = 1 + IV_BYTES + TAG_BYTES + KEY_BYTES;

/** The context as associated data: JSON with sorted keys, so key order never matters. */
const canonicalContext = (context: KeyContext): Buffer => {
  const sorted = Object.fromEntries(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return Buffer.from(JSON.stringify(sorted), 'utf8');
};

const keyIdOf = (master: Buffer): string => `local/${createHash('sha256').update(master).digest('hex').slice(0, 8)}`;

const isErrno = (error: unknown, code: string): boolean => (error as NodeJS.ErrnoException | null)?.code === code;

/**
 * Creates the master key file unless it exists. The key is written to a private temporary file
 * and hard-linked into place: the link fails if another process got there first, and nobody
 * ever reads a half-written key.
 */
const createMasterKeyIfMissing = async (file: string): Promise<void> => {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const key = randomBytes(KEY_BYTES);
  try {
    const handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(key);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, file).catch((error: unknown) => {
      if (!isErrno(error, 'EEXIST')) throw error;
    });
  } finally {
    key.fill(0);
    await unlink(temp).catch(() => undefined);
  }
};

const fileExists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    (error: unknown) => {
      if (isErrno(error, 'ENOENT')) return false;
      throw error;
    },
  );

const readMasterKey = async (file: string): Promise<Buffer> => {
  const key = await readFile(file);
  if (key.length !== KEY_BYTES) {
    key.fill(0);
    throw new Error(
      `The master key file ${file} holds ${key.length} bytes, not ${KEY_BYTES}. It is damaged or not a ` +
        'secret-rotor key; restore it from a backup. Replacing it makes every stored secret unreadable.',
    );
  }
  return key;
};

export class LocalKeyProvider implements KeyProvider {
  readonly keyId: string;

  private constructor(private readonly master: Buffer) {
    this.keyId = keyIdOf(master);
  }

  /** Loads the master key from dataDir, creating the directory and the key on first start. */
  static async open(dataDir: string): Promise<LocalKeyProvider> {
    await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const file = join(dataDir, MASTER_KEY_FILE);
    if (!(await fileExists(file))) await createMasterKeyIfMissing(file);
    return new LocalKeyProvider(await readMasterKey(file));
  }

  async generateDataKey(context: KeyContext): Promise<DataKey> {
    const plaintext = randomBytes(KEY_BYTES);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.master, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(canonicalContext(context));
    const wrappedKey = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const wrapped = Buffer.concat([Buffer.from([WRAP_FORMAT]), iv, cipher.getAuthTag(), wrappedKey]);
    return { keyId: this.keyId, plaintext, wrapped: wrapped.toString('base64') };
  }

  async decryptDataKey(keyId: string, wrapped: string, context: KeyContext): Promise<Buffer> {
    if (keyId !== this.keyId) {
      throw new Error(`The data key was wrapped under ${keyId}; this provider holds ${this.keyId}.`);
    }
    const bytes = Buffer.from(wrapped, 'base64');
    if (bytes.length !== WRAPPED_BYTES || bytes[0] !== WRAP_FORMAT) {
      throw new Error('The wrapped data key is malformed.');
    }
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.master, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(canonicalContext(context));
    decipher.setAuthTag(tag);
    const dataKey = decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES));
    try {
      decipher.final();
      return dataKey;
    } catch {
      dataKey.fill(0);
      throw new Error('The data key could not be unwrapped: wrong context, wrong master key, or tampered.');
    }
  }
}
