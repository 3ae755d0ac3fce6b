import { describe, expect, it } from 'vitest';
import { parseFcSchedule, ScheduleError } from '../../shared/runtime/local/schedule.js';

const from = new Date('2026-01-01T00:00:30.500Z');
const next = (expression: string): string | undefined => parseFcSchedule(expression).nextAfter(from)?.toISOString();

describe('FC timer expressions', () => {
  it('reads six fields with seconds first, in UTC', () => {
    expect(next('0 */1 * * * *')).toBe('2026-01-01T00:01:00.000Z');
    expect(next('45 * * * * *')).toBe('2026-01-01T00:00:45.000Z');
    expect(next('0 0 4 1 * *')).toBe('2026-01-01T04:00:00.000Z');
    expect(next('30 * * * * ?')).toBe('2026-01-01T00:01:30.000Z');
  });

  it('honours a CRON_TZ= prefix', () => {
    // 04:00 in Shanghai (UTC+8) is 20:00 UTC the day before; the next one after 00:00:30 UTC is that evening.
    expect(next('CRON_TZ=Asia/Shanghai 0 0 4 * * *')).toBe('2026-01-01T20:00:00.000Z');
  });

  it('reads @every durations', () => {
    expect(next('@every 5m')).toBe('2026-01-01T00:05:30.500Z');
    expect(next('@every 1h30m')).toBe('2026-01-01T01:30:30.500Z');
    expect(next('@every 90s')).toBe('2026-01-01T00:02:00.500Z');
  });

  it.each([
    ['* * * * *', /expected 6 fields/],
    ['0 0 0 * * * *', /expected 6 fields/],
    ['61 * * * * *', /second/],
    ['CRON_TZ=Mars/Olympus 0 0 * * * *', /unknown time zone Mars\/Olympus/],
    ['@every 0m', /@every <duration>/],
    ['@every 5 minutes', /@every <duration>/],
  ])('refuses %j', (expression, reason) => {
    expect(() => parseFcSchedule(expression)).toThrow(ScheduleError);
    expect(() => parseFcSchedule(expression)).toThrow(reason);
  });
});
