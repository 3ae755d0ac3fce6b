/**
 * FC timer triggers, locally: each fires on its schedule with FC's timer event. A tick is skipped
 * while the previous one of the same trigger still runs, so slow ticks never pile up.
 */
import { fcTime, type FcTimerEvent } from '../fc-types.js';
import type { Logger } from '../logger.js';
import { parseFcSchedule, type FcSchedule } from './schedule.js';
import type { TimerTriggerSpec } from './s-yaml.js';

export interface TimerTarget {
  functionName: string;
  trigger: TimerTriggerSpec;
}

export interface TimerOptions {
  invoke(functionName: string, event: Buffer): Promise<unknown>;
  logger: Logger;
  now?: () => number;
}

export interface RunningTimers {
  /** Cancels future ticks and waits for running ones. */
  stop(): Promise<void>;
}

/** setTimeout holds at most 2^31-1 ms; longer waits are taken in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export const timerEvent = (trigger: TimerTriggerSpec, at: number): FcTimerEvent => ({
  triggerTime: fcTime(at),
  triggerName: trigger.name,
  payload: trigger.payload,
});

class TimerLoop {
  private handle: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | null = null;
  private stopped = false;

  constructor(
    private readonly target: TimerTarget,
    private readonly schedule: FcSchedule,
    private readonly options: TimerOptions,
    private readonly now: () => number,
  ) {}

  start(): void {
    this.arm(this.schedule.nextAfter(new Date(this.now())));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.handle);
    await this.running?.catch(() => undefined);
  }

  private arm(next: Date | null): void {
    if (this.stopped || next === null) return;
    const delay = Math.max(0, next.getTime() - this.now());
    this.handle = setTimeout(() => (delay > MAX_DELAY_MS ? this.arm(next) : this.fire(next.getTime())), Math.min(delay, MAX_DELAY_MS));
  }

  private fire(at: number): void {
    const { functionName, trigger } = this.target;
    if (this.running) {
      this.options.logger.warn({ fn: functionName, triggerName: trigger.name }, 'timer tick skipped: the previous one is still running');
    } else {
      const event = Buffer.from(JSON.stringify(timerEvent(trigger, at)));
      this.running = this.options
        .invoke(functionName, event)
        .catch(() => undefined) // the function's own request log reports the failure
        .finally(() => {
          this.running = null;
        });
    }
    this.arm(this.schedule.nextAfter(new Date(Math.max(at, this.now()))));
  }
}

export const startTimers = (targets: readonly TimerTarget[], options: TimerOptions): RunningTimers => {
  const now = options.now ?? Date.now;
  const loops = targets
    .filter((t) => t.trigger.enable)
    .map((t) => new TimerLoop(t, parseFcSchedule(t.trigger.cronExpression), options, now));
  for (const loop of loops) loop.start();
  return { stop: async () => void (await Promise.all(loops.map((l) => l.stop()))) };
};
