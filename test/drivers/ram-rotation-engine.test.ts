/**
 * The real service (SQLite store and queue, local master key, queue pump) rotating managed RAM
 * secrets against the RAM OpenAPI test server. After every rotation ACSCurrent authenticates for
 * real, the user never holds more than two keys, ACSPrevious works until its window ends and is
 * then disabled and deleted by the engine's delayed cleanup, and replayed or out-of-order step
 * messages (a runtime killed between steps) leave no orphaned key.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STAGE_CURRENT } from '../../shared/domain/secret.js';
import type { RotationMessage } from '../../shared/ports/job-queue.js';
import { SECOND } from '../support/manual-clock.js';
import { idOf, keyIdsOf, logsInWith, ramDriverFor } from '../support/ram-driver-fixtures.js';
import { startRamOpenApiServer, type IssuedKey, type RamOpenApiTestServer } from '../support/ram-openapi-server/index.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const WINDOW_SECONDS = 600;
let server: RamOpenApiTestServer;
let h: Harness;
let users = 0;

beforeAll(async () => {
  server = await startRamOpenApiServer();
});
afterAll(async () => server?.stop());
afterEach(async () => h?.close());

const setup = async (initialSecret?: (key: IssuedKey) => string) => {
  h = await createHarness({ drivers: [ramDriverFor(server)] });
  const userName = `engine-user-${++users}`;
  server.addUser(userName);
  const key = server.issueKey(userName);
  const created = await h.service.createSecret({
    secretName: '$Auto',
    secretType: 'RAMCredentials',
    versionId: 'v0',
    secretData: JSON.stringify({ AccessKeys: [{ AccessKeyId: key.accessKeyId, AccessKeySecret: initialSecret?.(key) ?? key.accessKeySecret }] }),
    extendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: userName, PreviousKeyWindow: '10m' }),
  });
  return { userName, key, name: created.secret.name };
};

const valueAt = async (name: string, versionStage: string) => (await h.service.getSecretValue({ secretName: secretIdOf(name), versionStage })).secretData;

describe('the rotation engine with the RAM AccessKey driver', () => {
  it('names the secret after the user and stores the output format', async () => {
    const { userName, key, name } = await setup();
    expect(name).toBe(`acs/ram/user/${userName}`);
    expect(JSON.parse(await valueAt(name, 'ACSCurrent'))).toEqual({
      AccessKeyId: key.accessKeyId,
      AccessKeySecret: key.accessKeySecret,
      GenerateTimestamp: key.createDate,
    });
  });

  it('rotates three times: ACSCurrent authenticates, never more than two keys, the old-old key is gone, ACSPrevious is retired after its window', async () => {
    const { userName, name } = await setup();
    const history = [await valueAt(name, 'ACSCurrent')];
    for (let i = 1; i <= 3; i++) {
      expect((await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: `r${i}` })).started).toBe(true);
      // The four steps and the finalize after the promote: the delayed cleanup stays queued while its window runs.
      expect(await h.pump(5)).toBe(5);
      expect((await h.service.describeSecret(secretIdOf(name))).lastRotation).toMatchObject({ versionId: `r${i}`, status: 'Succeeded' });
      const current = await valueAt(name, 'ACSCurrent');
      const previous = await valueAt(name, 'ACSPrevious');
      expect(previous).toBe(history.at(-1));
      history.push(current);
      expect(await logsInWith(server, current, userName)).toBe(true);
      expect(await logsInWith(server, previous, userName)).toBe(true);
      const keys = keyIdsOf(server, userName);
      expect(keys.sort()).toEqual([idOf(current), idOf(previous)].sort());
      if (i >= 2) expect(await logsInWith(server, history[i - 2] as string, userName)).toBe(false);
    }

    // The window ends: the engine's delayed cleanup disables and deletes ACSPrevious.
    const started = h.clock.now();
    expect(await h.pump()).toBe(3);
    expect(h.clock.now() - started).toBeGreaterThanOrEqual(WINDOW_SECONDS * SECOND);
    const current = await valueAt(name, 'ACSCurrent');
    expect(keyIdsOf(server, userName)).toEqual([idOf(current)]);
    expect(await logsInWith(server, current, userName)).toBe(true);
    expect(await logsInWith(server, await valueAt(name, 'ACSPrevious'), userName)).toBe(false);

    const published = JSON.stringify(h.events.events);
    for (const value of history) expect(published).not.toContain(JSON.parse(value).AccessKeySecret);
  });

  it('ACSPrevious keeps working until the window ends, not after', async () => {
    const { userName, name } = await setup();
    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' });
    await h.pump(5);
    const previous = await valueAt(name, 'ACSPrevious');
    h.clock.advance((WINDOW_SECONDS - 5) * SECOND);
    const [early] = await h.queue.receive(1, 30);
    expect(early).toBeUndefined();
    expect(await logsInWith(server, previous, userName)).toBe(true);
    expect(await h.pump()).toBe(1);
    expect(await logsInWith(server, previous, userName)).toBe(false);
  });

  it('heals an invalid initial AccessKey secret with the first rotation (seed 003)', async () => {
    const { userName, key, name } = await setup(() => 'this-is-not-the-secret');
    expect(await logsInWith(server, await valueAt(name, 'ACSCurrent'), userName)).toBe(false);
    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' });
    await h.pump();
    expect((await h.service.describeSecret(secretIdOf(name))).lastRotation).toMatchObject({ status: 'Succeeded' });
    const current = await valueAt(name, 'ACSCurrent');
    expect(await logsInWith(server, current, userName)).toBe(true);
    expect(keyIdsOf(server, userName)).toEqual([idOf(current)]);
    expect(keyIdsOf(server, userName)).not.toContain(key.accessKeyId);
  });

  it('crash safety: every step run twice and every earlier message replayed out of order leaves ≤ 2 keys and no orphan', async () => {
    const { userName, name } = await setup();
    for (let i = 1; i <= 3; i++) {
      await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: `r${i}` });
      const seen: RotationMessage[] = [];
      for (;;) {
        const [m] = await h.queue.receive(1, 30);
        if (!m) break;
        // A runtime killed after the step but before the ack: the message comes back and runs again.
        await h.service.runRotationStep(m.body);
        expect(keyIdsOf(server, userName).length).toBeLessThanOrEqual(2);
        await h.service.runRotationStep(m.body);
        // Stale deliveries of earlier steps arrive late.
        for (const old of [...seen].reverse()) await h.service.runRotationStep(old);
        expect(keyIdsOf(server, userName).length).toBeLessThanOrEqual(2);
        seen.push(m.body);
        await h.queue.delete(m.receiptHandle);
      }
      expect((await h.service.describeSecret(secretIdOf(name))).lastRotation).toMatchObject({ versionId: `r${i}`, status: 'Succeeded' });
      const current = await valueAt(name, 'ACSCurrent');
      const previous = await valueAt(name, 'ACSPrevious');
      expect(await logsInWith(server, current, userName)).toBe(true);
      const tracked = new Set([idOf(current), idOf(previous)]);
      expect(keyIdsOf(server, userName).every((id) => tracked.has(id))).toBe(true);
    }
  });

  it('a generate that died after CreateAccessKey leaves an orphan the next attempt removes', async () => {
    const { userName, name } = await setup();
    const secret = await h.service.describeSecret(secretIdOf(name));
    const driver = ramDriverFor(server);
    // The crash: the key was created but its version never stored.
    const orphan = await driver.generate({
      secret: { name, type: 'RAMCredentials', extendedConfig: JSON.parse(secret.extendedConfig ?? '{}') as Record<string, unknown> },
      currentValue: await valueAt(name, 'ACSCurrent'),
      previousValue: null,
    });
    expect(keyIdsOf(server, userName)).toHaveLength(2);
    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' });
    await h.pump(5);
    const current = await valueAt(name, 'ACSCurrent');
    expect(keyIdsOf(server, userName).sort()).toEqual([idOf(current), idOf(await valueAt(name, 'ACSPrevious'))].sort());
    expect(keyIdsOf(server, userName)).not.toContain(idOf(orphan.value));
  });

  it('deleting the secret never deletes the user\'s keys, not even a pending cleanup', async () => {
    const { userName, name } = await setup();
    await h.service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' });
    await h.pump(5);
    const before = keyIdsOf(server, userName).sort();
    await h.service.deleteSecret({ secretName: secretIdOf(name), recoveryWindowInDays: 7 });
    await h.pump();
    expect(keyIdsOf(server, userName).sort()).toEqual(before);
    expect((await h.service.describeSecret(secretIdOf(name))).stages[STAGE_CURRENT]).toBeDefined();
  });
});
