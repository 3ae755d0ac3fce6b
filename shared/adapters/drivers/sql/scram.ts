/**
 * A PostgreSQL SCRAM-SHA-256 verifier (RFC 5802 / 7677, the format `pg_authid.rolpassword` stores),
 * computed here so the plaintext password never reaches the server's statement log or
 * pg_stat_statements. This is what psql's \password does.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const ITERATIONS = 4096;
const SALT_BYTES = 16;

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();

/** SASLprep maps nothing in printable ASCII, so only such passwords are hashed client-side. */
export const canPrehash = (password: string): boolean => /^[\x21-\x7e]*$/.test(password);

export const scramSha256Verifier = (password: string, salt: Buffer = randomBytes(SALT_BYTES), iterations = ITERATIONS): string => {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
};
