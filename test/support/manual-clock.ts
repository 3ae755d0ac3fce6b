import type { Clock } from '../../shared/ports/clock.js';

/** A clock tests move by hand, so time-dependent rules are tested without waiting. */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}

export const SECOND = 1000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
