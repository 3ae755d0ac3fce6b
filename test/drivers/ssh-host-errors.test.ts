import { describe, expect, it } from 'vitest';
import { HostExit } from '../../shared/adapters/drivers/ssh/host-scripts.js';
import { hostScriptError } from '../../shared/adapters/drivers/ssh/managed-host.js';

const failure = (code: number | null, stderr: string) => hostScriptError({ code, stdout: '', stderr });

describe('what a failed host script run is reported as', () => {
  it("quotes only the script's own fixed message, and says whether trying again may help", () => {
    const refused = failure(HostExit.noSuchUser, 'noise\nsecret-rotor: the user does not exist\n');
    expect({ code: refused.code, message: refused.message, retryable: refused.retryable }).toEqual({
      code: 'Target.Rejected',
      message: 'The host refused: the user does not exist.',
      retryable: false,
    });
    expect(failure(HostExit.locked, 'secret-rotor: another change holds the lock').code).toBe('Target.Unavailable');
  });

  it("blames the manager's rights only when sudo refused or could not be run at all", () => {
    for (const [code, stderr] of [
      [1, 'sudo: a password is required\n'],
      [1, 'sudo: deploy is not in the sudoers file.\n'],
      [127, 'sh: 1: sudo: not found\n'],
    ] as const) {
      const error = failure(code, stderr);
      expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'Target.PermissionDenied', retryable: false });
      expect(error.message).toMatch(/must be root or have passwordless sudo/);
    }
  });

  it('reports a script that stopped before it could say why (an old tool, an unset variable) as a failure, not as missing rights', () => {
    const error = failure(2, '/bin/sh: 3: setpriv: unrecognized option --init-groups\n');
    expect({ code: error.code, message: error.message, retryable: error.retryable }).toEqual({
      code: 'Target.Failed',
      message: 'The host script stopped before it could report (exit 2).',
      retryable: false,
    });
  });

  it('says so when the command ended by a signal', () => {
    expect(failure(null, '').message).toBe('The command on the host ended without an exit status.');
  });
});
