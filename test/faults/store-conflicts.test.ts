/**
 * Store conflicts forced at every conditional write of a rotation, on the SQLite store and on the
 * Tablestore store over the Tablestore test server: for N = 1, 2, ... another writer changes the
 * secret just before the engine's Nth conditional write, which then fails with the store's own
 * ConflictError. Until N passes the last write of a rotation, every run must end with exactly one
 * rotation (succeeded, or failed cleanly), one new version at most, the other writer's change kept,
 * and ACSCurrent readable, and working against the target, after every single delivery.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteJobQueue } from '../../shared/adapters/local-queue/sqlite-job-queue.js';
import { SqliteSecretStore } from '../../shared/adapters/sqlite/secret-store.js';
import { createTablestoreClient } from '../../shared/adapters/tablestore/client.js';
import { provisionTablestore } from '../../shared/adapters/tablestore/provision.js';
import { TablestoreSecretStore } from '../../shared/adapters/tablestore/secret-store.js';
import type { SecretStore } from '../../shared/ports/secret-store.js';
import { ManualClock } from '../support/manual-clock.js';
import { startTablestoreServer, type TablestoreTestServer } from '../support/tablestore-server/index.js';
import { withConflictAt } from './conflicting-store.js';
import { createFaultReport } from './fault-artifacts.js';
import { createFaultService } from './fault-service.js';
import { KEYED_TARGET_CONFIG, KeyedTarget } from './keyed-target.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

/** A rotation takes well under this many conditional writes; reaching it means the loop never ended. */
const MAX_N = 40;
const report = createFaultReport('store-conflicts');
let dir: string;
let ots: TablestoreTestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rotor-faults-conflicts-'));
  ots = await startTablestoreServer();
}, 30_000);
afterAll(async () => {
  report.write();
  await ots?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sqliteStore = async (): Promise<SecretStore> => SqliteSecretStore.open(join(dir, 'secrets.db'));

const tablestoreStore = async (): Promise<SecretStore> => {
  const client = createTablestoreClient({ endpoint: ots.endpoint, instanceName: ots.instanceName, accessKeyId: ots.accessKeyId, accessKeySecret: ots.accessKeySecret });
  await provisionTablestore({ client, tablePrefix: 'conflicts_' });
  return TablestoreSecretStore.create({ client, tablePrefix: 'conflicts_' });
};

interface RunOutcome {
  writes: number;
  conflictsInjected: number;
  succeeded: number;
  failed: number;
  deliveries: number;
  redeliveries: number;
  acsCurrentReads: number;
}

/** One rotation of a fresh secret with the race lost at write `failAt`. */
const rotateLosingAt = async (inner: SecretStore, queueFile: string, failAt: number): Promise<RunOutcome> => {
  const clock = new ManualClock();
  const queue = SqliteJobQueue.open(queueFile, { clock, maxReceives: 20 });
  const conflicting = withConflictAt(inner, failAt);
  const target = new KeyedTarget();
  const f = await createFaultService({ store: conflicting.store, queue, clock, drivers: [target] });
  const name = `conflict-${failAt}`;
  try {
    await f.service.createSecret({ secretName: name, versionId: 'v0', secretData: `initial-${failAt}`, extendedConfig: KEYED_TARGET_CONFIG });
    target.accept(name, `initial-${failAt}`);
    conflicting.arm();

    const readCurrent = async () => {
      const view = await f.service.getSecretValue({ secretName: secretIdOf(name) });
      expect(['v0', 'r1']).toContain(view.version.versionId);
      expect(target.logsIn(name, view.secretData)).toBe(true);
      return view;
    };

    // RotateSecret itself may lose its claim's race: it retries, and a caller would retry a 409.
    let started = false;
    for (let attempt = 1; attempt <= 3 && !started; attempt++) {
      started = await f.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' }).then(
        () => true,
        (error: unknown) => {
          if ((error as { code?: string }).code !== 'Rejected.ConcurrentUpdate') throw error;
          return false;
        },
      );
    }
    expect(started).toBe(true);

    let deliveries = 0;
    let redeliveries = 0;
    let reads = 0;
    for (let idle = 0; idle < 120; ) {
      const [leased] = await queue.receive(1, 30);
      if (!leased) {
        idle++;
        clock.advance(5_000);
        continue;
      }
      idle = 0;
      deliveries++;
      try {
        await f.service.runRotationStep(leased.body);
        await queue.delete(leased.receiptHandle);
      } catch (error) {
        expect((error as { code?: string }).code).toBe('Rejected.ConcurrentUpdate');
        redeliveries++;
        await queue.release(leased.receiptHandle, 1);
      }
      await readCurrent();
      reads++;
    }

    const secret = await f.service.describeSecret(secretIdOf(name));
    const succeeded = f.count('rotation.succeeded');
    const failed = f.count('rotation.failed');
    expect(secret.job).toBeNull();
    expect(succeeded + failed).toBe(1);
    const versions = (await inner.listVersions(name)).map((v) => v.versionId).sort();
    if (succeeded === 1) {
      expect(secret.stages).toMatchObject({ ACSCurrent: 'r1', ACSPrevious: 'v0' });
      expect(versions).toEqual(['r1', 'v0']);
      expect(target.callsOf(name).generate).toBe(1);
    } else {
      expect(secret.stages.ACSCurrent).toBe('v0');
      expect(secret.lastRotation?.status).toBe('Failed');
    }
    if (conflicting.stats.conflictsInjected > 0) {
      // The other writer's change survived: nothing wrote over it from a stale read.
      expect(conflicting.stats.conflictsRaised).toBe(1);
      expect(secret.description).toBe(conflicting.stats.lastForeignDescription);
    }
    await readCurrent();
    return {
      writes: conflicting.stats.conditionalWrites,
      conflictsInjected: conflicting.stats.conflictsInjected,
      succeeded,
      failed,
      deliveries,
      redeliveries,
      acsCurrentReads: reads + 1,
    };
  } finally {
    await queue.close();
    f.removeKeyDir();
  }
};

describe.each([
  { label: 'SQLite store', open: sqliteStore },
  { label: 'Tablestore store', open: tablestoreStore },
])('a conflict forced at every conditional write, $label', ({ label, open }) => {
  it('rotation completes exactly once or fails cleanly, no lost data, ACSCurrent always readable', async () => {
    const inner = await open();
    const outcomes: RunOutcome[] = [];
    try {
      for (let n = 1; n <= MAX_N; n++) {
        const outcome = await rotateLosingAt(inner, join(dir, `queue-${label.replace(/\W/g, '')}-${n}.db`), n);
        outcomes.push(outcome);
        if (outcome.conflictsInjected === 0) break; // the rotation ended before its Nth write
      }
    } finally {
      await inner.close();
    }
    const forced = outcomes.filter((o) => o.conflictsInjected > 0);
    expect(outcomes.at(-1)?.conflictsInjected).toBe(0);
    // Every conditional write of an undisturbed rotation had its turn at losing.
    expect(forced.length).toBe(outcomes.at(-1)?.writes);
    expect(forced.length).toBeGreaterThanOrEqual(5);
    report.record(label, {
      conditionalWritesPerRotation: outcomes.at(-1)?.writes,
      conflictsInjected: forced.length,
      rotationsCompleted: forced.filter((o) => o.succeeded === 1).length,
      rotationsFailedCleanly: forced.filter((o) => o.failed === 1).length,
      stepRedeliveries: forced.reduce((s, o) => s + o.redeliveries, 0),
      acsCurrentReads: forced.reduce((s, o) => s + o.acsCurrentReads, 0),
    });
  }, 120_000);
});
