/**
 * The JobQueueConsumer contract: what every rotation step queue (SQLite, MNS) must do, tested
 * only through the port, with a clock the test moves. Order is not part of it: MNS promises none.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../shared/ports/clock.js';
import type { RotationMessage } from '../../shared/ports/job-queue.js';
import type { JobQueueConsumer, LeasedMessage } from '../../shared/ports/job-queue-consumer.js';
import { ManualClock, SECOND } from '../support/manual-clock.js';

export interface JobQueueHarness {
  /** An empty queue that reads time from the clock it was given. */
  queue: JobQueueConsumer;
  /**
   * The shortest delay a release can have, in seconds: 0 (the default) where a message can be
   * made visible at once, 1 on MNS, whose visibility timeouts start at 1 s.
   */
  minReleaseDelaySeconds?: number;
  cleanup: () => Promise<void>;
}

export type JobQueueFactory = (options: { clock: Clock; maxReceives: number }) => Promise<JobQueueHarness>;

const MAX_RECEIVES = 3;
const VISIBILITY = 30;

const step = (secretName: string, overrides: Partial<RotationMessage> = {}): RotationMessage => ({
  secretName,
  versionId: 'v2',
  step: 'applyToTarget',
  ...overrides,
});

const secretsOf = (messages: LeasedMessage[]): string[] => messages.map((m) => m.body.secretName).sort();

export function jobQueueContract(label: string, factory: JobQueueFactory): void {
  describe(`JobQueue contract: ${label}`, () => {
    let clock: ManualClock;
    let harness: JobQueueHarness;
    let queue: JobQueueConsumer;

    beforeEach(async () => {
      clock = new ManualClock();
      harness = await factory({ clock, maxReceives: MAX_RECEIVES });
      queue = harness.queue;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    /** Receives everything visible now. */
    const receiveAll = (visibility = VISIBILITY): Promise<LeasedMessage[]> => queue.receive(100, visibility);

    describe('send, receive, delete', () => {
      it('delivers a sent message once, with its body, a first receive count and the send time', async () => {
        const body = step('app/db', { step: 'verify', versionId: 'v7' });
        await queue.send(body);

        const [message, ...rest] = await receiveAll();
        expect(rest).toEqual([]);
        expect(message).toMatchObject({ body, receiveCount: 1, enqueuedAt: clock.now() });
        expect(message?.messageId).toEqual(expect.any(String));
        expect(message?.receiptHandle).toEqual(expect.any(String));
      });

      it('returns nothing from an empty queue', async () => {
        expect(await receiveAll()).toEqual([]);
      });

      it('hands out at most max messages per receive', async () => {
        for (const name of ['a', 'b', 'c']) await queue.send(step(name));
        const first = await queue.receive(2, VISIBILITY);
        const second = await queue.receive(2, VISIBILITY);
        expect(first).toHaveLength(2);
        expect(second).toHaveLength(1);
        expect(secretsOf([...first, ...second])).toEqual(['a', 'b', 'c']);
      });

      it('forgets a deleted message, and a second delete of the same handle is false', async () => {
        await queue.send(step('a'));
        const [message] = await receiveAll();
        expect(await queue.delete(message!.receiptHandle)).toBe(true);
        expect(await queue.delete(message!.receiptHandle)).toBe(false);
        clock.advance(10 * VISIBILITY * SECOND);
        expect(await receiveAll()).toEqual([]);
      });

      it('answers false for a handle it never issued', async () => {
        expect(await queue.delete('no-such-handle')).toBe(false);
      });
    });

    describe('visibility', () => {
      it('hides a received message until its visibility timeout passes, then delivers it again', async () => {
        await queue.send(step('a'));
        const [first] = await receiveAll();

        clock.advance((VISIBILITY / 2) * SECOND);
        expect(await receiveAll()).toEqual([]);

        clock.advance((VISIBILITY / 2 + 1) * SECOND);
        const [second, ...rest] = await receiveAll();
        expect(rest).toEqual([]);
        expect(second).toMatchObject({ messageId: first!.messageId, body: first!.body, receiveCount: 2 });
        expect(second!.receiptHandle).not.toBe(first!.receiptHandle);
      });

      it('honours a different visibility timeout per receive', async () => {
        await queue.send(step('a'));
        await receiveAll(5);
        clock.advance(6 * SECOND);
        expect(await receiveAll(120)).toHaveLength(1);
        clock.advance(60 * SECOND);
        expect(await receiveAll()).toEqual([]);
      });

      it('stops honouring the old receipt handle once the message is delivered again', async () => {
        await queue.send(step('a'));
        const [first] = await receiveAll();
        clock.advance((VISIBILITY + 1) * SECOND);
        const [second] = await receiveAll();

        expect(await queue.delete(first!.receiptHandle)).toBe(false);
        expect(await queue.delete(second!.receiptHandle)).toBe(true);
      });

      it('redelivers a released message after the delay, with the count kept, under a new handle', async () => {
        await queue.send(step('a'));
        const [first] = await receiveAll();
        await queue.release(first!.receiptHandle, 10);

        clock.advance(5 * SECOND);
        expect(await receiveAll()).toEqual([]);

        clock.advance(6 * SECOND);
        const [second] = await receiveAll();
        expect(second).toMatchObject({ messageId: first!.messageId, receiveCount: 2 });
        expect(await queue.delete(first!.receiptHandle)).toBe(false);
        expect(await queue.delete(second!.receiptHandle)).toBe(true);
      });

      it('makes a message released without delay visible at once, or after the shortest delay there is', async () => {
        await queue.send(step('a'));
        const [first] = await receiveAll();
        await queue.release(first!.receiptHandle, 0);
        clock.advance((harness.minReleaseDelaySeconds ?? 0) * SECOND);
        expect(await receiveAll()).toHaveLength(1);
      });
    });

    describe('delay', () => {
      it('holds a delayed message back until its delay passes', async () => {
        await queue.send(step('later'), { delaySeconds: 60 });
        await queue.send(step('now'));

        const [now] = await receiveAll();
        expect(now?.body).toEqual(step('now'));
        await queue.delete(now!.receiptHandle);
        clock.advance(30 * SECOND);
        expect(await receiveAll()).toEqual([]);
        clock.advance(31 * SECOND);
        const [delayed] = await receiveAll();
        expect(delayed).toMatchObject({ body: step('later'), receiveCount: 1 });
      });
    });

    describe('dead letters', () => {
      it(`moves a message to the dead letters instead of delivering it more than ${MAX_RECEIVES} times`, async () => {
        const body = step('poison');
        await queue.send(body);
        for (let receive = 1; receive <= MAX_RECEIVES; receive++) {
          const [message] = await receiveAll();
          expect(message?.receiveCount).toBe(receive);
          clock.advance((VISIBILITY + 1) * SECOND);
        }

        expect(await receiveAll()).toEqual([]);
        const dead = await queue.deadLetters();
        expect(dead).toHaveLength(1);
        expect(dead[0]).toMatchObject({ body, receiveCount: MAX_RECEIVES });

        clock.advance(10 * VISIBILITY * SECOND);
        expect(await receiveAll()).toEqual([]);
      });

      it('still delivers the other messages of a receive that finds a message to give up on', async () => {
        await queue.send(step('poison'));
        for (let receive = 1; receive <= MAX_RECEIVES; receive++) {
          await receiveAll();
          clock.advance((VISIBILITY + 1) * SECOND);
        }
        await queue.send(step('healthy'));

        const delivered = await queue.receive(1, VISIBILITY);
        expect(secretsOf(delivered)).toEqual(['healthy']);
        expect(await receiveAll()).toEqual([]);
        expect((await queue.deadLetters()).map((d) => d.body.secretName)).toEqual(['poison']);
      });

      it('has no dead letters while messages are handled in time', async () => {
        await queue.send(step('a'));
        const [message] = await receiveAll();
        await queue.delete(message!.receiptHandle);
        expect(await queue.deadLetters()).toEqual([]);
      });
    });
  });
}
