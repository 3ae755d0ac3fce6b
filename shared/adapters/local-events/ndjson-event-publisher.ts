/**
 * Appends events to a local file, one JSON object per line (NDJSON): the local runtime's stand-in
 * for EventBridge, easy to tail and to grep.
 */
import { appendFile } from 'node:fs/promises';
import type { EventPublisher, RotorEvent } from '../../ports/event-publisher.js';
import { PRIVATE_FILE_MODE, ensurePrivateFile } from '../support/private-file.js';

export class NdjsonEventPublisher implements EventPublisher {
  /** The last write in the chain; each publish waits for it, so lines never interleave. */
  private tail: Promise<void> = Promise.resolve();
  private fileReady = false;

  constructor(
    private readonly file: string,
    private readonly onEvent?: (event: RotorEvent) => void,
  ) {}

  async publish(event: RotorEvent): Promise<void> {
    const line = `${JSON.stringify(event)}\n`;
    const written = this.tail.then(() => this.append(line));
    // A failed write rejects its own publish but must not block the ones queued behind it.
    this.tail = written.catch(() => undefined);
    await written;
    this.onEvent?.(event);
  }

  private async append(line: string): Promise<void> {
    if (!this.fileReady) {
      ensurePrivateFile(this.file);
      this.fileReady = true;
    }
    // The mode matters only if the file was removed meanwhile (log rotation): it comes back private.
    await appendFile(this.file, line, { mode: PRIVATE_FILE_MODE });
  }
}
