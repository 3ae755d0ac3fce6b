/**
 * Remembers which alerts were sent recently, so an event delivered twice (MNS retries, a replayed
 * notification, two subscriptions) alerts once. A claim holds its key until it expires.
 */
export interface AlertDedupStore {
  /**
   * True if this call took the key: it was never claimed, or its last claim has expired by `now`.
   * Of several concurrent claimants of a free key, exactly one gets true.
   */
  claim(key: string, expiresAt: number, now: number): Promise<boolean>;
  /**
   * Gives back a claim this caller made (the alert could not be delivered), so a redelivery
   * alerts. Does nothing when the key has been claimed again since (another expiry).
   */
  release(key: string, expiresAt: number): Promise<void>;
  close(): Promise<void>;
}
