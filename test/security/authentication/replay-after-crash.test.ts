/**
 * Attacker's goal at the replay boundary across a crash: replay a signed request that was already
 * answered, by catching the runtime between the answer and the moment its nonce reached the disk.
 * The nonce store batches its writes (about every 20 ms); a `kill -9` (or a crash, an OOM kill)
 * right after an answer used to lose that batch, so the same request passed again after the restart.
 * Every answered request's nonce must survive the kill: the replay is refused with SignatureNonceUsed.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { callAction, createKmsSdkClient } from '../../support/kms-sdk-client.js';
import { killAllRuntimeProcesses, readRootCredentials, startRuntimeProcess, type RuntimeProcess } from '../../support/runtime-process.js';
import { tempDir, type TempDir } from '../../support/runtime.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { signedV1 } from '../support/signed-requests.js';
import type { HttpShape } from '../support/wire.js';

const tally = new BoundaryTally('authentication', import.meta.url);
const SECRET = 'crash/replay';
const VALUE = 'read-once-then-crash-71d2';
/** Requests answered just before each kill: the batch the crash would lose holds all of them. */
const BURST = 20;
const ROUNDS = 3;

const dirs: TempDir[] = [];
afterEach(killAllRuntimeProcesses);
afterAll(() => {
  tally.write();
  for (const d of dirs) d.remove();
});

const send = (runtime: RuntimeProcess, shape: HttpShape): Promise<{ status: number; text: string }> =>
  fetch(`${runtime.url}${shape.path}`, { method: shape.method }).then(async (res) => ({ status: res.status, text: await res.text() }));

describe('a request answered just before kill -9 cannot be replayed after the restart', () => {
  it(`refuses every replay of ${BURST} reads answered right before the kill, over ${ROUNDS} crashes`, async () => {
    const dir = tempDir('rotor-replay-crash-');
    dirs.push(dir);
    let runtime = await startRuntimeProcess({ dataDir: dir.path });
    const root = readRootCredentials(dir.path);
    await callAction(createKmsSdkClient(runtime.port, root.accessKeyId, root.accessKeySecret), 'CreateSecret', {
      SecretName: SECRET,
      VersionId: 'v1',
      SecretData: VALUE,
    });
    const key = { id: root.accessKeyId, secret: root.accessKeySecret };

    for (let round = 0; round < ROUNDS; round++) {
      const requests = Array.from({ length: BURST }, () => signedV1('GetSecretValue', [['SecretName', SECRET]], key, 'query-get'));
      const answers = await Promise.all(requests.map((r) => send(runtime, r)));
      // The kill follows the last answer at once: no clean stop, no timer turn to flush on.
      runtime.child.kill('SIGKILL');
      expect(answers.map((a) => a.status)).toEqual(requests.map(() => 200));
      expect(answers.every((a) => a.text.includes(VALUE))).toBe(true);
      expect((await runtime.exited).signal).toBe('SIGKILL');

      runtime = await startRuntimeProcess({ dataDir: dir.path });
      for (const replay of await Promise.all(requests.map((r) => send(runtime, r)))) {
        tally.tried();
        if (replay.status === 200 || replay.text.includes(VALUE)) tally.crossed(`replayed after kill -9 in round ${round}: HTTP ${replay.status}`);
        expect(replay.status).toBe(400);
        expect(JSON.parse(replay.text)).toMatchObject({ Code: 'SignatureNonceUsed' });
      }
    }
    await runtime.stop('SIGTERM');
    expect(tally.crossedCount).toBe(0);
  }, 120_000);
});
