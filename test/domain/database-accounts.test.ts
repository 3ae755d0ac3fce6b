import { describe, expect, it } from 'vitest';
import {
  checkPendingAccount,
  parseAccountCredential,
  partnerAccount,
  pendingAccountName,
} from '../../shared/domain/database-accounts.js';
import { TargetError } from '../../shared/domain/errors.js';

const cred = (AccountName: string) => ({ AccountName, AccountPassword: 'x' });

describe('database accounts', () => {
  it('parses only {AccountName, AccountPassword} values', () => {
    expect(parseAccountCredential('{"AccountName":"app","AccountPassword":"p"}')).toEqual(cred('app') && { AccountName: 'app', AccountPassword: 'p' });
    for (const bad of [null, '', 'not json', '[]', '{"AccountName":"","AccountPassword":"p"}', '{"AccountName":"a"}', '{"Accounts":[]}'])
      expect(parseAccountCredential(bad)).toBeNull();
  });

  it('pairs an account with its clone, both ways', () => {
    expect(partnerAccount('app')).toBe('app_clone');
    expect(partnerAccount('app_clone')).toBe('app');
    expect(partnerAccount('_clone')).toBe('_clone_clone');
  });

  it('SingleUser resets the current account; DoubleUsers the other one', () => {
    expect(pendingAccountName('SingleUser', cred('app'), null, 63)).toBe('app');
    expect(pendingAccountName('DoubleUsers', cred('app'), null, 63)).toBe('app_clone');
    expect(pendingAccountName('DoubleUsers', cred('app_clone'), cred('app'), 63)).toBe('app');
    expect(pendingAccountName('DoubleUsers', cred('app'), cred('app_clone'), 63)).toBe('app_clone');
    // A previous value for the same account (a manual PutSecretValue) does not make DoubleUsers reset the account in use.
    expect(pendingAccountName('DoubleUsers', cred('app'), cred('app'), 63)).toBe('app_clone');
    // Nor does a previous value for an unrelated account.
    expect(pendingAccountName('DoubleUsers', cred('app'), cred('admin'), 63)).toBe('app_clone');
  });

  it('refuses a clone name the target would truncate', () => {
    expect(() => pendingAccountName('DoubleUsers', cred('a'.repeat(60)), null, 63)).toThrow(TargetError);
    expect(() => pendingAccountName('DoubleUsers', cred('ü'.repeat(30)), null, 63)).toThrow(TargetError);
  });

  it('confused-deputy checks: same account for SingleUser, the partner for DoubleUsers', () => {
    expect(() => checkPendingAccount('SingleUser', cred('app'), cred('app'))).not.toThrow();
    expect(() => checkPendingAccount('SingleUser', cred('root'), cred('app'))).toThrow(expect.objectContaining({ code: 'Target.AccountMismatch' }));
    // An unreadable current value is healed by SingleUser...
    expect(() => checkPendingAccount('SingleUser', cred('app'), null)).not.toThrow();
    // ...but DoubleUsers cannot tell which account is in use.
    expect(() => checkPendingAccount('DoubleUsers', cred('app_clone'), null)).toThrow(expect.objectContaining({ code: 'Target.InvalidSecretData' }));
    expect(() => checkPendingAccount('DoubleUsers', cred('app_clone'), cred('app'))).not.toThrow();
    expect(() => checkPendingAccount('DoubleUsers', cred('app'), cred('app_clone'))).not.toThrow();
    expect(() => checkPendingAccount('DoubleUsers', cred('app'), cred('app'))).toThrow(expect.objectContaining({ code: 'Target.AccountMismatch' }));
    expect(() => checkPendingAccount('DoubleUsers', cred('root'), cred('app'))).toThrow(expect.objectContaining({ code: 'Target.AccountMismatch' }));
  });
});
