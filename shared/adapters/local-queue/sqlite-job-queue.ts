/**
 * A persistent, at-least-once job queue on SQLite for the local runtime, which plays the part of
 * the FC MNS trigger: it receives step messages, runs them, and deletes or releases them.
 * Several queues (queueName) may share a file, and the file may be the secret store's.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../ports/clock.js';
import type { RotationMessage, SendOptions } from '../../ports/job-queue.js';
import type { DeadLetter, JobQueueConsumer, LeasedMessage } from '../../ports/job-queue-consumer.js';
import { componentVersionSlot, migrate, openSqlite, type SqliteDatabase } from '../support/sqlite.js';

export type { DeadLetter, LeasedMessage } from '../../ports/job-queue-consumer.js';

export interface SqliteJobQueueOptions {
  clock: Clock;
  /** Deliveries before a message goes to the dead letters instead. Default 5. */
  maxReceives?: number;
  /** Default "rotation-steps". */
  queueName?: string;
}

export interface QueueDepth {
  /** Ready to be received now. */
  visible: number;
  /** Received, and their visibility timeout has not passed. */
  inFlight: number;
  /** Sent or released with a delay that has not passed. */
  delayed: number;
  dead: number;
}

const DEFAULT_MAX_RECEIVES = 5;
const DEFAULT_QUEUE_NAME = 'rotation-steps';

/** migrations[i] moves the schema from version i to i + 1. Append only. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE queue_messages (
     seq INTEGER PRIMARY KEY,
     queue TEXT NOT NULL,
     message_id TEXT NOT NULL UNIQUE,
     body TEXT NOT NULL,
     enqueued_at INTEGER NOT NULL,
     visible_at INTEGER NOT NULL,
     receive_count INTEGER NOT NULL DEFAULT 0,
     receipt_handle TEXT UNIQUE
   );
   CREATE INDEX queue_messages_by_visibility ON queue_messages (queue, visible_at, seq);
   CREATE TABLE queue_dead_letters (
     message_id TEXT PRIMARY KEY,
     queue TEXT NOT NULL,
     body TEXT NOT NULL,
     enqueued_at INTEGER NOT NULL,
     receive_count INTEGER NOT NULL,
     dead_at INTEGER NOT NULL
   );
   CREATE INDEX queue_dead_letters_by_queue ON queue_dead_letters (queue, dead_at);`,
];

interface MessageRow {
  seq: number;
  message_id: string;
  body: string;
  enqueued_at: number;
  receive_count: number;
}

interface DeadLetterRow {
  message_id: string;
  body: string;
  enqueued_at: number;
  receive_count: number;
  dead_at: number;
}

const secondsToMs = (seconds: number, what: string): number => {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`${what} must be a number of seconds >= 0.`);
  return Math.round(seconds * 1000);
};

const parseBody = (body: string): RotationMessage => JSON.parse(body) as RotationMessage;

const prepareStatements = (db: SqliteDatabase) => ({
  insert: db.prepare(
    `INSERT INTO queue_messages (queue, message_id, body, enqueued_at, visible_at)
     VALUES (@queue, @messageId, @body, @now, @visibleAt)`,
  ),
  nextVisible: db.prepare(
    `SELECT seq, message_id, body, enqueued_at, receive_count FROM queue_messages
     WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?`,
  ),
  lease: db.prepare(
    `UPDATE queue_messages SET receive_count = receive_count + 1, receipt_handle = ?, visible_at = ?
     WHERE seq = ?`,
  ),
  remove: db.prepare('DELETE FROM queue_messages WHERE seq = ?'),
  insertDeadLetter: db.prepare(
    `INSERT INTO queue_dead_letters (message_id, queue, body, enqueued_at, receive_count, dead_at)
     VALUES (@message_id, @queue, @body, @enqueued_at, @receive_count, @deadAt)`,
  ),
  deleteByHandle: db.prepare('DELETE FROM queue_messages WHERE queue = ? AND receipt_handle = ?'),
  release: db.prepare(
    `UPDATE queue_messages SET visible_at = ?, receipt_handle = NULL
     WHERE queue = ? AND receipt_handle = ?`,
  ),
  recoverInFlight: db.prepare(
    `UPDATE queue_messages SET visible_at = @now, receipt_handle = NULL
     WHERE queue = @queue AND receipt_handle IS NOT NULL AND visible_at > @now`,
  ),
  depth: db.prepare(
    `SELECT
       count(*) FILTER (WHERE visible_at <= @now) AS visible,
       count(*) FILTER (WHERE visible_at > @now AND receipt_handle IS NOT NULL) AS inFlight,
       count(*) FILTER (WHERE visible_at > @now AND receipt_handle IS NULL) AS delayed,
       (SELECT count(*) FROM queue_dead_letters WHERE queue = @queue) AS dead
     FROM queue_messages WHERE queue = @queue`,
  ),
  deadLetters: db.prepare(
    `SELECT message_id, body, enqueued_at, receive_count, dead_at FROM queue_dead_letters
     WHERE queue = ? ORDER BY dead_at, rowid`,
  ),
});

type Statements = ReturnType<typeof prepareStatements>;

export class SqliteJobQueue implements JobQueueConsumer {
  private readonly statements: Statements;
  private readonly clock: Clock;
  private readonly maxReceives: number;
  private readonly queue: string;

  private constructor(
    private readonly db: SqliteDatabase,
    options: SqliteJobQueueOptions,
  ) {
    this.statements = prepareStatements(db);
    this.clock = options.clock;
    this.maxReceives = options.maxReceives ?? DEFAULT_MAX_RECEIVES;
    this.queue = options.queueName ?? DEFAULT_QUEUE_NAME;
    if (!Number.isInteger(this.maxReceives) || this.maxReceives < 1) {
      throw new RangeError('maxReceives must be an integer >= 1.');
    }
  }

  /** Opens (creating if needed) a queue in a file, or in memory for ':memory:'. */
  static open(file: string, options: SqliteJobQueueOptions): SqliteJobQueue {
    const db = openSqlite(file);
    try {
      migrate(db, MIGRATIONS, componentVersionSlot('job-queue'));
      return new SqliteJobQueue(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async send(message: RotationMessage, options: SendOptions = {}): Promise<void> {
    const now = this.clock.now();
    this.statements.insert.run({
      queue: this.queue,
      messageId: randomUUID(),
      body: JSON.stringify(message),
      now,
      visibleAt: now + secondsToMs(options.delaySeconds ?? 0, 'delaySeconds'),
    });
  }

  async receive(max: number, visibilitySeconds: number): Promise<LeasedMessage[]> {
    const visibilityMs = secondsToMs(visibilitySeconds, 'visibilitySeconds');
    const now = this.clock.now();
    // IMMEDIATE: take the write lock before reading, so two processes never lease the same message.
    return this.db.transaction(() => this.leaseVisible(Math.floor(max), now, visibilityMs)).immediate();
  }

  private leaseVisible(max: number, now: number, visibilityMs: number): LeasedMessage[] {
    const leased: LeasedMessage[] = [];
    // Dead-lettered rows make room, so look again until the batch is full or nothing is visible.
    while (leased.length < max) {
      const rows = this.statements.nextVisible.all(this.queue, now, max - leased.length) as MessageRow[];
      if (rows.length === 0) break;
      for (const row of rows) {
        if (row.receive_count >= this.maxReceives) {
          this.moveToDeadLetters(row, now);
          continue;
        }
        const receiptHandle = randomUUID();
        this.statements.lease.run(receiptHandle, now + visibilityMs, row.seq);
        leased.push({
          messageId: row.message_id,
          receiptHandle,
          body: parseBody(row.body),
          receiveCount: row.receive_count + 1,
          enqueuedAt: row.enqueued_at,
        });
      }
    }
    return leased;
  }

  private moveToDeadLetters(row: MessageRow, now: number): void {
    this.statements.insertDeadLetter.run({ ...row, queue: this.queue, deadAt: now });
    this.statements.remove.run(row.seq);
  }

  async delete(receiptHandle: string): Promise<boolean> {
    return this.statements.deleteByHandle.run(this.queue, receiptHandle).changes === 1;
  }

  async release(receiptHandle: string, delaySeconds: number): Promise<void> {
    const visibleAt = this.clock.now() + secondsToMs(delaySeconds, 'delaySeconds');
    this.statements.release.run(visibleAt, this.queue, receiptHandle);
  }

  /**
   * At process start, makes every in-flight message visible now: their consumer died with the
   * previous process. Messages delayed by send or release keep their delay. Call it only while
   * no other process consumes this queue (the local runtime holds its data directory's lock when
   * it calls this). Returns how many messages were recovered.
   */
  async recoverInFlight(): Promise<number> {
    return this.statements.recoverInFlight.run({ queue: this.queue, now: this.clock.now() }).changes;
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return (this.statements.deadLetters.all(this.queue) as DeadLetterRow[]).map((row) => ({
      messageId: row.message_id,
      body: parseBody(row.body),
      receiveCount: row.receive_count,
      enqueuedAt: row.enqueued_at,
      deadAt: row.dead_at,
    }));
  }

  async depth(): Promise<QueueDepth> {
    return this.statements.depth.get({ queue: this.queue, now: this.clock.now() }) as QueueDepth;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
