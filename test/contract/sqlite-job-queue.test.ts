import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteJobQueue, type SqliteJobQueueOptions } from '../../shared/adapters/local-queue/sqlite-job-queue.js';
import { SqliteSecretStore } from '../../shared/adapters/sqlite/secret-store.js';
import type { RotationMessage } from '../../shared/ports/job-queue.js';
import { ManualClock, SECOND } from '../support/manual-clock.js';
import { makeSecret } from '../support/fixtures.js';
import { jobQueueContract } from './job-queue.contract.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'rotor-sqlite-queue-'));

jobQueueContract('SQLite file', async (options) => {
  const dir = tempDir();
  const queue = SqliteJobQueue.open(join(dir, 'queue.db'), options);
  return {
    queue,
    cleanup: async () => {
      await queue.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

jobQueueContract('SQLite :memory:', async (options) => {
  const queue = SqliteJobQueue.open(':memory:', options);
  return { queue, cleanup: () => queue.close() };
});

const step = (secretName: string): RotationMessage => ({ secretName, versionId: 'v2', step: 'createPending' });
const VISIBILITY = 30;

describe('SqliteJobQueue', () => {
  let dir: string;
  let file: string;
  let clock: ManualClock;
  const open: SqliteJobQueue[] = [];

  const openQueue = (options: Partial<SqliteJobQueueOptions> = {}, path = file): SqliteJobQueue => {
    const queue = SqliteJobQueue.open(path, { clock, ...options });
    open.push(queue);
    return queue;
  };

  /** Receives for an hour, so what a test receives stays out of its later receives. */
  const names = async (queue: SqliteJobQueue, max = 100): Promise<string[]> =>
    (await queue.receive(max, 3600)).map((m) => m.body.secretName);

  beforeEach(() => {
    dir = tempDir();
    file = join(dir, 'state', 'queue.db');
    clock = new ManualClock();
  });

  afterEach(async () => {
    for (const queue of open.splice(0)) await queue.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates its directory and an owner-only file', () => {
    openQueue();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('delivers by visibility time, then in the order messages were sent', async () => {
    const queue = openQueue();
    await queue.send(step('delayed-10'), { delaySeconds: 10 });
    await queue.send(step('first'));
    await queue.send(step('delayed-5'), { delaySeconds: 5 });
    await queue.send(step('second'));
    clock.advance(10 * SECOND);
    await queue.send(step('sent-last'));

    expect(await names(queue, 2)).toEqual(['first', 'second']);
    expect(await names(queue)).toEqual(['delayed-5', 'delayed-10', 'sent-last']);
  });

  it('orders a released message by the time it becomes visible again', async () => {
    const queue = openQueue();
    await queue.send(step('a'));
    await queue.send(step('b'));
    const [a] = await queue.receive(1, VISIBILITY);
    await queue.release(a!.receiptHandle, 1);
    await queue.send(step('c'));
    clock.advance(2 * SECOND);
    expect(await names(queue)).toEqual(['b', 'c', 'a']);
  });

  it('counts visible, in-flight, delayed and dead messages', async () => {
    const queue = openQueue({ maxReceives: 1 });
    await queue.send(step('in-flight'));
    await queue.send(step('released'));
    const [, released] = await queue.receive(2, VISIBILITY);
    await queue.release(released!.receiptHandle, 60);
    await queue.send(step('visible'));
    await queue.send(step('delayed'), { delaySeconds: 60 });
    expect(await queue.depth()).toEqual({ visible: 1, inFlight: 1, delayed: 2, dead: 0 });

    clock.advance((VISIBILITY + 1) * SECOND);
    expect(await queue.depth()).toEqual({ visible: 2, inFlight: 0, delayed: 2, dead: 0 });
    // "in-flight" was received once already (the maximum), so only "visible" is delivered.
    expect(await names(queue)).toEqual(['visible']);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 1, delayed: 2, dead: 1 });
  });

  it('keeps messages, leases, delays and dead letters across a reopen', async () => {
    const first = openQueue({ maxReceives: 1 });
    await first.send(step('dead'));
    const [dead] = await first.receive(1, VISIBILITY);
    await first.release(dead!.receiptHandle, 0);
    await first.send(step('leased'));
    const [leased] = await first.receive(1, VISIBILITY); // gives up on "dead" on the way
    await first.send(step('waiting'));
    await first.send(step('delayed'), { delaySeconds: 60 });
    await first.close();

    const queue = openQueue({ maxReceives: 1 });
    expect(await queue.depth()).toEqual({ visible: 1, inFlight: 1, delayed: 1, dead: 1 });
    expect((await queue.deadLetters()).map((d) => d.body)).toEqual([step('dead')]);
    expect(await names(queue)).toEqual(['waiting']);
    expect(leased?.body).toEqual(step('leased'));
    expect(await queue.delete(leased!.receiptHandle)).toBe(true);
    clock.advance(60 * SECOND);
    expect(await names(queue)).toEqual(['delayed']);
  });

  it('recovers in-flight messages at restart, and leaves delayed ones delayed', async () => {
    const first = openQueue();
    await first.send(step('leased'));
    const [leased] = await first.receive(1, VISIBILITY);
    await first.send(step('released'));
    const [released] = await first.receive(1, VISIBILITY);
    await first.release(released!.receiptHandle, 120);
    await first.send(step('delayed'), { delaySeconds: 60 });
    await first.close();

    const queue = openQueue();
    expect(await queue.recoverInFlight()).toBe(1);
    expect(await queue.depth()).toEqual({ visible: 1, inFlight: 0, delayed: 2, dead: 0 });

    const [again] = await queue.receive(10, VISIBILITY);
    expect(again).toMatchObject({ messageId: leased!.messageId, receiveCount: 2 });
    expect(await queue.delete(leased!.receiptHandle)).toBe(false);
    expect(await queue.recoverInFlight()).toBe(1);
    expect(await queue.recoverInFlight()).toBe(0);

    clock.advance(60 * SECOND);
    expect(await names(queue)).toEqual(['leased', 'delayed']);
    clock.advance(60 * SECOND);
    expect(await names(queue)).toEqual(['released']);
  });

  it('keeps queues that share a file apart', async () => {
    const steps = openQueue({ queueName: 'steps', maxReceives: 1 });
    const other = openQueue({ queueName: 'other', maxReceives: 1 });
    await steps.send(step('a'));
    expect(await other.receive(10, VISIBILITY)).toEqual([]);
    expect(await other.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0, dead: 0 });

    const [a] = await steps.receive(1, VISIBILITY);
    expect(await other.delete(a!.receiptHandle)).toBe(false);
    clock.advance((VISIBILITY + 1) * SECOND);
    await steps.receive(1, VISIBILITY);
    expect(await steps.deadLetters()).toHaveLength(1);
    expect(await other.deadLetters()).toEqual([]);
  });

  it('shares a file with the secret store', async () => {
    const store = SqliteSecretStore.open(file);
    try {
      const queue = openQueue();
      await store.createSecret(makeSecret({ name: 'app/db' }));
      await queue.send(step('app/db'));
      await queue.close();
      await store.close();

      const reopenedStore = SqliteSecretStore.open(file);
      const reopenedQueue = openQueue();
      expect(await reopenedStore.getSecret('app/db')).not.toBeNull();
      expect(await names(reopenedQueue)).toEqual(['app/db']);
      await reopenedStore.close();
    } finally {
      await store.close();
    }
  });

  it('refuses invalid numbers', async () => {
    expect(() => openQueue({ maxReceives: 0 })).toThrow(RangeError);
    const queue = openQueue();
    await expect(queue.send(step('a'), { delaySeconds: -1 })).rejects.toThrow(RangeError);
    await expect(queue.receive(1, Number.NaN)).rejects.toThrow(RangeError);
    await expect(queue.release('handle', Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
  });
});
