interface Waiter {
  queueName: string;
  attempt(): void;
  cancel(): void;
}

/**
 * Pending long-poll receives. A waiter retries when a message is sent to its queue, and also every
 * `recheckMs` so that messages made visible by an injected clock moving forward are picked up too.
 * The wait itself is real time (bounded by the caller); the message semantics use the server clock.
 */
export class LongPolls {
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly recheckMs = 25) {}

  /**
   * Resolves with the first non-undefined result of `attempt`, or undefined after `waitMs`, when
   * `signal` aborts, or when the server stops.
   */
  wait<T>(queueName: string, attempt: () => T | undefined, waitMs: number, signal?: AbortSignal): Promise<T | undefined> {
    const immediate = attempt();
    if (immediate !== undefined || waitMs <= 0) return Promise.resolve(immediate);

    return new Promise((resolve) => {
      const finish = (result: T | undefined): void => {
        clearTimeout(deadline);
        clearInterval(recheck);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
        resolve(result);
      };
      const waiter: Waiter = {
        queueName,
        attempt: () => {
          const result = attempt();
          if (result !== undefined) finish(result);
        },
        cancel: () => finish(undefined),
      };
      const onAbort = (): void => finish(undefined);
      const deadline = setTimeout(() => finish(undefined), waitMs);
      const recheck = setInterval(() => waiter.attempt(), this.recheckMs);
      signal?.addEventListener('abort', onAbort);
      this.waiters.add(waiter);
    });
  }

  get pending(): number {
    return this.waiters.size;
  }

  notify(queueName: string): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.queueName === queueName) waiter.attempt();
    }
  }

  cancelAll(): void {
    for (const waiter of [...this.waiters]) waiter.cancel();
  }
}
