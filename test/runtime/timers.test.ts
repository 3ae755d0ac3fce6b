import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FcTimerEvent } from '../../shared/runtime/fc-types.js';
import { startTimers, type TimerTarget } from '../../shared/runtime/local/timers.js';
import { captureLogs } from '../support/runtime.js';

const target = (cronExpression: string, over: Partial<TimerTarget['trigger']> = {}): TimerTarget => ({
  functionName: 'secret-rotor-rotate',
  trigger: { type: 'timer', name: 'schedule', cronExpression, enable: true, payload: '{"job":"x"}', ...over },
});

/** Timers run on vitest's fake clock: nothing here waits on real time. */
describe('local timer triggers', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-05-01T00:00:10Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('invokes the function on schedule with the FC timer event', async () => {
    const events: { fn: string; event: FcTimerEvent }[] = [];
    const timers = startTimers([target('0 */1 * * * *')], {
      invoke: async (fn, event) => void events.push({ fn, event: JSON.parse(event.toString('utf8')) as FcTimerEvent }),
      logger: captureLogs().logger,
    });
    await vi.advanceTimersByTimeAsync(49_999);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(events).toEqual([
      { fn: 'secret-rotor-rotate', event: { triggerTime: '2026-05-01T00:01:00Z', triggerName: 'schedule', payload: '{"job":"x"}' } },
      { fn: 'secret-rotor-rotate', event: { triggerTime: '2026-05-01T00:02:00Z', triggerName: 'schedule', payload: '{"job":"x"}' } },
    ]);
    await timers.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(events).toHaveLength(2);
  });

  it('skips a tick while the previous one still runs', async () => {
    const logs = captureLogs();
    let started = 0;
    let finish: () => void = () => {};
    const timers = startTimers([target('@every 1m')], {
      invoke: () => {
        started += 1;
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
      logger: logs.logger,
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toBe(1);
    expect(logs.lines).toContainEqual(expect.objectContaining({ level: 'warn', triggerName: 'schedule', msg: expect.stringMatching(/skipped/) }));
    finish();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toBe(2);
    finish();
    await timers.stop();
  });

  it('keeps ticking after a failed invocation, and ignores disabled triggers', async () => {
    const calls: string[] = [];
    const timers = startTimers([target('@every 1m'), target('@every 1m', { name: 'off', enable: false })], {
      invoke: async (_fn, event) => {
        calls.push((JSON.parse(event.toString('utf8')) as FcTimerEvent).triggerName);
        throw new Error('tick failed');
      },
      logger: captureLogs().logger,
    });
    await vi.advanceTimersByTimeAsync(180_000);
    expect(calls).toEqual(['schedule', 'schedule', 'schedule']);
    await timers.stop();
  });

  it('stop waits for a running tick', async () => {
    let finish: () => void = () => {};
    const timers = startTimers([target('@every 1m')], {
      invoke: () => new Promise<void>((resolve) => (finish = resolve)),
      logger: captureLogs().logger,
    });
    await vi.advanceTimersByTimeAsync(60_000);
    let stopped = false;
    const stopping = timers.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(stopped).toBe(true);
  });

  it('refuses a bad expression at start', () => {
    expect(() => startTimers([target('* * * * *')], { invoke: async () => undefined, logger: captureLogs().logger })).toThrow(/expected 6 fields/);
  });
});
