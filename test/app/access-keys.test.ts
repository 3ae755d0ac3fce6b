/** The AccessKey use cases and the audit trail over real local adapters (SQLite, local master key). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalKeyProvider } from '../../shared/adapters/local-key/local-key-provider.js';
import { MemoryEventPublisher } from '../../shared/adapters/memory-events/memory-event-publisher.js';
import { SqliteAccessKeyStore } from '../../shared/adapters/sqlite/access-key-store.js';
import { SqliteAuditLog } from '../../shared/adapters/sqlite/audit-log.js';
import { createAccessKeyService, type AccessKeyService } from '../../shared/app/access-keys.js';
import { createAuditTrail } from '../../shared/app/audit-trail.js';
import { MAX_POLICIES_PER_KEY } from '../../shared/domain/access-key.js';
import { ConflictError, KmsError } from '../../shared/domain/errors.js';
import type { AccessKeyStore } from '../../shared/ports/access-key-store.js';
import type { AuditRecord } from '../../shared/ports/audit-log.js';
import type { KeyProvider } from '../../shared/ports/key-provider.js';
import { ManualClock } from '../support/manual-clock.js';

const POLICY = JSON.stringify({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: 'acs:kms:*:*:secret/app-*' }],
});

let dir: string;
let store: SqliteAccessKeyStore;
let keys: KeyProvider;
let clock: ManualClock;
let service: AccessKeyService;
let generated: number;

const serviceOver = (s: AccessKeyStore, k: KeyProvider = keys): AccessKeyService =>
  createAccessKeyService({
    store: s,
    keys: k,
    clock,
    generate: () => ({ accessKeyId: `LTAItest${++generated}`, accessKeySecret: `secret-number-${generated}-xyz` }),
  });

const errorOf = async (promise: Promise<unknown>): Promise<KmsError> => {
  try {
    await promise;
  } catch (e) {
    return e as KmsError;
  }
  throw new Error('expected a failure');
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rotor-access-keys-'));
  store = SqliteAccessKeyStore.open(join(dir, 'secrets.db'));
  keys = await LocalKeyProvider.open(dir);
  clock = new ManualClock();
  generated = 0;
  service = serviceOver(store);
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AccessKeys', () => {
  it('creates an active key, returns its secret once and stores it sealed', async () => {
    const { key, accessKeySecret } = await service.createAccessKey({ description: 'orders' });
    expect(key).toEqual({ accessKeyId: 'LTAItest1', status: 'Active', description: 'orders', createdAt: clock.now(), policyNames: [] });
    expect(accessKeySecret).toBe('secret-number-1-xyz');

    const stored = await store.getAccessKey('LTAItest1');
    expect(JSON.stringify(stored)).not.toContain(accessKeySecret);
    expect(stored?.sealedSecret.alg).toBe('AES-256-GCM');
    expect(JSON.stringify(await service.listAccessKeys())).not.toContain(accessKeySecret);
  });

  it('resolves a key to its secret, status and parsed policies, and null for an unknown one', async () => {
    const { key, accessKeySecret } = await service.createAccessKey({});
    await service.putPolicy(key.accessKeyId, 'read-app', POLICY);
    expect(await service.resolve(key.accessKeyId)).toEqual({
      accessKeySecret,
      status: 'Active',
      policies: [{ version: '1', statements: [expect.objectContaining({ effect: 'Allow', actions: ['kms:GetSecretValue'] })] }],
      // Created at 1, moved on by the policy.
      revision: 2,
    });
    expect(await service.resolve('LTAInobody')).toBeNull();
  });

  it('opens a sealed secret once per container, and again only when it changed', async () => {
    let unwraps = 0;
    const counting: KeyProvider = {
      generateDataKey: (context) => keys.generateDataKey(context),
      decryptDataKey: (keyId, wrapped, context) => {
        unwraps++;
        return keys.decryptDataKey(keyId, wrapped, context);
      },
    };
    const counted = serviceOver(store, counting);
    const { key } = await counted.createAccessKey({});
    await counted.resolve(key.accessKeyId);
    await counted.resolve(key.accessKeyId);
    expect(unwraps).toBe(1);
  });

  it('cannot open a sealed secret moved to another key id', async () => {
    const a = await service.createAccessKey({});
    const b = await service.createAccessKey({});
    const stolen = (await store.getAccessKey(a.key.accessKeyId))?.sealedSecret;
    const victim = await store.getAccessKey(b.key.accessKeyId);
    if (!stolen || !victim) throw new Error('keys missing');
    await store.updateAccessKey({ ...victim, sealedSecret: stolen }, victim.revision);
    expect(await errorOf(serviceOver(store).resolve(b.key.accessKeyId))).toMatchObject({ code: 'InternalFailure' });
  });

  it('disables, enables and deletes; unknown keys are EntityNotExist.AccessKey', async () => {
    const { key } = await service.createAccessKey({});
    await service.setStatus(key.accessKeyId, 'Inactive');
    expect((await service.resolve(key.accessKeyId))?.status).toBe('Inactive');
    await service.setStatus(key.accessKeyId, 'Active');
    expect((await service.listAccessKeys())[0]?.status).toBe('Active');
    await service.deleteAccessKey(key.accessKeyId);
    expect(await service.resolve(key.accessKeyId)).toBeNull();

    for (const attempt of [
      service.deleteAccessKey(key.accessKeyId),
      service.setStatus(key.accessKeyId, 'Active'),
      service.putPolicy(key.accessKeyId, 'p', POLICY),
      service.getPolicy(key.accessKeyId, 'p'),
    ]) {
      expect(await errorOf(attempt)).toMatchObject({ code: 'EntityNotExist.AccessKey', httpStatus: 404 });
    }
  });

  it('refuses a description that is too long', async () => {
    expect(await errorOf(service.createAccessKey({ description: 'x'.repeat(257) }))).toMatchObject({ code: 'InvalidParameter' });
  });
});

describe('policies', () => {
  let id: string;

  beforeEach(async () => {
    id = (await service.createAccessKey({})).key.accessKeyId;
  });

  it('puts (creating or replacing), reads back as written, lists by name and deletes', async () => {
    await service.putPolicy(id, 'zeta', POLICY);
    await service.putPolicy(id, 'alpha', POLICY);
    const replaced = POLICY.replace('app-*', 'web-*');
    await service.putPolicy(id, 'zeta', replaced);
    expect(await service.getPolicy(id, 'zeta')).toEqual({ name: 'zeta', document: replaced });
    expect((await service.listAccessKeys())[0]?.policyNames).toEqual(['alpha', 'zeta']);

    await service.deletePolicy(id, 'alpha');
    expect((await service.listAccessKeys())[0]?.policyNames).toEqual(['zeta']);
    expect(await errorOf(service.deletePolicy(id, 'alpha'))).toMatchObject({ code: 'EntityNotExist.Policy', httpStatus: 404 });
    expect(await errorOf(service.getPolicy(id, 'alpha'))).toMatchObject({ code: 'EntityNotExist.Policy' });
  });

  it('refuses a bad document naming the field path, and a bad name', async () => {
    const bad = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*', Condition: { Bool: { 'acs:SecureTransport': 'maybe' } } }] });
    const error = await errorOf(service.putPolicy(id, 'p', bad));
    expect(error).toMatchObject({ code: 'InvalidParameter', httpStatus: 400 });
    expect(error.message).toBe(
      'The parameter "PolicyDocument.Statement[0].Condition.Bool.acs:SecureTransport" is invalid: must be "true" or "false".',
    );
    expect((await errorOf(service.putPolicy(id, 'p', '{'))).message).toBe('The parameter "PolicyDocument" is invalid: is not valid JSON.');
    expect(await errorOf(service.putPolicy(id, 'no spaces', POLICY))).toMatchObject({ code: 'InvalidParameter' });
    expect(await service.getPolicy(id, 'p').catch((e: KmsError) => e.code)).toBe('EntityNotExist.Policy');
  });

  it(`holds at most ${MAX_POLICIES_PER_KEY} policies per key, replacing one still works at the limit`, async () => {
    for (let i = 0; i < MAX_POLICIES_PER_KEY; i++) await service.putPolicy(id, `p${i}`, POLICY);
    expect(await errorOf(service.putPolicy(id, 'one-more', POLICY))).toMatchObject({ code: 'LimitExceeded.Policy' });
    await service.putPolicy(id, 'p0', POLICY);
  });

  it('grants nothing when a stored policy no longer parses, rather than dropping a possible Deny', async () => {
    await service.putPolicy(id, 'good', POLICY);
    const stored = await store.getAccessKey(id);
    if (!stored) throw new Error('missing');
    await store.updateAccessKey({ ...stored, policies: [...stored.policies, { name: 'legacy', document: '{"Version":"0"}' }] }, stored.revision);
    expect((await service.resolve(id))?.policies).toEqual([]);
  });

  it('retries a change that lost a race, and gives up after a few attempts', async () => {
    let conflicts = 2;
    const flaky: AccessKeyStore = Object.assign(Object.create(store) as AccessKeyStore, {
      updateAccessKey: async (...args: Parameters<AccessKeyStore['updateAccessKey']>) => {
        if (conflicts-- > 0) throw new ConflictError('AccessKey');
        return store.updateAccessKey(...args);
      },
    });
    await serviceOver(flaky).putPolicy(id, 'p', POLICY);
    expect((await service.getPolicy(id, 'p')).document).toBe(POLICY);

    conflicts = 10;
    expect(await errorOf(serviceOver(flaky).putPolicy(id, 'q', POLICY))).toBeInstanceOf(ConflictError);
  });
});

describe('audit trail', () => {
  const record: AuditRecord = {
    requestId: 'req-1',
    time: Date.UTC(2026, 0, 2, 3, 4, 5),
    accessKeyId: 'LTAIkey',
    action: 'GetSecretValue',
    secretName: 'app-db',
    outcome: 'Failure',
    errorCode: 'Forbidden.NoPermission',
    sourceIp: '192.0.2.7',
  };

  it('stores the record and publishes it as an audit event', async () => {
    const log = SqliteAuditLog.open(':memory:');
    const events = new MemoryEventPublisher();
    await createAuditTrail({ log, events }).record(record);

    expect((await log.query({ offset: 0, limit: 10 })).records).toEqual([record]);
    expect(events.events).toEqual([
      {
        specversion: '1.0',
        id: expect.any(String),
        source: 'secret-rotor',
        type: 'com.secretrotor.audit.api-call',
        subject: 'app-db',
        time: '2026-01-02T03:04:05.000Z',
        datacontenttype: 'application/json',
        data: { ...record, time: '2026-01-02T03:04:05.000Z' },
      },
    ]);
    await log.close();
  });

  it('still stores the record when publishing fails, and reports the failure', async () => {
    const log = SqliteAuditLog.open(':memory:');
    const failing = { publish: async () => Promise.reject(new Error('topic down')) };
    await expect(createAuditTrail({ log, events: failing }).record(record)).rejects.toThrow('topic down');
    expect((await log.query({ offset: 0, limit: 10 })).total).toBe(1);
    await log.close();
  });
});
