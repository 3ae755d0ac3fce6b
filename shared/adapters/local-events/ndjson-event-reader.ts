/**
 * Reads the local runtime's NDJSON event log back (the file NdjsonEventPublisher appends to).
 * Only the tail is read, so a long-lived log costs a bounded read per request.
 */
import { open } from 'node:fs/promises';
import type { EventHistory } from '../../ports/event-history.js';
import type { RotorEvent } from '../../ports/event-publisher.js';

const DEFAULT_TAIL_BYTES = 8 * 1024 * 1024;

const parseLine = (line: string): RotorEvent | null => {
  try {
    const event = JSON.parse(line) as RotorEvent;
    return typeof event?.type === 'string' && typeof event.time === 'string' ? event : null;
  } catch {
    return null; // a line cut by a concurrent append
  }
};

export class NdjsonEventReader implements EventHistory {
  constructor(
    private readonly file: string,
    private readonly tailBytes = DEFAULT_TAIL_BYTES,
  ) {}

  async recent(query: { sinceMs: number; subject?: string }): Promise<RotorEvent[]> {
    const text = await this.readTail();
    const lines = text.split('\n').filter((line) => line !== '');
    return lines
      .map(parseLine)
      .filter((e): e is RotorEvent => e !== null)
      .filter((e) => Date.parse(e.time) >= query.sinceMs && (query.subject === undefined || e.subject === query.subject));
  }

  private async readTail(): Promise<string> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    }
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - this.tailBytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const text = buffer.toString('utf8');
      // A read that starts mid-file starts mid-line: drop that partial first line.
      return start === 0 ? text : text.slice(text.indexOf('\n') + 1);
    } finally {
      await handle.close();
    }
  }
}
