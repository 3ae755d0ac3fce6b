/**
 * The RAM test server through the official `@alicloud/ram20150501` client: it verifies every V3
 * signature with the signing key's secret, refuses unknown, deleted and Inactive keys, keeps the
 * two-keys-per-user limit, and answers with RAM's codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkRamApi, type RamApi } from '../../../shared/adapters/drivers/ram/ram-api.js';
import { startRamOpenApiServer, type RamOpenApiTestServer } from './index.js';

let server: RamOpenApiTestServer;
let manager: RamApi;
const apiFor = (accessKeyId: string, accessKeySecret: string) => sdkRamApi({ endpoint: `http://${server.endpoint}` })({ accessKeyId, accessKeySecret });
const codeOf = (promise: Promise<unknown>) => promise.then(() => 'no error', (e: { code?: string }) => e.code);

beforeAll(async () => {
  server = await startRamOpenApiServer();
  manager = apiFor(server.manager.accessKeyId, server.manager.accessKeySecret);
  server.addUser('alice');
});
afterAll(async () => server?.stop());

describe('RAM OpenAPI test server', () => {
  it('issues real random key pairs and at most two per user', async () => {
    const first = await manager.createAccessKey('alice');
    const second = await manager.createAccessKey('alice');
    expect(first.accessKeyId).toMatch(/^LTAI[A-Za-z0-9]{20}$/);
    expect(first.accessKeySecret).toMatch(/^[A-Za-z0-9]{30}$/);
    expect(first.accessKeySecret).not.toBe(second.accessKeySecret);
    expect(await codeOf(manager.createAccessKey('alice'))).toBe('LimitExceeded.User.AccessKey');
    expect((await manager.listAccessKeys('alice')).map((k) => [k.accessKeyId, k.status])).toEqual([
      [first.accessKeyId, 'Active'],
      [second.accessKeyId, 'Active'],
    ]);
    await manager.deleteAccessKey('alice', first.accessKeyId);
    await manager.deleteAccessKey('alice', second.accessKeyId);
  });

  it('accepts a call signed by an issued key and refuses a wrong secret, an Inactive key and a deleted key', async () => {
    const key = await manager.createAccessKey('alice');
    expect(await apiFor(key.accessKeyId, key.accessKeySecret).getUser('alice')).toEqual({ userName: 'alice' });
    expect(await codeOf(apiFor(key.accessKeyId, `${key.accessKeySecret}x`).getUser('alice'))).toBe('SignatureDoesNotMatch');
    await manager.updateAccessKey('alice', key.accessKeyId, 'Inactive');
    expect(await codeOf(apiFor(key.accessKeyId, key.accessKeySecret).getUser('alice'))).toBe('InvalidAccessKeyId.Inactive');
    await manager.updateAccessKey('alice', key.accessKeyId, 'Active');
    expect(await codeOf(apiFor(key.accessKeyId, key.accessKeySecret).getUser('alice'))).toBe('no error');
    await manager.deleteAccessKey('alice', key.accessKeyId);
    expect(await codeOf(apiFor(key.accessKeyId, key.accessKeySecret).getUser('alice'))).toBe('InvalidAccessKeyId.NotFound');
  });

  it('a user key may read only its own user and manage no key; unknown users and keys get RAM codes', async () => {
    server.addUser('bob');
    const key = await manager.createAccessKey('alice');
    const alice = apiFor(key.accessKeyId, key.accessKeySecret);
    expect(await codeOf(alice.getUser('bob'))).toBe('NoPermission');
    expect(await codeOf(alice.createAccessKey('alice'))).toBe('NoPermission');
    expect(await codeOf(alice.deleteAccessKey('alice', key.accessKeyId))).toBe('NoPermission');
    expect(await codeOf(manager.getUser('nobody'))).toBe('EntityNotExist.User');
    expect(await codeOf(manager.deleteAccessKey('bob', key.accessKeyId))).toBe('EntityNotExist.User.AccessKey');
    expect(await codeOf(apiFor('LTAIunknown', 'x').getUser('alice'))).toBe('InvalidAccessKeyId.NotFound');
    await manager.deleteAccessKey('alice', key.accessKeyId);
  });

  it('records which key signed each authenticated call', async () => {
    const before = server.calls.length;
    await manager.listAccessKeys('alice');
    expect(server.calls.slice(before)).toEqual([{ action: 'ListAccessKeys', accessKeyId: server.manager.accessKeyId }]);
  });
});
