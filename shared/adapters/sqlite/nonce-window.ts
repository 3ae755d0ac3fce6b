/**
 * Replay protection for the SQLite store: the request nonces of the timestamp window.
 *
 * Where the truth lives, and why this split:
 * - The decision is made at once, in process: a nonce is refused if this process claimed it and
 *   has not written it yet (`pending`), or if the nonces table holds it unexpired (a point read on
 *   the primary key, which costs no commit). Otherwise it is claimed and added to `pending`.
 * - Claims are written to the table in batches, one transaction per batch, on a short timer and
 *   when the batch grows. A commit per claim costs about 18 µs of CPU against about 11 µs per claim
 *   in a batch (a microbenchmark, 2026-11), and made each request wait for a write; a batch does not.
 * - What the local runtime needs from the table is that a restart inside the window still refuses
 *   replays, and that another process on the same file sees this one's nonces. Both hold for every
 *   nonce once its batch is written: at most FLUSH_MS after the claim, and always on close (a clean
 *   stop). A crash inside that interval would forget the last batch, and a request already answered
 *   could be replayed after the restart. So the pending claims are also appended to nonce_journal in
 *   the audit log's group commit (writePending), which every API call awaits before it is answered:
 *   an answered request's nonce is committed before its answer leaves, with no commit of its own.
 *   The journal is appended in rowid order (the end of the table, like the audit records); writing
 *   the claims straight into the nonces table there instead put a random-key insert in every audit
 *   commit and cost about 10% more CPU per read. The next batch empties the journal; opening the
 *   store moves what a crash left in it into the table.
 *   Two processes racing the same nonce within FLUSH_MS could both accept it: the local runtime is
 *   one process serving the API for its data directory (its lock refuses a second, see
 *   shared/runtime/local/data-dir-lock.ts), so this is not a case it meets.
 * - On Function Compute, instances share nothing but the Tablestore nonce table, whose conditional
 *   write is the only check that sees every instance: there the claim stays one conditional write
 *   per request, and no cache can replace it (see the Tablestore store).
 */
import type { Statement } from 'better-sqlite3';
import type { PendingWrites } from '../support/commit-alongside.js';
import type { SqliteDatabase } from '../support/sqlite.js';

/** Longest a claimed nonce waits in memory before it is in the table. */
const FLUSH_MS = 20;
/** A batch this large is written at once rather than at the timer. */
const FLUSH_AT = 512;
/** Expired nonces removed per batch: enough to keep up, small enough to keep a batch cheap. */
const SWEEP_PER_FLUSH = 1_000;

interface Claim {
  nonce: string;
  expiresAt: number;
  /** In nonce_journal (committed): no need to append it again. */
  journaled?: boolean;
}

export interface NonceStatements {
  /** SELECT expires_at FROM nonces WHERE nonce = ? */
  lookup: Statement;
  /** Upsert that replaces only an expired row: (@nonce, @expiresAt, @now). */
  claim: Statement;
  /** Deletes up to ? rows expired at ?: (now, limit). */
  sweep: Statement;
  /** INSERT INTO nonce_journal (nonce, expires_at) VALUES (?, ?) */
  journal: Statement;
  /** DELETE FROM nonce_journal */
  clearJournal: Statement;
  /** Moves the journal's unexpired claims into the table: (@now). */
  recoverJournal: Statement;
}

export class NonceWindow implements PendingWrites {
  /** Claimed by this process and not yet in the table. */
  private readonly pending = new Map<string, Claim>();
  private latestNow = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly writeBatch;

  constructor(
    db: SqliteDatabase,
    private readonly statements: NonceStatements,
  ) {
    this.writeBatch = db.transaction((claims: readonly Claim[], now: number) => {
      statements.sweep.run(now, SWEEP_PER_FLUSH);
      for (const c of claims) statements.claim.run({ nonce: c.nonce, expiresAt: c.expiresAt, now });
      // Everything journaled is pending, so it is all in the table once this commits.
      statements.clearJournal.run();
    });
    db.transaction(() => {
      statements.recoverJournal.run({ now: Date.now() });
      statements.clearJournal.run();
    })();
  }

  /** True if the nonce was free (now claimed until expiresAt); false if it is in use. */
  claim(nonce: string, expiresAt: number, now: number): boolean {
    this.latestNow = Math.max(this.latestNow, now);
    const mine = this.pending.get(nonce);
    if (mine && mine.expiresAt > now) return false;
    const stored = this.statements.lookup.get(nonce) as { expires_at: number } | undefined;
    if (stored && stored.expires_at > now) return false;
    this.pending.set(nonce, { nonce, expiresAt });
    if (this.pending.size >= FLUSH_AT) this.flush();
    else this.timer ??= setTimeout(() => this.flushLater(), FLUSH_MS).unref();
    return true;
  }

  /**
   * Writes every pending claim in one transaction. On failure the claims stay pending (they are
   * still refused in process) and the next flush tries again; close() reports the failure.
   */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const now = this.latestNow;
    // A claim already expired needs no record: its nonce may be claimed again anyway.
    const live = [...this.pending.values()].filter((c) => c.expiresAt > now);
    try {
      this.writeBatch(live, now);
    } catch (error) {
      this.timer ??= setTimeout(() => this.flushLater(), FLUSH_MS).unref();
      throw error;
    }
    this.pending.clear();
  }

  /**
   * Appends the claims not yet journaled to nonce_journal, inside another writer's transaction;
   * marks them journaled once it has committed. They stay pending for the next batch.
   */
  writePending(): () => void {
    const fresh: Claim[] = [];
    for (const c of this.pending.values()) {
      if (c.journaled) continue;
      this.statements.journal.run(c.nonce, c.expiresAt);
      fresh.push(c);
    }
    return () => {
      for (const c of fresh) c.journaled = true;
    };
  }

  /** From the timer: a failed write (a locked or full disk) is retried, and reported by close(). */
  private flushLater(): void {
    try {
      this.flush();
    } catch {
      // Rescheduled by flush(); the claims stay refused in process meanwhile.
    }
  }

  /** Writes what is pending and stops the timer. */
  close(): void {
    this.flush();
  }
}
