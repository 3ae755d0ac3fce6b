/**
 * Which database account a rotation touches, and the confused-deputy checks that keep it from
 * touching the wrong one. Pure: the SQL drivers call these with values read from the secret.
 *
 * Values are RDS's output format, `{"AccountName":"...","AccountPassword":"..."}`.
 * SingleUser resets the one account in place. DoubleUsers alternates between `<name>` and
 * `<name>_clone`: each rotation resets the account that is NOT ACSCurrent, so the credential in
 * use keeps working until the engine promotes the new one.
 */
import { TargetError } from './errors.js';

export type AccountStrategy = 'SingleUser' | 'DoubleUsers';

export interface AccountCredential {
  AccountName: string;
  AccountPassword: string;
}

export const CLONE_SUFFIX = '_clone';

const invalidValue = (which: string): TargetError =>
  new TargetError('Target.InvalidSecretData', `${which} is not {"AccountName","AccountPassword"} JSON.`, false);

/** The credential in a secret value, or null when the value is not in that format. */
export const parseAccountCredential = (value: string | null | undefined): AccountCredential | null => {
  if (value === null || value === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { AccountName, AccountPassword } = parsed as Record<string, unknown>;
  if (typeof AccountName !== 'string' || AccountName === '' || typeof AccountPassword !== 'string') return null;
  return { AccountName, AccountPassword };
};

export const requireAccountCredential = (value: string | null | undefined, which: string): AccountCredential => {
  const credential = parseAccountCredential(value);
  if (!credential) throw invalidValue(which);
  return credential;
};

export const formatAccountCredential = (credential: AccountCredential): string =>
  JSON.stringify({ AccountName: credential.AccountName, AccountPassword: credential.AccountPassword });

/** `app` ↔ `app_clone`. */
export const partnerAccount = (name: string): string =>
  name.endsWith(CLONE_SUFFIX) && name.length > CLONE_SUFFIX.length ? name.slice(0, -CLONE_SUFFIX.length) : name + CLONE_SUFFIX;

const byteLength = (s: string): number => new TextEncoder().encode(s).length;

/**
 * The account the next rotation resets: the current one for SingleUser; for DoubleUsers the one in
 * ACSPrevious, or the clone of the current one when there is no usable previous.
 */
export const pendingAccountName = (
  strategy: AccountStrategy,
  current: AccountCredential,
  previous: AccountCredential | null,
  maxNameBytes: number,
): string => {
  if (strategy === 'SingleUser') return current.AccountName;
  const usablePrevious =
    previous && previous.AccountName !== current.AccountName && partnerAccount(previous.AccountName) === current.AccountName;
  const name = usablePrevious ? previous.AccountName : partnerAccount(current.AccountName);
  if (byteLength(name) > maxNameBytes)
    throw new TargetError('Target.InvalidAccount', `The second account's name would be longer than ${maxNameBytes} bytes.`, false);
  return name;
};

/**
 * The confused-deputy check before a pending credential touches the target (peers §1.3):
 * SingleUser may only reset the account it already holds; DoubleUsers may only reset the partner
 * of ACSCurrent, never ACSCurrent itself (that would cut off every client mid-rotation).
 * A current value that is not a credential cannot be checked; SingleUser then lets the pending
 * value heal it, DoubleUsers refuses because it cannot tell which account is in use.
 */
export const checkPendingAccount = (
  strategy: AccountStrategy,
  pending: AccountCredential,
  current: AccountCredential | null,
): void => {
  if (strategy === 'SingleUser') {
    if (current && current.AccountName !== pending.AccountName)
      throw new TargetError('Target.AccountMismatch', 'The pending value names a different account than ACSCurrent.', false);
    return;
  }
  if (!current) throw invalidValue('ACSCurrent');
  if (pending.AccountName === current.AccountName)
    throw new TargetError('Target.AccountMismatch', 'The pending value names the account in ACSCurrent; DoubleUsers resets the other one.', false);
  if (partnerAccount(pending.AccountName) !== current.AccountName)
    throw new TargetError('Target.AccountMismatch', 'The pending value names an account that is not the partner of ACSCurrent.', false);
};

/**
 * The accounts a secret may ever act on, from the account fixed at its creation: that account for
 * SingleUser, it and its partner for DoubleUsers. Never widened by a value written later.
 */
export const fixedAccounts = (strategy: AccountStrategy, fixed: string): readonly string[] =>
  strategy === 'SingleUser' ? [fixed] : [fixed, partnerAccount(fixed)];

/** The confused-deputy check at every step: a value may only name an account fixed at creation. */
export const requireFixedAccount = (strategy: AccountStrategy, fixed: string, credential: AccountCredential, which: string): void => {
  if (!fixedAccounts(strategy, fixed).includes(credential.AccountName))
    throw new TargetError('Target.AccountMismatch', `${which} names an account this secret was not created for.`, false);
};
