/**
 * Slows down guessing of AccessKey secrets through the sign-in form: after too many failures from
 * one address within a window, that address is refused until the window passes. Kept per function
 * instance (no store round trip); the KMS API's own signatures are not guessable this way at all.
 */
export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60 * 1000;
const MAX_TRACKED = 10_000;

export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  isBlocked(address: string): boolean {
    return this.recent(address).length >= MAX_FAILURES;
  }

  recordFailure(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    this.failures.delete(address);
    this.failures.set(address, recent);
    // Forget the longest-quiet address first, so a flood of addresses cannot grow this without bound.
    if (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value as string);
  }

  private recent(address: string): number[] {
    const since = this.now() - WINDOW_MS;
    return (this.failures.get(address) ?? []).filter((t) => t > since);
  }
}
