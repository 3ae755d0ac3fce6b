/**
 * Group commit for synchronous SQLite writes: items added while the event loop is busy serving
 * other requests are written together, in one transaction, on the next turn of the loop. A commit
 * per item (what an autocommit statement costs) dominates small writes; one per batch does not.
 * Each add() resolves with its own item's result once the batch holding it is committed, and
 * rejects if that batch failed, so callers keep the durability they had with one write each.
 */
export class GroupCommit<Item, Result> {
  private pending: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  /** `writeBatch` runs inside the caller's transaction and returns one result per item, in order. */
  constructor(private readonly writeBatch: (items: readonly Item[]) => Result[]) {}

  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: requests parsed in the same I/O phase join the batch.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes whatever is pending now (also called before closing the database). */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    let results: Result[];
    try {
      results = this.writeBatch(batch.map((p) => p.item));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i] as Result));
  }
}
