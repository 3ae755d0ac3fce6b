/** Local state files hold key material or secret metadata: owner-only from the first byte. */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export const ensureParentDir = (file: string): void => {
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
};

/** Creates the file (and its directory) if missing, and makes it readable by the owner only. */
export const ensurePrivateFile = (file: string): void => {
  ensureParentDir(file);
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  // openSync's mode applies only on creation; an older file may have been created looser.
  chmodSync(file, PRIVATE_FILE_MODE);
};
