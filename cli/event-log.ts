/**
 * Reads the local runtime's event log (`events.ndjson`, one CloudEvent per line, appended): the last
 * lines, then, when following, each line as it is appended. Follows across truncation and
 * replacement (log rotation) by watching the size and the inode. A line still being written (no
 * newline yet) waits until it is complete.
 */
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const CHUNK = 64 * 1024;

export interface Tail {
  lines: string[];
  /** Where following continues: just after the last complete line. */
  offset: number;
  ino: number | null;
}

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';

/** The last `count` complete lines (all of them for Infinity), read backwards in chunks. */
export const readLastLines = async (file: string, count: number): Promise<Tail> => {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if (isMissing(e)) return { lines: [], offset: 0, ino: null };
    throw e;
  }
  try {
    const { size, ino } = await handle.stat();
    let position = size;
    let text = '';
    let end: number | null = null;
    while (position > 0) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, position);
      text = buffer.toString('latin1') + text;
      if (end === null && text.includes('\n')) end = position + text.lastIndexOf('\n') + 1;
      if (count !== Infinity && (text.match(/\n/g)?.length ?? 0) > count) break;
    }
    if (end === null) return { lines: [], offset: 0, ino };
    // Decoded only now: a chunk boundary may split a multi-byte character.
    const complete = Buffer.from(text.slice(0, text.lastIndexOf('\n')), 'latin1').toString('utf8');
    const lines = complete.split('\n').filter((l) => l.trim() !== '');
    return { lines: count === Infinity ? lines : lines.slice(Math.max(0, lines.length - count)), offset: end, ino };
  } finally {
    await handle.close();
  }
};

export interface FollowOptions {
  pollMs: number;
  signal?: AbortSignal;
}

/** Yields each complete line appended after `from`; runs until the signal aborts. */
export async function* followLines(file: string, from: Tail, options: FollowOptions): AsyncGenerator<string> {
  let offset = from.offset;
  let ino = from.ino;
  let partial = Buffer.alloc(0);
  while (!options.signal?.aborted) {
    let info;
    try {
      info = await stat(file);
    } catch (e) {
      if (!isMissing(e)) throw e;
      info = null;
    }
    if (info) {
      if ((ino !== null && info.ino !== ino) || info.size < offset) {
        offset = 0;
        partial = Buffer.alloc(0);
      }
      ino = info.ino;
      if (info.size > offset) {
        const handle = await open(file, 'r');
        try {
          const length = info.size - offset;
          const buffer = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, offset);
          offset += bytesRead;
          partial = Buffer.concat([partial, buffer.subarray(0, bytesRead)]);
        } finally {
          await handle.close();
        }
        const lastNewline = partial.lastIndexOf(0x0a);
        if (lastNewline >= 0) {
          const complete = partial.subarray(0, lastNewline).toString('utf8');
          partial = partial.subarray(lastNewline + 1);
          for (const line of complete.split('\n')) if (line.trim() !== '') yield line;
        }
      }
    }
    try {
      await sleep(options.pollMs, undefined, { signal: options.signal });
    } catch {
      return;
    }
  }
}
