/**
 * kill -9 of the local runtime in RAM's delayed cleanup, the one place the kill matrix
 * (kill-matrix.test.ts) does not reach: after a promote, the RAM driver's finalize asks for the key
 * that became ACSPrevious to be retired once its PreviousKeyWindow (10 min at the shortest) has
 * passed, and the engine queues a retirePrevious with that delay, which calls the driver's cleanup.
 *
 * Each case: a runtime child process creates a RAM secret and rotates it through the official KMS
 * SDK, so the user holds two keys and the cleanup is queued; the runtime is killed, the cleanup
 * message is made due in the queue file, and the runtime restarted with ROTOR_FAULT_POINT set.
 * Once the cleanup stops at the point, ACSCurrent must still authenticate against the RAM test
 * server; the runtime is SIGKILLed and restarted without the fault. Then the cleanup must finish:
 * the user holds only ACSCurrent's key, exactly one key was disabled and deleted, and the secret's
 * versions and stages are as the rotation left them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIN_WINDOW_SECONDS } from '../../shared/adapters/drivers/ram/config.js';
import { RETIRE_PREVIOUS } from '../../shared/ports/job-queue.js';
import { FAULT_MARKER_ENV, FAULT_POINT_ENV } from '../../shared/runtime/fault-point.js';
import { createKmsSdkClient, type KmsClient } from '../support/kms-sdk-client.js';
import { idOf, keyIdsOf, logsInWith } from '../support/ram-driver-fixtures.js';
import { startRamOpenApiServer, type RamOpenApiTestServer } from '../support/ram-openapi-server/index.js';
import { PROJECT_ROOT, readRootCredentials, startRuntimeProcess, type RuntimeProcess } from '../support/runtime-process.js';
import { tempDir } from '../support/runtime.js';
import { callAction, queuedSteps, rotationSettled, RUNTIME_ENV, stageValue, until, versionsOf, waitForMarker } from './kill-case-support.js';
import { ramKind } from './kill-targets.js';

const ROTATION = 'crash';
const CASE_TIMEOUT_MS = 240_000;
const READY_TIMEOUT_MS = 60_000;

/** The retire step's boundaries (queued work, like finalizePromoted) and the driver call inside it. */
const POINTS = ['before:retirePrevious', 'enter:cleanup', 'during:cleanup', 'after:retirePrevious'];
/** Where the retired key is already deleted when the runtime stops at the point. */
const RETIRED_AT_FAULT = ['during:cleanup', 'after:retirePrevious'];
/** The RAM actions that change a user's keys. */
const KEY_CHANGES = ['CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey'];

interface QueueRow {
  seq: number;
  body: string;
  enqueued_at: number;
  visible_at: number;
}

/**
 * Moves the queued retirePrevious of `versionId` to now. This stands for the PreviousKeyWindow
 * passing: the product allows no window shorter than 10 minutes, and the runtime under test runs
 * on the real clock. Only while no runtime has the file open. Returns the delay it was queued with.
 */
const makeRetirementDue = (dataDir: string, secretName: string, versionId: string): number => {
  const db = new Database(join(dataDir, 'queue.db'), { fileMustExist: true });
  try {
    const rows = db.prepare('SELECT seq, body, enqueued_at, visible_at FROM queue_messages').all() as QueueRow[];
    expect(rows.map((r) => JSON.parse(r.body) as unknown)).toEqual([{ secretName, versionId, step: RETIRE_PREVIOUS }]);
    const row = rows[0] as QueueRow;
    expect(row.visible_at).toBeGreaterThan(Date.now());
    expect(db.prepare('UPDATE queue_messages SET visible_at = ? WHERE seq = ?').run(Date.now(), row.seq).changes).toBe(1);
    return (row.visible_at - row.enqueued_at) / 1000;
  } finally {
    db.close();
  }
};

const deadLetterCount = (dataDir: string): number => {
  const db = new Database(join(dataDir, 'queue.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM queue_dead_letters').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

/** Counts by action of the key changes the RAM test server answered since `from` (an index into its call log). */
const keyChangesSince = (ram: RamOpenApiTestServer, from: number): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const { action } of ram.calls.slice(from)) if (KEY_CHANGES.includes(action)) counts[action] = (counts[action] ?? 0) + 1;
  return counts;
};

/** The queue holds nothing more: the retirePrevious was run and acknowledged. */
const cleanupDone = (dataDir: string): Promise<true> =>
  until(async () => (queuedSteps(dataDir)?.length === 0 ? true : undefined), 'the delayed cleanup to be acknowledged after the restart', 120_000);

/** Cases that got to their last assertion, for test-artifacts/faults/kill-cleanup.json. */
const completed: Record<string, { ms: number }> = {};

const runCase = async (point: string): Promise<void> => {
  const startedAt = Date.now();
  const ram = await startRamOpenApiServer();
  const kind = ramKind(() => ram);
  const dir = tempDir('rotor-kill-cleanup-');
  const marker = join(dir.path, 'fault-marker.ndjson');
  const target = await kind.create();
  const userName = (JSON.parse(target.secret.ExtendedConfig as string) as { UserName: string }).UserName;
  let runtime: RuntimeProcess | null = null;
  const start = async (fault: Record<string, string>): Promise<KmsClient> => {
    runtime = await startRuntimeProcess({ dataDir: dir.path, env: { ...RUNTIME_ENV, ...kind.runtimeEnv, ...fault }, readyTimeoutMs: READY_TIMEOUT_MS });
    const root = readRootCredentials(dir.path);
    return createKmsSdkClient(runtime.port, root.accessKeyId, root.accessKeySecret);
  };
  const kill = async (): Promise<void> => {
    expect(await runtime?.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    runtime = null;
  };
  try {
    // A rotation, undisturbed: ACSPrevious keeps its key for the window, and the cleanup is queued.
    let sdk = await start({});
    expect((await callAction(sdk, 'CreateSecret', target.secret)).SecretName).toBe(target.name);
    const initial = await stageValue(sdk, target.name, { VersionStage: 'ACSCurrent' });
    expect(await callAction(sdk, 'RotateSecret', { SecretName: target.name, VersionId: ROTATION })).toMatchObject({ VersionId: ROTATION });
    await rotationSettled(sdk, dir.path, target, ROTATION);
    const versions = await versionsOf(sdk, target.name);
    expect(versions).toEqual({ [initial.VersionId as string]: ['ACSPrevious'], [ROTATION]: ['ACSCurrent'] });
    const current = (await stageValue(sdk, target.name, { VersionStage: 'ACSCurrent' })).SecretData as string;
    const previous = (await stageValue(sdk, target.name, { VersionStage: 'ACSPrevious' })).SecretData as string;
    expect({ previousIsInitial: previous === initial.SecretData, currentIsNew: current !== previous }).toEqual({ previousIsInitial: true, currentIsNew: true });
    expect(keyIdsOf(ram, userName).sort()).toEqual([idOf(current), idOf(previous)].sort());
    await kill();

    expect(makeRetirementDue(dir.path, target.name, initial.VersionId as string)).toBe(MIN_WINDOW_SECONDS);
    const callsBefore = ram.calls.length;
    sdk = await start({ [FAULT_POINT_ENV]: point, [FAULT_MARKER_ENV]: marker });
    await waitForMarker(marker, point, target.name);
    // Stopped in the cleanup: ACSCurrent must still get in; ACSPrevious only until its key is deleted.
    const atFault = (await stageValue(sdk, target.name, { VersionStage: 'ACSCurrent' })).SecretData as string;
    expect({
      currentUnchanged: atFault === current,
      currentWorks: await logsInWith(ram, atFault, userName),
      previousWorks: await logsInWith(ram, previous, userName),
    }).toEqual({ currentUnchanged: true, currentWorks: true, previousWorks: !RETIRED_AT_FAULT.includes(point) });
    await kill();

    sdk = await start({});
    await cleanupDone(dir.path);
    expect(deadLetterCount(dir.path)).toBe(0);
    expect(await versionsOf(sdk, target.name)).toEqual(versions);
    const described = await callAction(sdk, 'DescribeSecret', { SecretName: target.name });
    expect({ status: described.RotationStatus, error: described.LastRotationError }).toEqual({ status: 'Normal', error: undefined });
    const currentAfter = (await stageValue(sdk, target.name, { VersionStage: 'ACSCurrent' })).SecretData as string;
    expect({
      currentUnchanged: currentAfter === current,
      currentWorks: await logsInWith(ram, currentAfter, userName),
      previousWorks: await logsInWith(ram, previous, userName),
    }).toEqual({ currentUnchanged: true, currentWorks: true, previousWorks: false });
    // Only ACSCurrent's key is left, and one key was disabled and deleted: the retired one, once.
    expect(keyIdsOf(ram, userName)).toEqual([idOf(current)]);
    expect(keyChangesSince(ram, callsBefore)).toEqual({ UpdateAccessKey: 1, DeleteAccessKey: 1 });
    completed[point] = { ms: Date.now() - startedAt };
  } finally {
    // The cast: TypeScript does not see start() and kill() assign it.
    if (runtime) await (runtime as RuntimeProcess).stop('SIGKILL');
    await target.cleanup();
    dir.remove();
    await ram.stop();
  }
};

describe("kill -9 in RAM's delayed cleanup of ACSPrevious", () => {
  afterAll(() => {
    const dir = join(PROJECT_ROOT, 'test-artifacts', 'faults');
    mkdirSync(dir, { recursive: true });
    const report = {
      suite: 'kill -9 in RAM\'s delayed cleanup (test/faults/kill-cleanup.test.ts)',
      writtenAt: new Date().toISOString(),
      what: 'RAM secret rotated, cleanup of ACSPrevious made due, runtime killed at the point, restarted: the retired key deleted once, ACSCurrent logs in throughout',
      cases: POINTS.length,
      completed: Object.keys(completed).length,
      scenarios: completed,
    };
    writeFileSync(join(dir, 'kill-cleanup.json'), `${JSON.stringify(report, null, 2)}\n`);
  });
  for (const point of POINTS) {
    it(`killed at ${point}: the retired key is deleted once, ACSCurrent logs in throughout, stages unchanged`, () => runCase(point), CASE_TIMEOUT_MS);
  }
});
