/**
 * Races for one secret: 100 concurrent RotateSecret calls through the official KMS SDK and the
 * local runtime's real HTTP API (once with 100 distinct VersionIds, once all with the same one),
 * and a manual rotation racing the rotate timer's tick. Each race ends in exactly one rotation:
 * one claim, one new version, one rotation.started and one rotation.succeeded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { eventually, readEvents } from '../support/e2e.js';
import { callAction, createKmsSdkClient, type KmsClient } from '../support/kms-sdk-client.js';
import { DAY, SECOND } from '../support/manual-clock.js';
import { tempDir, testConfig, type TempDir } from '../support/runtime.js';
import { createHarness } from '../support/service-harness.js';
import { createFaultReport } from './fault-artifacts.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const CALLS = 100;
const GENERATED = '{"SecretSubType":"GeneratedPassword"}';
const report = createFaultReport('concurrency');
let dir: TempDir;
let runtime: LocalRuntime;
let sdk: KmsClient;

beforeAll(async () => {
  dir = tempDir('rotor-faults-race-');
  // The queue trigger is played by drainQueue after each burst, so no rotation can finish (and
  // free the secret for a second one) while the calls are still arriving.
  runtime = await startLocalRuntime({ config: testConfig(dir.path), timers: false, queue: false });
  const { accessKeyId, accessKeySecret } = runtime.container.rootCredentials;
  sdk = createKmsSdkClient(Number(new URL(runtime.url).port), accessKeyId, accessKeySecret);
}, 30_000);

afterAll(async () => {
  report.write();
  await runtime?.stop();
  dir?.remove();
});

interface CallOutcome {
  ok: boolean;
  code: string;
  status: number;
}

const rotate = (name: string, versionId: string): Promise<CallOutcome> =>
  callAction(sdk, 'RotateSecret', { SecretName: name, VersionId: versionId }).then(
    () => ({ ok: true, code: '', status: 200 }),
    (e: { data?: { Code?: string; HttpStatus?: number } }) => ({ ok: false, code: e.data?.Code ?? 'NoResponse', status: e.data?.HttpStatus ?? 0 }),
  );

const eventsOf = (name: string, type: string) => readEvents(dir.path).filter((e) => e.subject === name && e.type === `com.secretrotor.${type}`);

const versionIdsOf = async (name: string): Promise<string[]> => {
  const res = (await callAction(sdk, 'ListSecretVersionIds', { SecretName: name, IncludeDeprecated: 'true', PageSize: '100' })) as {
    VersionIds: { VersionId: Array<{ VersionId: string }> };
  };
  return res.VersionIds.VersionId.map((v) => v.VersionId).sort();
};

/** Plays the queue trigger until the queue is empty; returns how many steps ran. */
const drainQueue = async (): Promise<number> => {
  const queue = runtime.container.localQueue;
  if (!queue) throw new Error('the local runtime has no local queue');
  let ran = 0;
  for (;;) {
    const [leased] = await queue.receive(1, 30);
    if (!leased) return ran;
    await runtime.container.service.runRotationStep(leased.body);
    await queue.delete(leased.receiptHandle);
    ran++;
  }
};

const waitForRotation = async (name: string) => {
  await drainQueue();
  return eventually(
    async () => (eventsOf(name, 'rotation.succeeded').length + eventsOf(name, 'rotation.failed').length > 0 ? true : undefined),
    `the rotation of ${name}`,
    20_000,
  );
};

/** Every caller got an answer: 200, or a KMS 4xx saying another rotation holds the secret. */
const tally = (outcomes: CallOutcome[]) => {
  const codes: Record<string, number> = {};
  for (const o of outcomes) codes[o.ok ? 'Success' : o.code] = (codes[o.ok ? 'Success' : o.code] ?? 0) + 1;
  for (const o of outcomes.filter((x) => !x.ok)) {
    expect(o.status, `${o.code} answered with ${o.status}`).toBeGreaterThanOrEqual(400);
    expect(o.status).toBeLessThan(500);
  }
  return codes;
};

describe(`${CALLS} concurrent RotateSecret calls on one secret, official SDK over the local runtime`, () => {
  it('distinct VersionIds: exactly one rotation, one new version, the others refused with a 4xx', async () => {
    const name = 'race-distinct';
    await callAction(sdk, 'CreateSecret', { SecretName: name, VersionId: 'v0', SecretData: 'initial-value-distinct', ExtendedConfig: GENERATED });
    const outcomes = await Promise.all(Array.from({ length: CALLS }, (_, i) => rotate(name, `r-${i}`)));
    const codes = tally(outcomes);
    expect(codes.Success).toBe(1);
    const stepMessages = await drainQueue();
    await waitForRotation(name);

    const winner = `r-${outcomes.findIndex((o) => o.ok)}`;
    expect(await versionIdsOf(name)).toEqual([winner, 'v0'].sort());
    expect(eventsOf(name, 'rotation.started')).toHaveLength(1);
    expect(eventsOf(name, 'rotation.succeeded')).toHaveLength(1);
    expect(eventsOf(name, 'rotation.failed')).toHaveLength(0);
    const current = (await callAction(sdk, 'GetSecretValue', { SecretName: name })) as { VersionId: string };
    expect(current.VersionId).toBe(winner);
    report.record('distinct VersionIds', { calls: CALLS, answers: codes, stepMessagesDelivered: stepMessages, rotations: 1, versionsCreated: 1 });
  });

  it('one VersionId for every call: every call succeeds (idempotent), exactly one rotation', async () => {
    const name = 'race-same';
    await callAction(sdk, 'CreateSecret', { SecretName: name, VersionId: 'v0', SecretData: 'initial-value-same', ExtendedConfig: GENERATED });
    const outcomes = await Promise.all(Array.from({ length: CALLS }, () => rotate(name, 'the-one')));
    const codes = tally(outcomes);
    expect(codes).toEqual({ Success: CALLS });
    // Repeats arrive while the first step is fresh: none queues it again, so a retry storm adds no messages.
    const stepMessages = await drainQueue();
    expect(stepMessages).toBe(5); // the four steps and the finalize after promote
    await waitForRotation(name);

    expect(await versionIdsOf(name)).toEqual(['the-one', 'v0']);
    expect(eventsOf(name, 'rotation.started')).toHaveLength(1);
    expect(eventsOf(name, 'rotation.succeeded')).toHaveLength(1);
    expect(eventsOf(name, 'rotation.step.succeeded')).toHaveLength(4);
    report.record('equal VersionIds', { calls: CALLS, answers: codes, stepMessagesDelivered: stepMessages, rotations: 1, versionsCreated: 1 });
  });
});

describe('a manual rotation racing the rotate timer tick', () => {
  const ROUNDS = 10;

  it.each([
    { order: 'tick first', tickFirst: true },
    { order: 'RotateSecret first', tickFirst: false },
  ])('$order, over 10 rounds: exactly one rotation each time', async ({ order, tickFirst }) => {
    const h = await createHarness();
    try {
      await h.service.createSecret({ secretName: 'timer-race', versionId: 'v0', secretData: 'initial-timer', extendedConfig: GENERATED });
      await h.service.updateRotationPolicy({ secretName: secretIdOf('timer-race'), enableAutomaticRotation: true, rotationInterval: '7d' });
      const answers = { manualStarted: 0, manualRefused: 0, tickActed: 0 };
      for (let round = 1; round <= ROUNDS; round++) {
        h.clock.advance(8 * DAY);
        const manual = () =>
          h.service.rotateSecret({ secretName: secretIdOf('timer-race'), versionId: `manual-${round}` }).then(
            (r) => (r.started ? 'started' : 'not-started'),
            (e: { code?: string }) => e.code ?? 'error',
          );
        const tick = () => h.service.scheduleDueRotations();
        // The second caller starts 0..9 event-loop turns later: each round interleaves the two differently.
        const later = async <T>(call: () => Promise<T>): Promise<T> => {
          for (let turn = 1; turn < round; turn++) await new Promise((resolve) => setImmediate(resolve));
          return call();
        };
        const [first, second] = tickFirst ? [tick(), later(manual)] : [manual(), later(tick)];
        const [a, b] = await Promise.all([first, second]);
        const manualResult = (tickFirst ? b : a) as string;
        const tickResult = (tickFirst ? a : b) as { acted: number };
        if (manualResult === 'started') answers.manualStarted++;
        else {
          expect(manualResult).toBe('Rejected.RotationInProgress');
          answers.manualRefused++;
        }
        answers.tickActed += tickResult.acted;
        // One claim between the two, never both.
        expect((manualResult === 'started' ? 1 : 0) + tickResult.acted).toBe(1);
        await h.pump();
        h.clock.advance(SECOND);
      }
      const count = (type: string) => h.eventTypes().filter((t) => t === type).length;
      expect(count('rotation.started')).toBe(ROUNDS);
      expect(count('rotation.succeeded')).toBe(ROUNDS);
      expect((await h.store.listVersions('timer-race')).length).toBe(ROUNDS + 1);
      report.record(`manual vs timer, ${order}`, { rounds: ROUNDS, ...answers, rotations: count('rotation.succeeded'), versionsCreated: ROUNDS });
    } finally {
      await h.close();
    }
  });
});
