import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  generateAccessKey,
  loadRootCredentials,
  rootCredentialResolver,
  ROOT_CREDENTIALS_FILE,
} from '../../shared/runtime/root-credentials.js';
import { tempDir, type TempDir } from '../support/runtime.js';

describe('root credentials', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.remove());

  it('uses the key from the environment and writes no file', () => {
    const key = { accessKeyId: 'LTAIfromenv0001', accessKeySecret: 'secret-from-the-environment' };
    const creds = loadRootCredentials({ dataDir: dir.path, rootAccessKey: key });
    expect(creds).toEqual({ ...key, source: { kind: 'env' } });
    expect(() => statSync(join(dir.path, ROOT_CREDENTIALS_FILE))).toThrow();
  });

  it('generates a key on first start into an owner-only file, and reuses it afterwards', () => {
    const dataDir = join(dir.path, 'nested', 'data');
    const first = loadRootCredentials({ dataDir, rootAccessKey: null });
    const file = join(dataDir, ROOT_CREDENTIALS_FILE);
    expect(first.source).toEqual({ kind: 'file', file, created: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      accessKeyId: first.accessKeyId,
      accessKeySecret: first.accessKeySecret,
    });

    const second = loadRootCredentials({ dataDir, rootAccessKey: null });
    expect(second).toEqual({ ...first, source: { kind: 'file', file, created: false } });
  });

  it('generates keys shaped like Alibaba Cloud AccessKeys, different each time', () => {
    const a = generateAccessKey();
    const b = generateAccessKey();
    expect(a.accessKeyId).toMatch(/^LTAI[A-Za-z0-9]{20}$/);
    expect(a.accessKeySecret).toMatch(/^[A-Za-z0-9]{30}$/);
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.accessKeySecret).not.toBe(b.accessKeySecret);
  });

  it('refuses a damaged file without quoting it', () => {
    const file = join(dir.path, ROOT_CREDENTIALS_FILE);
    writeFileSync(file, '{"accessKeyId":"LTAIx","accessKeySecret":"leaky"}');
    expect(() => loadRootCredentials({ dataDir: dir.path, rootAccessKey: null })).toThrow(/malformed/);
    writeFileSync(file, 'not json leaky');
    let message = '';
    try {
      loadRootCredentials({ dataDir: dir.path, rootAccessKey: null });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(file);
    expect(message).not.toContain('leaky');
  });

  it('resolves only the root key, as the account root', async () => {
    const resolve = rootCredentialResolver({ accessKeyId: 'LTAIroot0000001', accessKeySecret: 's3cret-s3cret-s3cret' }, '42');
    expect(await resolve('LTAIroot0000001')).toEqual({
      accessKeySecret: 's3cret-s3cret-s3cret',
      principal: 'acs:ram::42:root',
      status: 'Active',
      grant: { kind: 'root' },
    });
    expect(await resolve('LTAIother000001')).toBeNull();
  });
});
