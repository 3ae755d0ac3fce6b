/**
 * A target that lives in memory: it holds the credential that was last applied, records every
 * call, and can be told to fail. It is a real TargetDriver implementation for testing the
 * rotation engine, not a stand-in for any SDK.
 */
import { TargetError } from '../../shared/domain/errors.js';
import { generatePassword } from '../../shared/domain/password.js';
import type { DriverSecret, TargetDriver } from '../../shared/ports/target-driver.js';

type Operation = 'generate' | 'apply' | 'verify' | 'finalize';

export class RecordingDriver implements TargetDriver {
  readonly kind = 'recording';
  readonly calls: Operation[] = [];
  /** The credential the target accepts now. */
  applied: string | null = null;
  private failures = new Map<Operation, { remaining: number; retryable: boolean }>();

  supports(secret: DriverSecret): boolean {
    return secret.extendedConfig.SecretSubType === 'Recorded';
  }

  validateConfig(): void {}

  /** Set by a test that wants CreateSecret's SecretData shaped into first versions. */
  initialVersions?: TargetDriver['initialVersions'];

  failNext(op: Operation, times: number, retryable = true): void {
    this.failures.set(op, { remaining: times, retryable });
  }

  private enter(op: Operation): void {
    this.calls.push(op);
    const f = this.failures.get(op);
    if (f && f.remaining > 0) {
      f.remaining--;
      throw new TargetError('Target.Unavailable', `The target refused ${op}.`, f.retryable);
    }
  }

  async preflight() {
    return { checks: [{ name: 'target', ok: true, detail: 'The in-memory target is always reachable.' }] };
  }

  async generate() {
    this.enter('generate');
    return { value: generatePassword() };
  }

  async apply(req: { pendingValue: string }) {
    this.enter('apply');
    this.applied = req.pendingValue;
    return {};
  }

  async verify(req: { pendingValue: string }) {
    this.enter('verify');
    if (this.applied !== req.pendingValue) throw new TargetError('Target.VerifyFailed', 'The new credential does not log in.', true);
    return {};
  }

  async finalize() {
    this.enter('finalize');
    return {};
  }
}
