/**
 * The local runtime resumes at once what a kill -9 left between two steps: the step stored, its
 * successor never queued, the lease held by the dead process. A runtime child process stops at
 * an `after:` fault point and is SIGKILLed; the restarted one (same data dir) must finish the
 * rotation well inside the lease (60 s, the shortest), since it can tell the lease holder is gone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAULT_MARKER_ENV, FAULT_POINT_ENV } from '../../shared/runtime/fault-point.js';
import { eventually } from '../support/e2e.js';
import { callAction, createKmsSdkClient, type KmsClient } from '../support/kms-sdk-client.js';
import { killAllRuntimeProcesses, readRootCredentials, startRuntimeProcess } from '../support/runtime-process.js';
import { tempDir } from '../support/runtime.js';

const LEASE_SECONDS = 60;
const ENV = { ROTOR_LOG_LEVEL: 'warn', ROTOR_QUEUE_POLL_MS: '50', ROTOR_LEASE_SECONDS: String(LEASE_SECONDS) };
/** Far inside the lease, and the rotate timer's minute tick: only the resume at the start gets there. */
const RESUMED_WITHIN_MS = 20_000;

afterAll(killAllRuntimeProcesses);

const rotationDone = (sdk: KmsClient, name: string) =>
  eventually(
    async () => {
      const described = await callAction(sdk, 'DescribeSecret', { SecretName: name });
      if (described.RotationStatus !== 'Normal') return undefined;
      const current = await callAction(sdk, 'GetSecretValue', { SecretName: name, VersionStage: 'ACSCurrent' });
      return current.VersionId === 'r1' ? described : undefined;
    },
    `the rotation of ${name}`,
    // Long enough for the lease and the timer, so a missing resume fails on the timing below, not here.
    (LEASE_SECONDS + 90) * 1000,
  );

describe('a restarted local runtime', () => {
  for (const point of ['after:createPending', 'after:verify']) {
    it(`resumes at once a rotation killed at ${point}`, async () => {
      const dir = tempDir('rotor-resume-');
      const marker = join(dir.path, 'fault-marker.ndjson');
      const name = `app/resume/${point.replace(':', '-')}`;
      try {
        let runtime = await startRuntimeProcess({ dataDir: dir.path, env: { ...ENV, [FAULT_POINT_ENV]: point, [FAULT_MARKER_ENV]: marker } });
        const root = readRootCredentials(dir.path);
        let sdk = createKmsSdkClient(runtime.port, root.accessKeyId, root.accessKeySecret);
        const secret = { SecretName: name, VersionId: 'v0', SecretData: 'initial-value-0123', ExtendedConfig: JSON.stringify({ SecretSubType: 'GeneratedPassword' }) };
        await callAction(sdk, 'CreateSecret', secret);
        await callAction(sdk, 'RotateSecret', { SecretName: name, VersionId: 'r1' });
        await eventually(async () => (existsSync(marker) && readFileSync(marker, 'utf8').includes(point) ? true : undefined), point, 30_000);
        expect(await runtime.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

        runtime = await startRuntimeProcess({ dataDir: dir.path, env: ENV });
        const restarted = Date.now();
        sdk = createKmsSdkClient(runtime.port, root.accessKeyId, root.accessKeySecret);
        const described = await rotationDone(sdk, name);
        expect(described.LastRotationError).toBeUndefined();
        expect(Date.now() - restarted).toBeLessThan(RESUMED_WITHIN_MS);
        await runtime.stop('SIGTERM');
      } finally {
        await killAllRuntimeProcesses();
        dir.remove();
      }
    }, 240_000);
  }
});
