/**
 * Every rotation step message delivered three times and out of order (a seeded shuffle across the
 * copies of every message of several concurrent rotations), over the SQLite queue and over the
 * MNS queue adapter talking to the MNS test server: each rotation makes exactly one new version,
 * runs each step's target work once, and ends with ACSCurrent on its new version.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteJobQueue } from '../../shared/adapters/local-queue/sqlite-job-queue.js';
import { createMnsClient } from '../../shared/adapters/mns/mns-client.js';
import { MnsJobQueue } from '../../shared/adapters/mns/mns-job-queue.js';
import { SqliteSecretStore } from '../../shared/adapters/sqlite/secret-store.js';
import type { JobQueueConsumer } from '../../shared/ports/job-queue-consumer.js';
import { ManualClock } from '../support/manual-clock.js';
import { createMnsSdkClient } from '../support/mns-server/mns-sdk.js';
import { startMnsServer } from '../support/mns-server/index.js';
import { createFaultReport } from './fault-artifacts.js';
import { createFaultService } from './fault-service.js';
import { KEYED_TARGET_CONFIG, KeyedTarget } from './keyed-target.js';
import { deliverMangled, type DeliveryStats } from './mangled-delivery.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const SECRETS = 5;
const ROUNDS = 3;
const report = createFaultReport('duplicate-delivery');
afterAll(() => report.write());

interface QueueUnderTest {
  queue: JobQueueConsumer;
  close(): Promise<void>;
}

const sqliteQueue = async (dir: string, clock: ManualClock): Promise<QueueUnderTest> => {
  const queue = SqliteJobQueue.open(join(dir, 'queue.db'), { clock, maxReceives: 10 });
  return { queue, close: () => queue.close() };
};

const mnsQueue = async (_dir: string, clock: ManualClock): Promise<QueueUnderTest> => {
  const server = await startMnsServer({ clock });
  const credentials = { accessKeyId: server.accessKeyId, accessKeySecret: server.accessKeySecret };
  const sdk = createMnsSdkClient(server.accountId, { endpoint: server.endpoint, ...credentials });
  for (const name of ['rotation-steps', 'rotation-steps-dlq']) await sdk.createQueue(name);
  const client = createMnsClient({ accountId: server.accountId, endpoint: server.endpoint, ...credentials });
  return { queue: new MnsJobQueue({ client, queueName: 'rotation-steps', maxReceives: 10, clock }), close: () => server.stop() };
};

describe.each([
  { label: 'SQLite queue', open: sqliteQueue, seed: 7 },
  { label: 'MNS queue adapter', open: mnsQueue, seed: 11 },
])('every message three times, out of order, on the $label', ({ label, open, seed }) => {
  it(`${SECRETS} secrets rotated ${ROUNDS} times: one new version per rotation, each step's target work once`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotor-faults-dup-'));
    const clock = new ManualClock();
    const store = SqliteSecretStore.open(join(dir, 'secrets.db'));
    const { queue, close } = await open(dir, clock);
    const target = new KeyedTarget();
    const f = await createFaultService({ store, queue, clock, drivers: [target] });
    const names = Array.from({ length: SECRETS }, (_, i) => `dup-${i}`);
    try {
      for (const name of names) {
        await f.service.createSecret({ secretName: name, versionId: 'v0', secretData: `initial-${name}`, extendedConfig: KEYED_TARGET_CONFIG });
        target.accept(name, `initial-${name}`);
      }
      const totals: DeliveryStats = { received: 0, delivered: 0, duplicates: 0, outOfOrder: 0, failed: 0 };
      for (let round = 1; round <= ROUNDS; round++) {
        for (const name of names) expect((await f.service.rotateSecret({ secretName: secretIdOf(name), versionId: `r${round}` })).started).toBe(true);
        const stats = await deliverMangled({ queue, clock, seed: seed + round, run: (m) => f.service.runRotationStep(m) });
        for (const key of Object.keys(totals) as (keyof DeliveryStats)[]) totals[key] += stats[key];
        for (const name of names) {
          const secret = await f.service.describeSecret(secretIdOf(name));
          expect(secret.job).toBeNull();
          expect(secret.lastRotation).toMatchObject({ versionId: `r${round}`, status: 'Succeeded' });
          expect(secret.stages).toMatchObject({ ACSCurrent: `r${round}`, ACSPrevious: round === 1 ? 'v0' : `r${round - 1}` });
          const current = await f.service.getSecretValue({ secretName: secretIdOf(name) });
          expect(target.logsIn(name, current.secretData)).toBe(true);
        }
      }

      expect(totals.duplicates).toBe(2 * totals.received);
      expect(totals.outOfOrder).toBeGreaterThan(0);
      for (const name of names) {
        const versions = await store.listVersions(name);
        expect(versions.map((v) => v.versionId).sort()).toEqual(['r1', 'r2', 'r3', 'v0']);
        const calls = target.callsOf(name);
        expect({ generate: calls.generate, apply: calls.apply, verify: calls.verify }).toEqual({ generate: ROUNDS, apply: ROUNDS, verify: ROUNDS });
        // Work after a promote may run again by design (it is idempotent), never less than once.
        expect(calls.finalize).toBeGreaterThanOrEqual(ROUNDS);
      }
      const rotations = SECRETS * ROUNDS;
      expect(f.count('rotation.started')).toBe(rotations);
      expect(f.count('rotation.succeeded')).toBe(rotations);
      expect(f.count('rotation.step.succeeded')).toBe(4 * rotations);
      expect(f.count('rotation.failed')).toBe(0);
      report.record(label, {
        messagesReceived: totals.received,
        deliveries: totals.delivered,
        duplicatesDelivered: totals.duplicates,
        outOfOrderDeliveries: totals.outOfOrder,
        rotations,
        versionsCreated: SECRETS * ROUNDS,
        rotationsCompleted: f.count('rotation.succeeded'),
        rotationsFailed: f.count('rotation.failed'),
        finalizeRuns: names.reduce((sum, n) => sum + target.callsOf(n).finalize, 0),
      });
    } finally {
      await close();
      await store.close();
      f.removeKeyDir();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
