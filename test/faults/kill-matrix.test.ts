/**
 * kill -9 of the local runtime at every step boundary and inside every driver call, for every
 * driver kind, against real targets. Each case: a runtime child process with ROTOR_FAULT_POINT
 * set (shared/runtime/fault-point.ts) creates the secret and starts a rotation through the
 * official KMS SDK; once the rotation stops at the point (its marker line is written), ACSCurrent
 * is read and logged in with, the runtime is SIGKILLed, and restarted on the same data dir without
 * the fault. Then the rotation must complete without waiting for a lease to run out (see
 * RUNTIME_ENV), with exactly one new version; ACSCurrent must log in (and ACSPrevious where the strategy
 * promises it; otherwise it must be refused), and the target must hold no credential that no
 * stage accounts for.
 *
 * The matrix is whole: all 18 points (before and after each of the four steps and of the finalize
 * after promote, and entering and inside generate, apply, verify and finalize) for each of the 14
 * kinds: generated password; self-managed PostgreSQL and MariaDB, each single and dual; Linux SSH
 * key and password; RAM AccessKey; managed RDS on PostgreSQL and on MariaDB, each single and dual;
 * ECS key and password. 252 cases, about 14 minutes on two cores with three at once. Not killed
 * here: RAM's delayed retirement of ACSPrevious (10 min at the shortest), the retirePrevious step
 * and the driver's cleanup inside it, which only RAM has; kill-cleanup.test.ts kills those. Counts
 * go to test-artifacts/faults/kill-matrix.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_MARKER_ENV, FAULT_POINT_ENV, FAULT_STEPS } from '../../shared/runtime/fault-point.js';
import { createKmsSdkClient } from '../support/kms-sdk-client.js';
import { killAllRuntimeProcesses, PROJECT_ROOT, readRootCredentials, startRuntimeProcess, type RuntimeProcess } from '../support/runtime-process.js';
import { tempDir } from '../support/runtime.js';
import { sshdUnavailableReason } from '../support/sshd.js';
import { callAction, rotationSettled, RUNTIME_ENV, stageValue, versionsOf, waitForMarker } from './kill-case-support.js';
import { startTestbeds, targetKinds, type Target, type TargetKind, type Testbeds } from './kill-targets.js';

const skipReason = sshdUnavailableReason();
const ROTATION = 'crash';
/** Cases at once: each runs two runtime processes in turn, and the machine may have two cores. */
const PARALLEL_CASES = Number(process.env.ROTOR_KILL_MATRIX_PARALLEL ?? 3);
/** Includes the wait for a free slot: vitest's own limit on concurrent tests is not set per file. */
const CASE_TIMEOUT_MS = 900_000;
const READY_TIMEOUT_MS = 60_000;

const STEP_BOUNDARIES = FAULT_STEPS.flatMap((s) => [`before:${s}`, `after:${s}`]);
const DRIVER_CALLS = (['generate', 'apply', 'verify', 'finalize'] as const).flatMap((op) => [`enter:${op}`, `during:${op}`]);
const EVERY_POINT = [...STEP_BOUNDARIES, ...DRIVER_CALLS];
/** Where a single-credential target already holds the new value and ACSCurrent still names the old one. */
const SINGLE_CREDENTIAL_CHANGED = ['during:apply', 'after:applyToTarget', 'before:verify', 'enter:verify', 'during:verify', 'after:verify', 'before:promote'];

let beds: Testbeds;
const kinds = targetKinds(() => beds);
const MATRIX: Array<{ kind: TargetKind; points: string[] }> = [
  kinds.generic,
  kinds.postgresDual,
  kinds.postgresSingle,
  kinds.mysqlDual,
  kinds.mysqlSingle,
  kinds.sshKey,
  kinds.sshPassword,
  kinds.ram,
  kinds.rdsDual,
  kinds.rdsSingle,
  kinds.rdsMysqlDual,
  kinds.rdsMysqlSingle,
  kinds.ecsKey,
  kinds.ecsPassword,
].map((kind) => ({ kind, points: EVERY_POINT }));

interface CaseRecord {
  kind: string;
  point: string;
  completed: boolean;
  logins: number;
  failedLogins: number;
  /**
   * A single-user strategy killed between apply and promote: ACSCurrent refused at the fault, as
   * that strategy allows, and the pending value logged in instead (where the API can read it).
   */
  singleUserWindow: boolean;
  orphans: string[];
  ms: number;
  /** Milliseconds from the case's start: fault reached, runtime restarted, rotation settled. */
  phases: Record<string, number>;
}
const records: CaseRecord[] = [];
const started = Date.now();

const slots = (() => {
  let free = PARALLEL_CASES;
  const waiting: Array<() => void> = [];
  return {
    run: async <T>(work: () => Promise<T>): Promise<T> => {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await work();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free++;
      }
    },
  };
})();

const runCase = async (kind: TargetKind, point: string): Promise<void> => {
  const t0 = Date.now();
  const record: CaseRecord = { kind: kind.id, point, completed: false, logins: 0, failedLogins: 0, singleUserWindow: false, orphans: [], ms: 0, phases: {} };
  const phase = (name: string) => {
    record.phases[name] = Date.now() - t0;
  };
  records.push(record);
  const login = async (target: Target, value: string): Promise<boolean> => {
    record.logins++;
    const ok = await target.logsIn!(value);
    return ok;
  };
  const dir = tempDir('rotor-kill-');
  const marker = join(dir.path, 'fault-marker.ndjson');
  const target = await kind.create();
  let runtime: RuntimeProcess | null = null;
  try {
    runtime = await startRuntimeProcess({
      dataDir: dir.path,
      env: { ...RUNTIME_ENV, ...kind.runtimeEnv, [FAULT_POINT_ENV]: point, [FAULT_MARKER_ENV]: marker },
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    const root = readRootCredentials(dir.path);
    let sdk = createKmsSdkClient(runtime.port, root.accessKeyId, root.accessKeySecret);
    for (const params of target.setup) await callAction(sdk, 'CreateSecret', params);
    const created = await callAction(sdk, 'CreateSecret', target.secret);
    expect(created.SecretName).toBe(target.name);
    const before = await stageValue(sdk, target.name, { VersionStage: 'ACSCurrent' });
    const initialVersions = Object.keys(await versionsOf(sdk, target.name));
    expect(await callAction(sdk, 'RotateSecret', { SecretName: target.name, VersionId: ROTATION })).toMatchObject({ VersionId: ROTATION });

    await waitForMarker(marker, point, target.name);
    phase('faultReached');
    // Stopped at the point: what an application reads now must still get it in.
    if (target.logsIn) {
      const atFault = await stageValue(sdk, target.name, { VersionStage: 'ACSCurrent' });
      const currentWorks = await login(target, atFault.SecretData as string);
      if (!currentWorks && target.pendingReadable) {
        const pending = await stageValue(sdk, target.name, { VersionId: ROTATION });
        expect(pending.VersionId).toBe(ROTATION);
        const pendingWorks = await login(target, pending.SecretData as string);
        record.singleUserWindow = pendingWorks && !target.overlap;
        if (target.overlap || !pendingWorks) record.failedLogins++;
        expect({ currentWorks, overlap: target.overlap, pendingWorks }).toEqual({ currentWorks: false, overlap: false, pendingWorks: true });
      } else if (!currentWorks) {
        // A managed secret's pending value is not readable through the API (KMS ignores VersionId
        // for them): a single credential may only be refused between its apply and its promote.
        record.singleUserWindow = !target.overlap && SINGLE_CREDENTIAL_CHANGED.includes(point);
        if (!record.singleUserWindow) record.failedLogins++;
        expect({ currentWorks, overlap: target.overlap, point }).toEqual({ currentWorks: false, overlap: false, point: expect.toSatisfy((p: string) => SINGLE_CREDENTIAL_CHANGED.includes(p)) });
      }
    }

    expect(await runtime.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    runtime = await startRuntimeProcess({ dataDir: dir.path, env: { ...RUNTIME_ENV, ...kind.runtimeEnv }, readyTimeoutMs: READY_TIMEOUT_MS });
    phase('restarted');
    sdk = createKmsSdkClient(runtime.port, root.accessKeyId, root.accessKeySecret);

    const described = await rotationSettled(sdk, dir.path, target, ROTATION);
    phase('settled');
    expect(described.LastRotationError).toBeUndefined();
    const versions = await versionsOf(sdk, target.name);
    // Exactly one new version, ACSCurrent; the value before it is ACSPrevious.
    expect(Object.keys(versions).filter((v) => !initialVersions.includes(v))).toEqual([ROTATION]);
    expect(versions[ROTATION]).toEqual(['ACSCurrent']);
    expect(versions[before.VersionId as string]).toEqual(['ACSPrevious']);
    const current = (await stageValue(sdk, target.name, { VersionStage: 'ACSCurrent' })).SecretData as string;
    const previous = (await stageValue(sdk, target.name, { VersionStage: 'ACSPrevious' })).SecretData as string;
    // Compared as booleans, so a failure prints no credential.
    expect({ previousWasCurrent: previous === before.SecretData, currentIsNew: current !== previous }).toEqual({ previousWasCurrent: true, currentIsNew: true });
    record.completed = true;

    if (target.logsIn) {
      const currentWorks = await login(target, current);
      const previousWorks = await login(target, previous);
      if (!currentWorks) record.failedLogins++;
      if (target.previousWorks && !previousWorks) record.failedLogins++;
      // A retired credential that still works is an orphan.
      if (!target.previousWorks && previousWorks) record.orphans.push('the retired ACSPrevious still logs in');
      expect({ currentWorks, previousWorks }).toEqual({ currentWorks: true, previousWorks: target.previousWorks });
    }
    record.orphans.push(...(await target.orphans(current, previous)));
    expect(record.orphans).toEqual([]);
  } finally {
    record.ms = Date.now() - t0;
    // After every case, so a long run shows its progress and an interrupted one leaves its counts.
    writeArtifact();
    if (runtime) await runtime.stop('SIGKILL');
    await target.cleanup();
    dir.remove();
  }
};

describe.skipIf(skipReason !== null)(`kill -9 at every rotation point, every driver kind${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    beds = await startTestbeds();
  }, 120_000);

  afterAll(async () => {
    await killAllRuntimeProcesses();
    await beds?.stop();
    writeArtifact();
  }, 120_000);

  for (const { kind, points } of MATRIX) {
    describe.concurrent(kind.id, () => {
      for (const point of points) it(`killed at ${point}: the rotation completes, ACSCurrent logs in, nothing orphaned`, () => slots.run(() => runCase(kind, point)), CASE_TIMEOUT_MS);
    });
  }
});

const writeArtifact = (): void => {
  if (records.length === 0) return;
  const dir = join(PROJECT_ROOT, 'test-artifacts', 'faults');
  mkdirSync(dir, { recursive: true });
  const sum = (f: (r: CaseRecord) => number) => records.reduce((n, r) => n + f(r), 0);
  const summary = {
    what: 'kill -9 of the local runtime at a rotation point, restart on the same data dir, rotation completes against the real target',
    measuredAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    cases: records.length,
    rotationsCompleted: records.filter((r) => r.completed).length,
    logins: sum((r) => r.logins),
    failedLogins: sum((r) => r.failedLogins),
    orphans: sum((r) => r.orphans.length),
    // Not failures: single-user strategies have one credential, changed at apply and named by ACSCurrent only at promote.
    singleUserCurrentRefusedBetweenApplyAndPromote: records.filter((r) => r.singleUserWindow).length,
    matrix: MATRIX.map(({ kind, points }) => ({
      kind: kind.id,
      points: points.length,
      completed: records.filter((r) => r.kind === kind.id && r.completed).length,
    })),
    failures: records.filter((r) => !r.completed || r.failedLogins > 0 || r.orphans.length > 0).map((r) => ({ kind: r.kind, point: r.point, orphans: r.orphans })),
    caseTimings: records.map((r) => ({ kind: r.kind, point: r.point, ms: r.ms, ...r.phases })),
  };
  writeFileSync(join(dir, 'kill-matrix.json'), `${JSON.stringify(summary, null, 2)}\n`);
};
