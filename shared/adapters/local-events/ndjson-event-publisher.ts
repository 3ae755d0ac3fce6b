/**
 * Appends events to a local file, one JSON object per line (NDJSON): the local runtime's stand-in
 * for EventBridge, easy to tail and to grep.
 */
import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import type { EventPublisher, RotorEvent } from '../../ports/event-publisher.js';
import { PRIVATE_FILE_MODE, ensurePrivateFile } from '../support/private-file.js';

interface PendingLine {
  line: string;
  done: (error?: unknown) => void;
}

export class NdjsonEventPublisher implements EventPublisher {
  /** Lines published during this turn of the event loop; written together at its end. */
  private pending: PendingLine[] = [];
  private scheduled = false;
  /** Kept open between writes: opening and closing the file per write cost more than the write. */
  private fd: number | null = null;
  private inode = 0;

  constructor(
    private readonly file: string,
    private readonly onEvent?: (event: RotorEvent) => void,
  ) {}

  async publish(event: RotorEvent): Promise<void> {
    const line = `${JSON.stringify(event)}\n`;
    await new Promise<void>((resolve, reject) => {
      this.pending.push({ line, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: publishes from requests parsed in the same I/O phase join the write.
        setImmediate(() => this.flush());
      }
    });
    this.onEvent?.(event);
  }

  /** Writes what is pending and releases the file. */
  close(): void {
    this.flush();
    this.release();
  }

  /**
   * Group commit: one synchronous append (to the page cache, microseconds) carries every line
   * published since the last one, so lines keep their order and never interleave; a failed write
   * rejects the publishes it carried and not later ones.
   */
  private flush(): void {
    this.scheduled = false;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    try {
      this.append(batch.map((p) => p.line).join(''));
    } catch (error) {
      this.release();
      for (const p of batch) p.done(error ?? new Error('The event could not be written.'));
      return;
    }
    for (const p of batch) p.done();
  }

  private append(text: string): void {
    const fd = this.openFile();
    const bytes = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written);
  }

  /**
   * The open file, or the file opened again when the path names another one now (removed or moved
   * away by log rotation): it comes back owner-only, and lines never go to a file nobody can see.
   */
  private openFile(): number {
    const onDisk = statSync(this.file, { throwIfNoEntry: false });
    if (this.fd !== null && onDisk?.ino === this.inode) return this.fd;
    this.release();
    ensurePrivateFile(this.file);
    const fd = openSync(this.file, 'a', PRIVATE_FILE_MODE);
    this.fd = fd;
    this.inode = fstatSync(fd).ino;
    return fd;
  }

  private release(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch {
      // Already unusable: there is nothing left to release.
    }
  }
}
