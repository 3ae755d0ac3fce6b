/**
 * Rows one adapter holds back to write in batches, handed to another adapter on the same SQLite
 * connection that commits anyway: written inside its transaction, they are as durable as its rows,
 * at the cost of a few inserts, not of a commit of their own.
 */
export interface PendingWrites {
  /**
   * Writes what is pending; runs inside the caller's open transaction. Returns what to do once that
   * transaction has committed (forget the rows written); if it rolls back, the rows stay pending.
   */
  writePending(): () => void;
}
