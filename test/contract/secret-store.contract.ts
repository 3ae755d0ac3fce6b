/**
 * The SecretStore contract: what every store adapter (SQLite, Tablestore) must do, tested only
 * through the port. Run it from an adapter's test file with a factory for that adapter.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, KmsError } from '../../shared/domain/errors.js';
import { ownRecord } from '../../shared/domain/own-record.js';
import { STAGE_CURRENT, STAGE_PREVIOUS, stageHolder, type SecretRecord } from '../../shared/domain/secret.js';
import type { SecretStore } from '../../shared/ports/secret-store.js';
import { FIXTURE_TIME, makeJob, makeRotatingSecret, makeSecret, makeVersion } from '../support/fixtures.js';

export interface SecretStoreHarness {
  /** An empty store. */
  store: SecretStore;
  /** Closes the current store and opens a new one on the same data; absent for non-durable stores. */
  reopen?: () => Promise<SecretStore>;
  /** Closes whatever store is open and removes its data. */
  cleanup: () => Promise<void>;
}

const T = FIXTURE_TIME;
const HOUR = 3_600_000;

/** A secret with every optional field populated, to catch fields a store drops or mangles. */
const fullyPopulatedSecret = (): SecretRecord =>
  makeRotatingSecret(T + HOUR, {
    name: 'acs/ecs/i-123/root',
    type: 'ECS',
    description: 'Root password, "quoted" and ünïcödé',
    extendedConfig: '{"SecretSubType":"Password","RegionId":"cn-hangzhou","InstanceId":"i-123","CustomData":{}}',
    tags: [
      { key: 'env', value: 'prod' },
      { key: 'team', value: 'ops' },
    ],
    stages: { [STAGE_CURRENT]: 'v2', [STAGE_PREVIOUS]: 'v1' },
    job: makeJob({
      step: 'verify',
      attempt: 2,
      lastError: { code: 'Target.Unreachable', message: 'timeout' },
      lease: { owner: 'host:42:abcd', expiresAt: T + HOUR },
      reconciles: 1,
      targetKind: 'ecs',
    }),
    lastRotation: { versionId: 'v1', status: 'Abandoned', finishedAt: T - HOUR, error: { code: 'Rotation.Stalled', message: 'stalled' } },
    rotationWindow: { startedAt: T - HOUR, count: 3 },
    rotation: { lastRotatedAt: T - HOUR },
    pendingFinalize: { versionId: 'v1', lease: { owner: 'host:42:abcd', expiresAt: T + 2 * HOUR }, reconciles: 0 },
    backlog: { dueSince: T - 2 * HOUR, deferrals: 4, overdueReported: true },
    drift: { status: 'Drifted', checkedAt: T - HOUR, nextCheckAt: T + HOUR, error: { code: 'Target.AuthenticationFailed', message: 'denied' } },
    createdBy: 'LTAIcreatorkey0001',
  });

const expectConflict = async (promise: Promise<unknown>): Promise<void> => {
  await expect(promise).rejects.toBeInstanceOf(ConflictError);
};

const namesOf = (secrets: SecretRecord[]): string[] => secrets.map((s) => s.name);

export function secretStoreContract(label: string, factory: () => Promise<SecretStoreHarness>): void {
  describe(`SecretStore contract: ${label}`, () => {
    let harness: SecretStoreHarness;
    let store: SecretStore;

    beforeEach(async () => {
      harness = await factory();
      store = harness.store;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    /** Creates a secret and returns it as stored. */
    const create = (overrides: Parameters<typeof makeSecret>[0] = {}): Promise<SecretRecord> =>
      store.createSecret(makeSecret(overrides));

    describe('secrets', () => {
      it('stores a created secret with revision 1 and returns it from get, field for field', async () => {
        const secret = { ...fullyPopulatedSecret(), revision: 7 };
        const created = await store.createSecret(secret);
        expect(created).toEqual({ ...secret, revision: 1 });
        expect(await store.getSecret(secret.name)).toEqual({ ...secret, revision: 1 });
      });

      it('returns null for a secret that does not exist', async () => {
        expect(await store.getSecret('missing')).toBeNull();
      });

      it('refuses to create a name that is taken, and keeps the first secret', async () => {
        await create({ name: 'dup', description: 'first' });
        await expectConflict(store.createSecret(makeSecret({ name: 'dup', description: 'second' })));
        expect((await store.getSecret('dup'))?.description).toBe('first');
      });

      it('refuses to create a name taken by a secret pending deletion', async () => {
        await create({ name: 'dup', plannedDeleteAt: T + HOUR });
        await expectConflict(store.createSecret(makeSecret({ name: 'dup' })));
      });

      it('updates at the expected revision and bumps it', async () => {
        const created = await create({ name: 's' });
        const updated = await store.updateSecret({ ...created, description: 'changed' }, 1);
        expect(updated.revision).toBe(2);
        expect(updated.description).toBe('changed');
        expect(await store.getSecret('s')).toEqual(updated);

        const again = await store.updateSecret({ ...updated, description: 'again' }, 2);
        expect(again.revision).toBe(3);
      });

      it('keeps stage labels named like Object.prototype members as labels, through create, update and reopen', async () => {
        // JSON.parse gives `__proto__` back as an own key; a store that copied the record by assignment would drop it.
        const stages = ownRecord([[STAGE_CURRENT, 'v1'], ['__proto__', 'v1'], ['constructor', 'v2'], ['toString', 'v2']]);
        const created = await create({ name: 'labels', stages });
        const updated = await store.updateSecret({ ...created, stages: ownRecord([...Object.entries(created.stages), ['valueOf', 'v2']]) }, 1);
        if (harness.reopen) store = await harness.reopen();
        const stored = await store.getSecret('labels');
        for (const [label, versionId] of [['__proto__', 'v1'], ['constructor', 'v2'], ['toString', 'v2'], ['valueOf', 'v2']] as const) {
          expect(Object.hasOwn(updated.stages, label), label).toBe(true);
          expect(stageHolder(stored!.stages, label), label).toBe(versionId);
        }
        expect(Object.keys(stored!.stages).sort()).toEqual([STAGE_CURRENT, '__proto__', 'constructor', 'toString', 'valueOf'].sort());
      });

      it('refuses an update at a stale revision and leaves the row unchanged', async () => {
        const created = await create({ name: 's' });
        const updated = await store.updateSecret({ ...created, description: 'new' }, 1);
        await expectConflict(store.updateSecret({ ...created, description: 'stale' }, 1));
        expect(await store.getSecret('s')).toEqual(updated);
      });

      it('refuses to update a secret that does not exist', async () => {
        await expectConflict(store.updateSecret(makeSecret({ name: 'ghost' }), 1));
        expect(await store.getSecret('ghost')).toBeNull();
      });

      it('lets exactly one of two racing updates from the same revision win', async () => {
        const created = await create({ name: 's' });
        const results = await Promise.allSettled([
          store.updateSecret({ ...created, description: 'a' }, 1),
          store.updateSecret({ ...created, description: 'b' }, 1),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
        const winner = (won[0] as PromiseFulfilledResult<SecretRecord>).value;
        expect(await store.getSecret('s')).toEqual({ ...winner, revision: 2 });
      });

      it('deletes a secret with all its versions, and nothing of other secrets', async () => {
        await create({ name: 'gone' });
        await create({ name: 'kept' });
        await store.putVersion(makeVersion({ secretName: 'gone', versionId: 'v1' }));
        await store.putVersion(makeVersion({ secretName: 'gone', versionId: 'v2', createdAt: T + 1 }));
        await store.putVersion(makeVersion({ secretName: 'kept', versionId: 'v1' }));

        await store.deleteSecret('gone', 1);

        expect(await store.getSecret('gone')).toBeNull();
        expect(await store.listVersions('gone')).toEqual([]);
        expect(await store.getVersion('gone', 'v1')).toBeNull();
        expect(await store.getSecret('kept')).not.toBeNull();
        expect(await store.listVersions('kept')).toHaveLength(1);
      });

      it('refuses a delete at a stale revision and keeps the secret and its versions', async () => {
        const created = await create({ name: 's' });
        await store.putVersion(makeVersion({ secretName: 's' }));
        await store.updateSecret({ ...created, description: 'bumped' }, 1);

        await expectConflict(store.deleteSecret('s', 1));

        expect((await store.getSecret('s'))?.revision).toBe(2);
        expect(await store.listVersions('s')).toHaveLength(1);
      });

      it('refuses to delete a secret that does not exist', async () => {
        await expectConflict(store.deleteSecret('ghost', 1));
      });

      it('allows the name again once the secret is deleted', async () => {
        await create({ name: 's' });
        await store.deleteSecret('s', 1);
        expect((await create({ name: 's' })).revision).toBe(1);
      });
    });

    describe('versions', () => {
      it('writes a version once: created, then exists with the stored envelope unchanged', async () => {
        const first = makeVersion({ secretName: 's', versionId: 'v1' });
        const second = makeVersion({
          secretName: 's',
          versionId: 'v1',
          createdAt: T + 5,
          envelope: { ...first.envelope, ciphertext: Buffer.from('other').toString('base64') },
        });
        expect(await store.putVersion(first)).toBe('created');
        expect(await store.putVersion(second)).toBe('exists');
        expect(await store.getVersion('s', 'v1')).toEqual(first);
      });

      it('returns null for a version that does not exist', async () => {
        await store.putVersion(makeVersion({ secretName: 's', versionId: 'v1' }));
        expect(await store.getVersion('s', 'v2')).toBeNull();
        expect(await store.getVersion('other', 'v1')).toBeNull();
      });

      it('lists the versions of one secret, oldest first', async () => {
        await store.putVersion(makeVersion({ secretName: 's', versionId: 'middle', createdAt: T + 2 }));
        await store.putVersion(makeVersion({ secretName: 's', versionId: 'newest', createdAt: T + 3 }));
        await store.putVersion(makeVersion({ secretName: 's', versionId: 'oldest', createdAt: T + 1 }));
        await store.putVersion(makeVersion({ secretName: 's2', versionId: 'elsewhere', createdAt: T }));

        const versions = await store.listVersions('s');
        expect(versions.map((v) => v.versionId)).toEqual(['oldest', 'middle', 'newest']);
        expect(versions[0]).toEqual(makeVersion({ secretName: 's', versionId: 'oldest', createdAt: T + 1 }));
        expect(await store.listVersions('nothing')).toEqual([]);
      });
    });

    describe('listSecrets', () => {
      beforeEach(async () => {
        // Created out of name order, so ordering comes from the store.
        await create({ name: 'db/orders', type: 'Rds', tags: [{ key: 'env', value: 'prod' }] });
        await create({ name: 'app/api-key', description: 'public API key', tags: [{ key: 'env', value: 'dev' }] });
        await create({ name: 'db/users', type: 'Rds', tags: [{ key: 'env', value: 'dev' }] });
        await create({ name: 'cache/redis', type: 'Redis' });
        await create({ name: 'app/webhook', description: 'webhook signing key' });
      });

      it('pages through all secrets in name order with the total', async () => {
        const first = await store.listSecrets({ offset: 0, limit: 2, filters: [] });
        const second = await store.listSecrets({ offset: 2, limit: 2, filters: [] });
        const last = await store.listSecrets({ offset: 4, limit: 2, filters: [] });
        expect(namesOf(first.items)).toEqual(['app/api-key', 'app/webhook']);
        expect(namesOf(second.items)).toEqual(['cache/redis', 'db/orders']);
        expect(namesOf(last.items)).toEqual(['db/users']);
        expect([first.total, second.total, last.total]).toEqual([5, 5, 5]);
      });

      it('returns stored records, with their revisions', async () => {
        const page = await store.listSecrets({ offset: 0, limit: 1, filters: [] });
        expect(page.items[0]).toEqual(await store.getSecret('app/api-key'));
      });

      it('returns an empty page past the end, still with the total', async () => {
        expect(await store.listSecrets({ offset: 10, limit: 5, filters: [] })).toEqual({ items: [], total: 5 });
      });

      it('filters, counts only matches, and pages within them', async () => {
        const filters = [{ key: 'SecretType', values: ['RDS', 'Redis'] }];
        const first = await store.listSecrets({ offset: 0, limit: 2, filters });
        const second = await store.listSecrets({ offset: 2, limit: 2, filters });
        expect(namesOf(first.items)).toEqual(['cache/redis', 'db/orders']);
        expect(namesOf(second.items)).toEqual(['db/users']);
        expect([first.total, second.total]).toEqual([3, 3]);
      });

      it('ANDs different filters', async () => {
        const page = await store.listSecrets({
          offset: 0,
          limit: 10,
          filters: [
            { key: 'TagValue', values: ['dev'] },
            { key: 'SecretName', values: ['db/'] },
          ],
        });
        expect(page).toEqual({ items: [await store.getSecret('db/users')], total: 1 });
      });

      it('lists, counts and pages only the visible secrets, with or without filters', async () => {
        const visible = (secret: SecretRecord) => secret.name !== 'app/webhook' && secret.name !== 'db/orders';
        const first = await store.listSecrets({ offset: 0, limit: 2, filters: [], visible });
        const second = await store.listSecrets({ offset: 2, limit: 2, filters: [], visible });
        expect(namesOf(first.items)).toEqual(['app/api-key', 'cache/redis']);
        expect(second).toEqual({ items: [await store.getSecret('db/users')], total: 3 });
        expect(first.total).toBe(3);
        const filtered = await store.listSecrets({ offset: 0, limit: 10, filters: [{ key: 'SecretName', values: ['db/'] }], visible });
        expect(filtered).toEqual({ items: [await store.getSecret('db/users')], total: 1 });
      });

      it('returns nothing when no secret matches', async () => {
        const page = await store.listSecrets({ offset: 0, limit: 10, filters: [{ key: 'TagKey', values: ['owner'] }] });
        expect(page).toEqual({ items: [], total: 0 });
      });

      it('rejects an unknown filter key with InvalidParameter', async () => {
        const listing = store.listSecrets({ offset: 0, limit: 10, filters: [{ key: 'Color', values: ['red'] }] });
        await expect(listing).rejects.toBeInstanceOf(KmsError);
        await expect(listing).rejects.toMatchObject({ code: 'InvalidParameter' });
      });
    });

    describe('listDueForRotation', () => {
      const now = T + 10 * HOUR;

      beforeEach(async () => {
        await store.createSecret(makeRotatingSecret(now - 2 * HOUR, { name: 'due-second' }));
        await store.createSecret(makeRotatingSecret(now - 3 * HOUR, { name: 'due-first' }));
        await store.createSecret(makeRotatingSecret(now, { name: 'due-exactly-now' }));
        await store.createSecret(makeRotatingSecret(now + 1, { name: 'future' }));
        await store.createSecret(makeRotatingSecret(now - HOUR, { name: 'disabled', rotation: { enabled: false } }));
        await store.createSecret(makeRotatingSecret(now - HOUR, { name: 'deleting', plannedDeleteAt: now + HOUR }));
        await store.createSecret(makeRotatingSecret(now - HOUR, { name: 'rotating', job: makeJob() }));
        await store.createSecret(makeSecret({ name: 'never-rotates' }));
      });

      it('returns only due rows, soonest first', async () => {
        const due = await store.listDueForRotation(now, 100);
        expect(namesOf(due)).toEqual(['due-first', 'due-second', 'due-exactly-now']);
        expect(due[0]).toEqual(await store.getSecret('due-first'));
      });

      it('respects the limit, keeping the soonest', async () => {
        expect(namesOf(await store.listDueForRotation(now, 2))).toEqual(['due-first', 'due-second']);
      });

      it('returns nothing before anything is due', async () => {
        expect(await store.listDueForRotation(now - 4 * HOUR, 100)).toEqual([]);
      });

      it('drops a row once an update makes it not due, and picks one up once it becomes due', async () => {
        const first = (await store.getSecret('due-first')) as SecretRecord;
        await store.updateSecret({ ...first, job: makeJob() }, first.revision);
        const future = (await store.getSecret('future')) as SecretRecord;
        await store.updateSecret({ ...future, rotation: { ...future.rotation, nextRotationAt: now - 4 * HOUR } }, 1);

        expect(namesOf(await store.listDueForRotation(now, 100))).toEqual(['future', 'due-second', 'due-exactly-now']);
      });

      it('drops a row once it is deleted', async () => {
        await store.deleteSecret('due-first', 1);
        expect(namesOf(await store.listDueForRotation(now, 100))).toEqual(['due-second', 'due-exactly-now']);
      });
    });

    describe('listDueForPurge', () => {
      const now = T + 30 * 24 * HOUR;

      beforeEach(async () => {
        await create({ name: 'purge-second', plannedDeleteAt: now - HOUR });
        await create({ name: 'purge-first', plannedDeleteAt: now - 2 * HOUR });
        await create({ name: 'purge-now', plannedDeleteAt: now });
        await create({ name: 'later', plannedDeleteAt: now + 1 });
        await create({ name: 'alive' });
      });

      it('returns only rows whose recovery window has passed, soonest first', async () => {
        const due = await store.listDueForPurge(now, 100);
        expect(namesOf(due)).toEqual(['purge-first', 'purge-second', 'purge-now']);
        expect(due[0]).toEqual(await store.getSecret('purge-first'));
      });

      it('respects the limit, keeping the soonest', async () => {
        expect(namesOf(await store.listDueForPurge(now, 1))).toEqual(['purge-first']);
      });

      it('drops a row once it is restored', async () => {
        const first = (await store.getSecret('purge-first')) as SecretRecord;
        await store.updateSecret({ ...first, plannedDeleteAt: null }, first.revision);
        expect(namesOf(await store.listDueForPurge(now, 100))).toEqual(['purge-second', 'purge-now']);
      });
    });

    describe('listExpiredLeases', () => {
      const now = T + 10 * HOUR;
      const lease = (expiresAt: number) => ({ owner: 'worker-1', expiresAt });

      beforeEach(async () => {
        await create({ name: 'expired-second', job: makeJob({ lease: lease(now - HOUR), targetKind: 'rds-account' }) });
        await create({ name: 'expired-first', job: makeJob({ lease: lease(now - 2 * HOUR), targetKind: 'rds-account' }) });
        await create({ name: 'live', job: makeJob({ lease: lease(now + 1), targetKind: 'ram-access-key' }) });
        // A job stored before leases existed counts as expired at its step's start.
        await create({ name: 'legacy', job: makeJob({ stepStartedAt: now - 3 * HOUR }) });
        await create({
          name: 'finalize-owed',
          pendingFinalize: { versionId: 'v2', lease: lease(now - 30 * 60_000), reconciles: 1 },
        });
        await create({
          name: 'finalize-owed-deleting',
          plannedDeleteAt: now + HOUR,
          pendingFinalize: { versionId: 'v2', lease: lease(now - HOUR), reconciles: 0 },
        });
        await create({ name: 'idle' });
      });

      it('returns only rows whose lease ran out, soonest first, within the limit', async () => {
        const expired = await store.listExpiredLeases(now, 100);
        expect(namesOf(expired)).toEqual(['legacy', 'expired-first', 'expired-second', 'finalize-owed']);
        expect(expired[1]).toEqual(await store.getSecret('expired-first'));
        expect(namesOf(await store.listExpiredLeases(now, 2))).toEqual(['legacy', 'expired-first']);
      });

      it('drops a row once its lease is renewed or its job ends', async () => {
        const first = (await store.getSecret('expired-first')) as SecretRecord;
        await store.updateSecret({ ...first, job: { ...(first.job as NonNullable<SecretRecord['job']>), lease: lease(now + HOUR) } }, first.revision);
        const legacy = (await store.getSecret('legacy')) as SecretRecord;
        await store.updateSecret({ ...legacy, job: null }, legacy.revision);
        expect(namesOf(await store.listExpiredLeases(now, 100))).toEqual(['expired-second', 'finalize-owed']);
      });

      it('counts rotations in flight by driver kind, not unconfirmed finalizes', async () => {
        expect(await store.countRotationsInFlight()).toEqual({ 'rds-account': 2, 'ram-access-key': 1, '': 1 });
        const live = (await store.getSecret('live')) as SecretRecord;
        await store.updateSecret({ ...live, job: null }, live.revision);
        expect(await store.countRotationsInFlight()).toEqual({ 'rds-account': 2, '': 1 });
      });
    });

    describe('listDueForDriftCheck', () => {
      const now = T + 10 * HOUR;
      const drift = (nextCheckAt: number) => ({ status: 'InSync' as const, checkedAt: T, nextCheckAt, error: null });
      const tagged = [{ key: 'rotor:drift-check', value: '1h' }];

      beforeEach(async () => {
        await create({ name: 'never-checked', tags: tagged, createdAt: now - 5 * HOUR });
        await create({ name: 'check-due', tags: tagged, drift: drift(now - HOUR) });
        await create({ name: 'check-later', tags: tagged, drift: drift(now + 1) });
        await create({ name: 'not-opted-in', drift: drift(now - HOUR) });
        await create({ name: 'rotating', tags: tagged, job: makeJob() });
        await create({ name: 'deleting', tags: tagged, plannedDeleteAt: now + HOUR });
      });

      it('returns only opted-in secrets whose check is due, soonest first', async () => {
        const due = await store.listDueForDriftCheck(now, 100);
        expect(namesOf(due)).toEqual(['never-checked', 'check-due']);
        expect(due[1]).toEqual(await store.getSecret('check-due'));
        expect(namesOf(await store.listDueForDriftCheck(now, 1))).toEqual(['never-checked']);
      });

      it('drops a row once a check moves its next check on', async () => {
        const due = (await store.getSecret('check-due')) as SecretRecord;
        await store.updateSecret({ ...due, drift: drift(now + HOUR) }, due.revision);
        expect(namesOf(await store.listDueForDriftCheck(now, 100))).toEqual(['never-checked']);
      });
    });

    describe('claimNonce', () => {
      it('claims a new nonce once, until it expires', async () => {
        expect(await store.claimNonce('n1', T + 1000, T)).toBe(true);
        expect(await store.claimNonce('n1', T + 2000, T + 999)).toBe(false);
        expect(await store.claimNonce('n2', T + 1000, T + 999)).toBe(true);
      });

      it('lets an expired nonce be claimed again, for its new lifetime', async () => {
        expect(await store.claimNonce('n1', T + 1000, T)).toBe(true);
        expect(await store.claimNonce('n1', T + 5000, T + 1000)).toBe(true);
        expect(await store.claimNonce('n1', T + 9000, T + 4999)).toBe(false);
      });
    });

    describe('durability', () => {
      it('keeps secrets, versions, revisions and nonces across a reopen', async (ctx) => {
        const { reopen } = harness;
        if (!reopen) return ctx.skip('this store keeps no data beyond its process (no reopen)');
        const created = await store.createSecret(fullyPopulatedSecret());
        const updated = await store.updateSecret({ ...created, description: 'updated' }, 1);
        const version = makeVersion({ secretName: created.name });
        await store.putVersion(version);
        await store.claimNonce('n1', T + 1000, T);

        store = await reopen();

        expect(await store.getSecret(created.name)).toEqual(updated);
        expect(await store.listVersions(created.name)).toEqual([version]);
        expect(await store.claimNonce('n1', T + 1000, T + 1)).toBe(false);
        expect(namesOf(await store.listDueForRotation(T + 100 * HOUR, 10))).toEqual([]);
        await expectConflict(store.updateSecret(updated, 1));
        expect((await store.updateSecret({ ...updated, job: null }, 2)).revision).toBe(3);
        expect(namesOf(await store.listDueForRotation(T + 100 * HOUR, 10))).toEqual([created.name]);
      });
    });
  });
}
