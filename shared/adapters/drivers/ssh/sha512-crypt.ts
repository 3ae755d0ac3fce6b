/**
 * SHA-512 crypt (`$6$`), the hash /etc/shadow and `chpasswd -e` take, computed here so that only
 * the hash crosses the wire and never the password. Implemented from Ulrich Drepper's published
 * specification ("Unix crypt using SHA-256 and SHA-512"); test/drivers checks it against
 * `openssl passwd -6`.
 */
import { createHash, randomInt } from 'node:crypto';

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const MIN_ROUNDS = 1000;
const MAX_ROUNDS = 999_999_999;
const MAX_SALT_LENGTH = 16;
/** More than glibc's default 5000: the hash may be read from /etc/shadow one day, so make guessing dear. */
export const ROTOR_SHA512_ROUNDS = 50_000;

const sha512 = (...parts: Buffer[]): Buffer => {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** `length` bytes of `block` repeated (the spec's "P sequence" and "S sequence"). */
const repeatTo = (block: Buffer, length: number): Buffer => {
  const out = Buffer.alloc(length);
  for (let offset = 0; offset < length; offset += block.length) block.copy(out, offset, 0, Math.min(block.length, length - offset));
  return out;
};

/** The spec's byte order for SHA-512: 21 triples taken 21 bytes apart, rotated by position, then the last byte. */
const encodeDigest = (digest: Buffer): string => {
  let out = '';
  const emit = (b2: number, b1: number, b0: number, chars: number) => {
    let word = (b2 << 16) | (b1 << 8) | b0;
    for (let i = 0; i < chars; i++) {
      out += CRYPT_ALPHABET[word & 0x3f];
      word >>>= 6;
    }
  };
  const at = (i: number): number => digest[i] as number;
  for (let i = 0; i < 21; i++) {
    const [x, y, z] = [at(i), at(i + 21), at(i + 42)];
    if (i % 3 === 0) emit(x, y, z, 4);
    else if (i % 3 === 1) emit(y, z, x, 4);
    else emit(z, x, y, 4);
  }
  emit(0, 0, at(63), 2);
  return out;
};

const digestOf = (password: Buffer, salt: Buffer, rounds: number): Buffer => {
  const alternate = sha512(password, salt, password);
  const a = createHash('sha512').update(password).update(salt);
  let remaining = password.length;
  for (; remaining > 64; remaining -= 64) a.update(alternate);
  a.update(alternate.subarray(0, remaining));
  for (let bits = password.length; bits > 0; bits >>= 1) a.update(bits & 1 ? alternate : password);
  let digest = a.digest();

  const passwordSequence = repeatTo(sha512(...new Array<Buffer>(password.length).fill(password)), password.length);
  const saltSequence = repeatTo(sha512(...new Array<Buffer>(16 + (digest[0] as number)).fill(salt)), salt.length);

  for (let round = 0; round < rounds; round++) {
    const c = createHash('sha512');
    c.update(round & 1 ? passwordSequence : digest);
    if (round % 3 !== 0) c.update(saltSequence);
    if (round % 7 !== 0) c.update(passwordSequence);
    c.update(round & 1 ? digest : passwordSequence);
    digest = c.digest();
  }
  return digest;
};

export const randomCryptSalt = (length = MAX_SALT_LENGTH): string => {
  let salt = '';
  for (let i = 0; i < length; i++) salt += CRYPT_ALPHABET[randomInt(CRYPT_ALPHABET.length)];
  return salt;
};

/**
 * `$6$rounds=<rounds>$<salt>$<hash>`. The salt must be 1–16 characters of `./0-9A-Za-z` (the
 * alphabet that keeps the result one shadow field). Rounds outside 1000–999999999 are refused
 * rather than clamped, so a caller never gets weaker hashing than it asked for without noticing.
 */
export const sha512Crypt = (password: string, salt: string = randomCryptSalt(), rounds: number = ROTOR_SHA512_ROUNDS): string => {
  if (salt.length < 1 || salt.length > MAX_SALT_LENGTH || [...salt].some((c) => !CRYPT_ALPHABET.includes(c)))
    throw new RangeError('The salt must be 1 to 16 characters of ./0-9A-Za-z.');
  if (!Number.isInteger(rounds) || rounds < MIN_ROUNDS || rounds > MAX_ROUNDS)
    throw new RangeError(`The rounds must be an integer from ${MIN_ROUNDS} to ${MAX_ROUNDS}.`);
  const digest = digestOf(Buffer.from(password, 'utf8'), Buffer.from(salt, 'ascii'), rounds);
  return `$6$rounds=${rounds}$${salt}$${encodeDigest(digest)}`;
};

/** The form `chpasswd -e` and /etc/shadow accept from this module; nothing else is ever sent. */
export const isSha512CryptHash = (value: string): boolean => /^\$6\$rounds=[1-9][0-9]{3,8}\$[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$/.test(value);
