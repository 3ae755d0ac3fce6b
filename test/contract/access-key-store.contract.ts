/**
 * The AccessKeyStore and AuditLog contract: what every adapter pair (SQLite, Tablestore) must do,
 * tested only through the ports. Run it from an adapter's test file with a factory for that adapter.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessKeyRecord } from '../../shared/domain/access-key.js';
import { ConflictError } from '../../shared/domain/errors.js';
import type { AccessKeyStore } from '../../shared/ports/access-key-store.js';
import type { AuditLog, AuditRecord } from '../../shared/ports/audit-log.js';
import { FIXTURE_TIME } from '../support/fixtures.js';

export interface AccessControlStores {
  keys: AccessKeyStore;
  audit: AuditLog;
}

export interface AccessKeyStoreHarness extends AccessControlStores {
  /** Closes the current stores and opens new ones on the same data; absent for non-durable stores. */
  reopen?: () => Promise<AccessControlStores>;
  /** Closes whatever is open and removes its data. */
  cleanup: () => Promise<void>;
}

const T = FIXTURE_TIME;
const MINUTE = 60_000;

const makeKey = (overrides: Partial<AccessKeyRecord> = {}): AccessKeyRecord => ({
  accessKeyId: 'LTAIkey000000000000001',
  sealedSecret: {
    alg: 'AES-256-GCM',
    keyId: 'master-1',
    wrappedKey: 'd3JhcHBlZA==',
    iv: 'aXZpdml2aXZpdml2',
    tag: 'dGFndGFndGFndGFndGFnIQ==',
    ciphertext: 'Y2lwaGVydGV4dA==',
  },
  status: 'Active',
  description: 'orders service, "prod" – ünïcödé',
  createdAt: T,
  updatedAt: T,
  policies: [
    { name: 'read-app', document: '{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:GetSecretValue","Resource":"*"}]}' },
    { name: 'zz-deny', document: '{"Version":"1","Statement":[{"Effect":"Deny","Action":"kms:*","Resource":"acs:kms:*:*:secret/ops-*"}]}' },
  ],
  revision: 1,
  ...overrides,
});

const makeRecord = (overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  requestId: `req-${Math.random().toString(36).slice(2)}`,
  time: T,
  accessKeyId: 'LTAIkey000000000000001',
  action: 'GetSecretValue',
  secretName: 'app-db',
  outcome: 'Success',
  errorCode: null,
  sourceIp: '192.0.2.7',
  ...overrides,
});

const expectConflict = async (promise: Promise<unknown>): Promise<void> => {
  await expect(promise).rejects.toBeInstanceOf(ConflictError);
};

export function accessKeyStoreContract(label: string, factory: () => Promise<AccessKeyStoreHarness>): void {
  describe(`AccessKeyStore and AuditLog contract: ${label}`, () => {
    let harness: AccessKeyStoreHarness;
    let keys: AccessKeyStore;
    let audit: AuditLog;

    beforeEach(async () => {
      harness = await factory();
      ({ keys, audit } = harness);
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    describe('access keys', () => {
      it('stores a created key with revision 1 and returns it from get, field for field', async () => {
        const key = makeKey({ revision: 9 });
        expect(await keys.createAccessKey(key)).toEqual({ ...key, revision: 1 });
        expect(await keys.getAccessKey(key.accessKeyId)).toEqual({ ...key, revision: 1 });
      });

      it('returns null for a key that does not exist', async () => {
        expect(await keys.getAccessKey('LTAImissing')).toBeNull();
      });

      it('refuses to create an id that is taken, and keeps the first key', async () => {
        await keys.createAccessKey(makeKey({ description: 'first' }));
        await expectConflict(keys.createAccessKey(makeKey({ description: 'second' })));
        expect((await keys.getAccessKey(makeKey().accessKeyId))?.description).toBe('first');
      });

      it('updates at the expected revision and returns the key at the next one', async () => {
        const created = await keys.createAccessKey(makeKey());
        const updated = await keys.updateAccessKey({ ...created, status: 'Inactive', policies: [], updatedAt: T + MINUTE }, 1);
        expect(updated).toMatchObject({ status: 'Inactive', policies: [], updatedAt: T + MINUTE, revision: 2 });
        expect(await keys.getAccessKey(created.accessKeyId)).toEqual(updated);
      });

      it('refuses an update from a stale revision, or of a key that is gone, and changes nothing', async () => {
        const created = await keys.createAccessKey(makeKey());
        await keys.updateAccessKey({ ...created, description: 'second' }, 1);
        await expectConflict(keys.updateAccessKey({ ...created, description: 'stale' }, 1));
        expect(await keys.getAccessKey(created.accessKeyId)).toMatchObject({ description: 'second', revision: 2 });
        await expectConflict(keys.updateAccessKey(makeKey({ accessKeyId: 'LTAIgone' }), 1));
        expect(await keys.getAccessKey('LTAIgone')).toBeNull();
      });

      it('lets exactly one of two updates from the same revision win', async () => {
        const created = await keys.createAccessKey(makeKey());
        const results = await Promise.allSettled([
          keys.updateAccessKey({ ...created, description: 'a' }, 1),
          keys.updateAccessKey({ ...created, description: 'b' }, 1),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        expect((await keys.getAccessKey(created.accessKeyId))?.revision).toBe(2);
      });

      it('deletes a key with its policies, and reports whether there was one', async () => {
        await keys.createAccessKey(makeKey());
        expect(await keys.deleteAccessKey(makeKey().accessKeyId)).toBe(true);
        expect(await keys.getAccessKey(makeKey().accessKeyId)).toBeNull();
        expect(await keys.deleteAccessKey(makeKey().accessKeyId)).toBe(false);
        // The id is free again.
        expect((await keys.createAccessKey(makeKey({ policies: [] }))).policies).toEqual([]);
      });

      it('lists every key oldest first, ties by id', async () => {
        expect(await keys.listAccessKeys()).toEqual([]);
        await keys.createAccessKey(makeKey({ accessKeyId: 'LTAIc', createdAt: T + 2 }));
        await keys.createAccessKey(makeKey({ accessKeyId: 'LTAIb', createdAt: T + 1 }));
        await keys.createAccessKey(makeKey({ accessKeyId: 'LTAIa', createdAt: T + 2 }));
        const listed = await keys.listAccessKeys();
        expect(listed.map((k) => k.accessKeyId)).toEqual(['LTAIb', 'LTAIa', 'LTAIc']);
        expect(listed[0]).toEqual({ ...makeKey({ accessKeyId: 'LTAIb', createdAt: T + 1 }), revision: 1 });
      });
    });

    describe('audit log', () => {
      const appendAll = async (records: AuditRecord[]): Promise<void> => {
        for (const record of records) await audit.append(record);
      };
      const ids = (records: AuditRecord[]): string[] => records.map((r) => r.requestId);
      const all = { offset: 0, limit: 100 };

      it('returns appended records newest first, field for field (nulls kept)', async () => {
        const older = makeRecord({ requestId: 'r1', time: T });
        const newer = makeRecord({
          requestId: 'r2',
          time: T + 1,
          action: 'CreateAccessKey',
          secretName: null,
          outcome: 'Failure',
          errorCode: 'Forbidden.NoPermission',
          sourceIp: '2001:db8::7',
        });
        await appendAll([older, newer]);
        expect(await audit.query(all)).toEqual({ records: [newer, older], total: 2 });
      });

      it('keeps one record when the same one is appended twice', async () => {
        const record = makeRecord({ requestId: 'again' });
        await audit.append(record);
        await audit.append(record);
        expect(await audit.query(all)).toEqual({ records: [record], total: 1 });
      });

      it('filters by key, secret and action, each alone and together', async () => {
        await appendAll([
          makeRecord({ requestId: 'a', time: T + 1, accessKeyId: 'K1', secretName: 'app-db', action: 'GetSecretValue' }),
          makeRecord({ requestId: 'b', time: T + 2, accessKeyId: 'K2', secretName: 'app-db', action: 'GetSecretValue' }),
          makeRecord({ requestId: 'c', time: T + 3, accessKeyId: 'K1', secretName: 'ops-db', action: 'DescribeSecret' }),
          makeRecord({ requestId: 'd', time: T + 4, accessKeyId: 'K1', secretName: null, action: 'ListSecrets' }),
        ]);
        expect(ids((await audit.query({ ...all, accessKeyId: 'K1' })).records)).toEqual(['d', 'c', 'a']);
        expect(ids((await audit.query({ ...all, secretName: 'app-db' })).records)).toEqual(['b', 'a']);
        expect(ids((await audit.query({ ...all, action: 'DescribeSecret' })).records)).toEqual(['c']);
        expect(await audit.query({ ...all, accessKeyId: 'K1', secretName: 'app-db', action: 'GetSecretValue' })).toMatchObject({
          records: [{ requestId: 'a' }],
          total: 1,
        });
        expect(await audit.query({ ...all, accessKeyId: 'K3' })).toEqual({ records: [], total: 0 });
      });

      it('selects a time window, from inclusive and to exclusive', async () => {
        await appendAll([0, 1, 2, 3].map((i) => makeRecord({ requestId: `t${i}`, time: T + i * MINUTE })));
        expect(ids((await audit.query({ ...all, from: T + MINUTE })).records)).toEqual(['t3', 't2', 't1']);
        expect(ids((await audit.query({ ...all, to: T + 2 * MINUTE })).records)).toEqual(['t1', 't0']);
        expect(ids((await audit.query({ ...all, from: T + MINUTE, to: T + 3 * MINUTE })).records)).toEqual(['t2', 't1']);
        expect(await audit.query({ ...all, from: T + 2 * MINUTE, to: T + 2 * MINUTE })).toEqual({ records: [], total: 0 });
        expect(await audit.query({ ...all, from: T + 3 * MINUTE, to: T })).toEqual({ records: [], total: 0 });
      });

      it('pages with offset and limit, counting every match', async () => {
        await appendAll([0, 1, 2, 3, 4].map((i) => makeRecord({ requestId: `p${i}`, time: T + i })));
        expect(await audit.query({ offset: 0, limit: 2 })).toMatchObject({ total: 5 });
        expect(ids((await audit.query({ offset: 0, limit: 2 })).records)).toEqual(['p4', 'p3']);
        expect(ids((await audit.query({ offset: 2, limit: 2 })).records)).toEqual(['p2', 'p1']);
        expect(ids((await audit.query({ offset: 4, limit: 2 })).records)).toEqual(['p0']);
        expect(await audit.query({ offset: 10, limit: 2 })).toEqual({ records: [], total: 5 });
        expect(await audit.query({ offset: 0, limit: 0 })).toEqual({ records: [], total: 5 });
      });
    });

    it('keeps keys and records across a reopen', async (ctx) => {
      if (!harness.reopen) return ctx.skip('this store is not durable (in memory)');
      const key = await keys.createAccessKey(makeKey());
      const record = makeRecord();
      await audit.append(record);

      const reopened = await harness.reopen();

      expect(await reopened.keys.getAccessKey(key.accessKeyId)).toEqual(key);
      expect(await reopened.audit.query({ offset: 0, limit: 100 })).toEqual({ records: [record], total: 1 });
    });
  });
}
