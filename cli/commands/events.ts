import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { booleanOption, command, stringOption, type Invocation } from '../command.js';
import { parseDurationMs, parsePositiveInteger } from '../duration.js';
import { followLines, readLastLines } from '../event-log.js';
import { CliError, ExitCode, usageError } from '../exit-codes.js';
import { notice } from '../io.js';
import { record, text } from '../output.js';
import { resolveDataDir } from '../settings.js';

/** Same name as the local runtime's (shared/runtime/container.ts EVENTS_FILE); a test keeps them equal. */
export const EVENTS_FILE = 'events.ndjson';
const TYPE_PREFIX = 'com.secretrotor.';
const DEFAULT_LINES = 20;

interface EventFilter {
  secret?: string;
  type?: string;
}

/** Details: the data fields but the secret's name and type, which have their own column. */
const details = (data: Record<string, unknown>): string =>
  Object.entries(data)
    .filter(([key, value]) => key !== 'secretName' && key !== 'secretType' && value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');

const humanLine = (event: Record<string, unknown>): string => {
  const type = (text(event.type) ?? '?').replace(TYPE_PREFIX, '');
  const columns = [(text(event.time) ?? '').padEnd(24), type.padEnd(28), (text(event.subject) ?? '-').padEnd(20), details(record(event.data))];
  return columns.join('  ').trimEnd().replace(/[\u0000-\u001f\u007f]/g, '?');
};

/** Prints one log line if it passes the filter; returns false for a line that is not an event. */
const printLine = (invocation: Invocation, line: string, filter: EventFilter): boolean => {
  let event: Record<string, unknown>;
  try {
    event = record(JSON.parse(line));
  } catch {
    return false;
  }
  if (filter.secret !== undefined && event.subject !== filter.secret) return true;
  if (filter.type !== undefined && !(text(event.type) ?? '').includes(filter.type)) return true;
  invocation.io.stdout.write(`${invocation.globals.json ? JSON.stringify(event) : humanLine(event)}\n`);
  return true;
};

const cloudHint =
  'In the cloud, events are published to the MNS topic (ROTOR_EVENTS_TOPIC, default secret-rotor-events): subscribe a queue or an HTTP endpoint to it.';

export const eventsCommand = command({
  name: 'events',
  summary: 'Show or follow the monitoring events of a local runtime',
  description:
    "Print the local runtime's monitoring events (CloudEvents, one per line in <data dir>/events.ndjson):\n" +
    'the last 20 by default, then with --follow every new one as it is written, until interrupted. The\n' +
    'data dir is --data-dir, else ROTOR_DATA_DIR, else the profile\'s dataDir, else ./.rotor.\n' +
    '--json prints the events as they are stored, one JSON object per line (NDJSON).\n\n' +
    'In the cloud, events are published to the MNS topic (ROTOR_EVENTS_TOPIC, default secret-rotor-events):\n' +
    'subscribe a queue or an HTTP endpoint to it. Events never contain secret values.',
  options: {
    follow: { type: 'boolean', short: 'f', description: 'keep printing events as they are written' },
    lines: { type: 'string', short: 'n', valueName: 'N', description: `how many of the last events to print first (default ${DEFAULT_LINES})` },
    all: { type: 'boolean', description: 'print every stored event first' },
    secret: { type: 'string', valueName: 'NAME', description: 'only events about this secret' },
    type: { type: 'string', valueName: 'TEXT', description: 'only event types containing TEXT, e.g. rotation.failed' },
    'poll-interval': { type: 'string', valueName: 'DURATION', description: 'how often --follow checks the file (default 250ms)' },
  },
  examples: ['rotor events --data-dir .rotor', 'rotor events -f --secret app-db', 'rotor events --all --type rotation.failed --json'],
  run: async (invocation) => {
    const { options, io } = invocation;
    const follow = booleanOption(options, 'follow');
    const linesOption = stringOption(options, 'lines');
    if (linesOption !== undefined && booleanOption(options, 'all')) throw usageError('give either --lines or --all, not both');
    const count = booleanOption(options, 'all')
      ? Infinity
      : linesOption === '0'
        ? 0
        : parsePositiveInteger('--lines', linesOption ?? String(DEFAULT_LINES));
    const pollMs = parseDurationMs('--poll-interval', stringOption(options, 'poll-interval') ?? '250ms');
    const filter: EventFilter = { secret: stringOption(options, 'secret'), type: stringOption(options, 'type') };

    const dataDir = resolveDataDir(invocation.globals, io);
    if (!existsSync(dataDir)) {
      throw new CliError(ExitCode.notFound, `no local data dir at ${dataDir}. ${cloudHint}`);
    }
    const file = join(dataDir, EVENTS_FILE);
    const tail = await readLastLines(file, count);
    let skipped = 0;
    for (const line of tail.lines) if (!printLine(invocation, line, filter)) skipped++;
    if (!follow) {
      if (tail.ino === null) notice(io, `no events yet (${file} does not exist)`);
      if (skipped > 0) notice(io, `skipped ${skipped} line(s) that are not JSON`);
      return;
    }
    notice(io, `following ${file} (interrupt to stop)`);
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      for await (const line of followLines(file, tail, { pollMs, signal: stop.signal })) {
        if (!printLine(invocation, line, filter)) notice(io, 'skipped a line that is not JSON');
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
});
