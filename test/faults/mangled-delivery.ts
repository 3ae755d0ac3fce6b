/**
 * A broker that keeps at-least-once delivery to the letter and nothing more: every message taken
 * from the real queue (SQLite or MNS) is handed to the consumer `copies` times, and the copies of
 * all messages are delivered in a seeded random order, so stale copies of early steps arrive after
 * later steps have run, and rotations of different secrets interleave. A delivery that throws is
 * put back to be delivered again.
 */
import type { JobQueueConsumer } from '../../shared/ports/job-queue-consumer.js';
import type { RotationMessage } from '../../shared/ports/job-queue.js';
import type { ManualClock } from '../support/manual-clock.js';

export interface MangledDeliveryOptions {
  queue: Pick<JobQueueConsumer, 'receive' | 'delete'>;
  clock: ManualClock;
  run(message: RotationMessage): Promise<void>;
  copies?: number;
  seed?: number;
  /** Empty polls (each moving the clock 5 s) before the queue is taken as drained. */
  idlePolls?: number;
}

export interface DeliveryStats {
  /** Messages taken from the queue. */
  received: number;
  /** Deliveries made (copies included). */
  delivered: number;
  /** Deliveries beyond the first of each message (put-back retries not counted). */
  duplicates: number;
  /** Deliveries of a message older than one already delivered. */
  outOfOrder: number;
  /** Deliveries that threw and were put back. */
  failed: number;
}

/** mulberry32: a small seeded generator, so a failing order can be replayed. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

export const deliverMangled = async (options: MangledDeliveryOptions): Promise<DeliveryStats> => {
  const copies = options.copies ?? 3;
  const random = seededRandom(options.seed ?? 1);
  const idlePolls = options.idlePolls ?? 30;
  const pool: Array<{ seq: number; body: RotationMessage }> = [];
  const stats: DeliveryStats = { received: 0, delivered: 0, duplicates: 0, outOfOrder: 0, failed: 0 };
  let seq = 0;
  let newestDelivered = -1;
  let idle = 0;
  for (;;) {
    const batch = await options.queue.receive(16, 30);
    for (const leased of batch) {
      const n = seq++;
      for (let c = 0; c < copies; c++) pool.push({ seq: n, body: leased.body });
      await options.queue.delete(leased.receiptHandle);
      stats.received++;
    }
    if (pool.length === 0) {
      if (++idle > idlePolls) return { ...stats, duplicates: stats.delivered - stats.failed - stats.received };
      options.clock.advance(5_000);
      continue;
    }
    idle = 0;
    // A few deliveries per poll, so newer messages join the pool while older copies wait.
    for (let i = 0; i < 3 && pool.length > 0; i++) {
      const [picked] = pool.splice(Math.floor(random() * pool.length), 1);
      if (!picked) break;
      stats.delivered++;
      if (picked.seq < newestDelivered) stats.outOfOrder++;
      newestDelivered = Math.max(newestDelivered, picked.seq);
      try {
        await options.run(picked.body);
      } catch {
        stats.failed++;
        pool.push(picked);
      }
    }
  }
};
