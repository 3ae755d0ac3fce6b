/**
 * A target that keeps one credential per secret in memory, so many secrets can rotate at once and
 * their steps interleave in any order. It counts every call per secret: the fault tests assert
 * that duplicates and races never made a step's target work run twice. A real TargetDriver
 * implementation for driving the engine, not a stand-in for any SDK.
 */
import { TargetError } from '../../shared/domain/errors.js';
import { generatePassword } from '../../shared/domain/password.js';
import type { ApplyRequest, DriverSecret, FinalizeRequest, GenerateRequest, TargetDriver, VerifyRequest } from '../../shared/ports/target-driver.js';

export const KEYED_TARGET_CONFIG = '{"SecretSubType":"KeyedTarget"}';

type Operation = 'generate' | 'apply' | 'verify' | 'finalize';

export class KeyedTarget implements TargetDriver {
  readonly kind = 'keyed-target';
  /**
   * The credentials each secret's target accepts: an applied credential is added beside the
   * others (as RAM keeps two keys), so ACSCurrent keeps working while a rotation is in flight.
   */
  private readonly accepted = new Map<string, Set<string>>();
  private readonly counts = new Map<string, Record<Operation, number>>();

  supports(secret: DriverSecret): boolean {
    return secret.extendedConfig.SecretSubType === 'KeyedTarget';
  }

  validateConfig(): void {}

  async preflight() {
    return { checks: [{ name: 'target', ok: true, detail: 'The in-memory target is always reachable.' }] };
  }

  /** How often each operation ran for this secret. */
  callsOf(secretName: string): Record<Operation, number> {
    return { ...(this.counts.get(secretName) ?? { generate: 0, apply: 0, verify: 0, finalize: 0 }) };
  }

  private count(secretName: string, op: Operation): void {
    const counts = this.counts.get(secretName) ?? { generate: 0, apply: 0, verify: 0, finalize: 0 };
    counts[op]++;
    this.counts.set(secretName, counts);
  }

  async generate(req: GenerateRequest) {
    this.count(req.secret.name, 'generate');
    return { value: generatePassword() };
  }

  async apply(req: ApplyRequest) {
    this.count(req.secret.name, 'apply');
    this.accept(req.secret.name, req.pendingValue);
    return {};
  }

  async verify(req: VerifyRequest) {
    this.count(req.secret.name, 'verify');
    if (!this.logsIn(req.secret.name, req.pendingValue)) {
      throw new TargetError('Target.VerifyFailed', 'The new credential does not log in.', true);
    }
    return {};
  }

  async finalize(req: FinalizeRequest) {
    this.count(req.secret.name, 'finalize');
    return {};
  }

  /** Makes `value` a credential the target accepts (the first one, set up out of band). */
  accept(secretName: string, value: string): void {
    const set = this.accepted.get(secretName) ?? new Set<string>();
    set.add(value);
    this.accepted.set(secretName, set);
  }

  /** Whether `value` logs in to this secret's target now. */
  logsIn(secretName: string, value: string): boolean {
    return this.accepted.get(secretName)?.has(value) ?? false;
  }
}
