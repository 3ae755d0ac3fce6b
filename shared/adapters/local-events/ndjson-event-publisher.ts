/**
 * Appends events to a local file, one JSON object per line (NDJSON): the local runtime's stand-in
 * for EventBridge, easy to tail and to grep.
 */
import { appendFile } from 'node:fs/promises';
import type { EventPublisher, RotorEvent } from '../../ports/event-publisher.js';
import { PRIVATE_FILE_MODE, ensurePrivateFile } from '../support/private-file.js';

interface PendingLine {
  line: string;
  done: (error?: unknown) => void;
}

export class NdjsonEventPublisher implements EventPublisher {
  /** Lines waiting for the write in flight to finish; they go out together in the next one. */
  private pending: PendingLine[] = [];
  private writing = false;
  private fileReady = false;

  constructor(
    private readonly file: string,
    private readonly onEvent?: (event: RotorEvent) => void,
  ) {}

  async publish(event: RotorEvent): Promise<void> {
    const line = `${JSON.stringify(event)}\n`;
    await new Promise<void>((resolve, reject) => {
      this.pending.push({ line, done: (error) => (error === undefined ? resolve() : reject(error)) });
      this.flush();
    });
    this.onEvent?.(event);
  }

  /**
   * Group commit: one append at a time, carrying every line published meanwhile, so concurrent
   * publishers share a write instead of queueing one file append each. Lines keep their order and
   * never interleave; a failed write rejects the publishes it carried and not later ones.
   */
  private flush(): void {
    if (this.writing || this.pending.length === 0) return;
    this.writing = true;
    const batch = this.pending.splice(0);
    this.append(batch.map((p) => p.line).join(''))
      .then(
        () => batch.forEach((p) => p.done()),
        (error: unknown) => batch.forEach((p) => p.done(error ?? new Error('The event could not be written.'))),
      )
      .finally(() => {
        this.writing = false;
        this.flush();
      });
  }

  private async append(text: string): Promise<void> {
    if (!this.fileReady) {
      ensurePrivateFile(this.file);
      this.fileReady = true;
    }
    // The mode matters only if the file was removed meanwhile (log rotation): it comes back private.
    await appendFile(this.file, text, { mode: PRIVATE_FILE_MODE });
  }
}
