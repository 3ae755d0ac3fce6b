import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two strings without leaking, through timing, how many leading characters match.
 * Both sides are hashed first so their lengths are equal, which timingSafeEqual requires.
 */
export const constantTimeEqual = (a: string, b: string): boolean => {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
};
