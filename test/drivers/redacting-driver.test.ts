import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectFailure, UntrustedTransport } from '../../shared/adapters/drivers/connect-failure.js';
import { REDACTED, RedactingDriver, redactText, secretsOfRequest, type TargetFailureReport } from '../../shared/adapters/drivers/redacting-driver.js';
import { TargetError, invalidParameter } from '../../shared/domain/errors.js';
import type { DriverSecret, TargetDriver } from '../../shared/ports/target-driver.js';

const secret: DriverSecret = { name: 'db/app', type: 'Generic', extendedConfig: { SecretSubType: 'Leaky' } };
const PENDING_PASSWORD = `Pend'ing"Pa\\ss-9xQ`;
const CURRENT_PASSWORD = 'Curr3nt-Passw0rd-zz';
const PREVIOUS_PASSWORD = 'Prev10us-Passw0rd-yy';
const pending = JSON.stringify({ AccountName: 'app_clone', AccountPassword: PENDING_PASSWORD });
const current = JSON.stringify({ AccountName: 'app', AccountPassword: CURRENT_PASSWORD });
const previous = JSON.stringify({ AccountName: 'app_clone', AccountPassword: PREVIOUS_PASSWORD });
const applyRequest = { secret, pendingValue: pending, currentValue: current, previousValue: previous };

/** A driver whose every failure quotes the request's secrets in the ways client libraries do. */
class LeakyDriver implements TargetDriver {
  readonly kind = 'leaky';
  constructor(private readonly error: (message: string) => unknown) {}
  supports() {
    return true;
  }
  validateConfig() {
    throw invalidParameter('ExtendedConfig.Host', 'is required');
  }
  async preflight() {
    return { checks: [{ name: 'login', ok: false, detail: `login failed with password ${CURRENT_PASSWORD}` }] };
  }
  async generate(): Promise<{ value: string }> {
    throw this.error(`could not read ${current}`);
  }
  async apply(): Promise<Record<string, never>> {
    throw this.error(
      [
        `ALTER USER 'app_clone'@'%' IDENTIFIED BY '${PENDING_PASSWORD.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
        `ALTER ROLE "app" PASSWORD '${CURRENT_PASSWORD.replace(/'/g, "''")}'`,
        `postgres://app:${encodeURIComponent(PREVIOUS_PASSWORD)}@db:5432/app`,
        `json ${JSON.stringify({ p: PENDING_PASSWORD })}`,
        `syntax error near '${PENDING_PASSWORD.slice(4, 14)}' at line 1`,
        `raw ${pending}`,
      ].join('\n'),
    );
  }
  async verify(): Promise<Record<string, never>> {
    throw this.error(`password authentication failed for user "app_clone" (tried ${PENDING_PASSWORD})`);
  }
  async finalize(): Promise<Record<string, never>> {
    throw this.error(`cleanup of ${PREVIOUS_PASSWORD} failed`);
  }
}

const withCode = (extra: Record<string, unknown>) => (message: string) => Object.assign(new Error(message), extra);

const failureOf = async (promise: Promise<unknown>): Promise<TargetError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TargetError);
  return error as TargetError;
};

const expectNoSecret = (text: string) => {
  for (const s of [PENDING_PASSWORD, CURRENT_PASSWORD, PREVIOUS_PASSWORD, pending, current, previous]) expect(text).not.toContain(s);
  expect(text).not.toContain(PENDING_PASSWORD.slice(4, 14));
  expect(text).not.toContain(encodeURIComponent(PREVIOUS_PASSWORD));
};

describe('RedactingDriver', () => {
  it('re-throws as a TargetError with every secret spelling and fragment removed from the message', async () => {
    const driver = new RedactingDriver(new LeakyDriver(withCode({ code: 'XX000', sql: `ALTER ... ${PENDING_PASSWORD}` })));
    const error = await failureOf(driver.apply(applyRequest));
    expectNoSecret(error.message);
    expectNoSecret(JSON.stringify(error));
    expect(error.message).toContain(REDACTED);
    expect(error.message).toMatch(/^apply failed: /);
    expect(error.message).toContain(`ALTER ROLE "app" PASSWORD '${REDACTED}'`);
    expect(error.message).toContain(`IDENTIFIED BY '${REDACTED}'`);
    expect(error).not.toHaveProperty('sql');
    expect(error).not.toHaveProperty('cause');
  });

  it('redacts in every operation, the previous value and the preflight details included', async () => {
    const driver = new RedactingDriver(new LeakyDriver((m) => new Error(m)));
    expectNoSecret((await failureOf(driver.generate({ secret, currentValue: current, previousValue: previous }))).message);
    expectNoSecret((await failureOf(driver.verify({ secret, pendingValue: pending }))).message);
    expectNoSecret((await failureOf(driver.finalize({ secret, newCurrentValue: pending, newPreviousValue: current }))).message);
    const { checks } = await driver.preflight({ secret, currentValue: current });
    expect(checks[0]?.detail).toBe(`login failed with password ${REDACTED}`);
  });

  it('says whether retrying can help, from the cause', async () => {
    const cases: Array<[Record<string, unknown>, string, boolean]> = [
      [{ code: '28P01' }, 'Target.AuthenticationFailed', false],
      [{ errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' }, 'Target.AuthenticationFailed', false],
      [{ code: '42501' }, 'Target.PermissionDenied', false],
      [{ code: 'ECONNREFUSED' }, 'Target.Unreachable', true],
      [{ code: 'ETIMEDOUT' }, 'Target.Timeout', true],
      [{ code: 'PROTOCOL_SEQUENCE_TIMEOUT' }, 'Target.Timeout', true],
      [{ level: 'client-authentication' }, 'Target.AuthenticationFailed', false],
      [{}, 'Target.Failed', true],
    ];
    for (const [extra, code, retryable] of cases) {
      const driver = new RedactingDriver(new LeakyDriver(withCode(extra)));
      expect(await failureOf(driver.verify({ secret, pendingValue: pending }))).toMatchObject({ code, retryable });
    }
    const timedOut = new RedactingDriver(new LeakyDriver(() => new Error('Connection terminated due to connection timeout')));
    expect(await failureOf(timedOut.verify({ secret, pendingValue: pending }))).toMatchObject({ code: 'Target.Timeout', retryable: true });
  });

  it('turns every failure to connect or log in into one Target.Unavailable; the cause and redacted detail go to the operator log', async () => {
    const causes: Array<[() => unknown, string]> = [
      [() => withCode({ code: 'ECONNREFUSED' })('connect ECONNREFUSED 10.0.0.7:5432'), 'Target.Unreachable'],
      [() => withCode({ code: '28P01' })(`password authentication failed (tried ${PENDING_PASSWORD})`), 'Target.AuthenticationFailed'],
      [() => withCode({ level: 'client-authentication' })('All configured authentication methods failed'), 'Target.AuthenticationFailed'],
      [() => new TargetError('Target.HostKeyMismatch', 'The host presented key SHA256:x, not the pinned HostKeyFingerprint.', false), 'Target.HostKeyMismatch'],
      [() => new UntrustedTransport('cleartext asked'), 'Target.UntrustedTransport'],
      [() => new Error('Received unexpected message'), 'Target.Failed'],
      [() => withCode({ code: 'ETIMEDOUT' })('connect ETIMEDOUT'), 'Target.Timeout'],
    ];
    const seen = new Set<string>();
    for (const [cause, logged] of causes) {
      const reports: TargetFailureReport[] = [];
      const driver = new RedactingDriver(new LeakyDriver(() => new ConnectFailure(cause())), (r) => reports.push(r));
      const error = await failureOf(driver.verify({ secret, pendingValue: pending }));
      expect(error).toMatchObject({ code: 'Target.Unavailable', retryable: true });
      seen.add(error.message);
      expect(reports).toMatchObject([{ driver: 'leaky', operation: 'verify', cause: logged }]);
      expectNoSecret(JSON.stringify(reports));
    }
    expect([...seen]).toEqual(['verify failed: the target could not be reached or did not accept the managed login.']);
  });

  it('gives callers the same answer for a connect failure whatever its message says', async () => {
    const answers = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.constantFrom('ECONNREFUSED', '28P01', 'ETIMEDOUT', undefined), async (message, code) => {
        const failing = new RedactingDriver(new LeakyDriver(() => new ConnectFailure(Object.assign(new Error(message), { code }))));
        const error = await failureOf(failing.apply(applyRequest));
        answers.add(`${error.code} ${error.message} ${String((error as TargetError).retryable)}`);
      }),
      { numRuns: 200 },
    );
    expect([...answers]).toHaveLength(1);
  });

  it('keeps the code and retryable of a TargetError the driver threw, and still redacts its message', async () => {
    const driver = new RedactingDriver(new LeakyDriver((m) => new TargetError('Target.VerifyFailed', m, false)));
    const error = await failureOf(driver.verify({ secret, pendingValue: pending }));
    expect(error).toMatchObject({ code: 'Target.VerifyFailed', retryable: false });
    expectNoSecret(error.message);
  });

  it('passes validateConfig errors through unchanged: they name a field and are a 400, not a target failure', () => {
    const driver = new RedactingDriver(new LeakyDriver((m) => new Error(m)));
    expect(() => driver.validateConfig(secret)).toThrow(expect.objectContaining({ code: 'InvalidParameter', httpStatus: 400 }));
  });

  it('finds secrets in JSON values at any depth, and treats a non-JSON value as a secret itself', () => {
    const found = secretsOfRequest({
      pendingValue: JSON.stringify({ Accounts: [{ AccountName: 'a', AccountPassword: 'deep-secret-1' }], PrivateKey: 'pk-2' }),
      currentValue: 'plain-text-secret',
      previousValue: null,
    });
    expect(found.passwords).toEqual(expect.arrayContaining(['deep-secret-1', 'pk-2', 'plain-text-secret']));
    expect(found.passwords).not.toContain('a');
    expect(redactText('user a, key pk-2, value plain-text-secret', found)).toBe(`user a, key ${REDACTED}, value ${REDACTED}`);
  });
});
