/**
 * FC timer expressions: six cron fields, seconds first, UTC unless prefixed `CRON_TZ=<Zone> `;
 * or `@every <duration>` (Go-style, e.g. 5m, 1h30m).
 */
import { Cron } from 'croner';

export interface FcSchedule {
  readonly expression: string;
  /** The first run strictly after `from`, or null if there is none. */
  nextAfter(from: Date): Date | null;
}

export class ScheduleError extends Error {
  constructor(expression: string, reason: string) {
    super(`Invalid timer expression "${expression}": ${reason}`);
    this.name = 'ScheduleError';
  }
}

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

const parseEvery = (expression: string, duration: string): FcSchedule => {
  const m = DURATION.exec(duration);
  const seconds = m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : 0;
  if (!m || seconds <= 0) throw new ScheduleError(expression, 'expected @every <duration> such as 5m, 90s or 1h30m');
  return { expression, nextAfter: (from) => new Date(from.getTime() + seconds * 1000) };
};

const checkTimezone = (expression: string, zone: string): void => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new ScheduleError(expression, `unknown time zone ${zone}`);
  }
};

const parseCron = (expression: string): FcSchedule => {
  const tz = /^CRON_TZ=(\S+)\s+(.*)$/.exec(expression);
  const zone = tz ? (tz[1] ?? '') : 'Etc/UTC';
  const pattern = (tz ? (tz[2] ?? '') : expression).trim();
  if (tz) checkTimezone(expression, zone);
  const fields = pattern.split(/\s+/).length;
  if (fields !== 6) {
    throw new ScheduleError(expression, `expected 6 fields (seconds minutes hours day-of-month month day-of-week), got ${fields}`);
  }
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone: zone, mode: '6-part', paused: true });
  } catch (e) {
    throw new ScheduleError(expression, (e as Error).message);
  }
  return { expression, nextAfter: (from) => cron.nextRun(from) };
};

export const parseFcSchedule = (expression: string): FcSchedule => {
  const e = expression.trim();
  if (e.startsWith('@every')) return parseEvery(e, e.slice('@every'.length).trim());
  return parseCron(e);
};
