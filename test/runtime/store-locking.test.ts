/**
 * ROTOR_STORE_LOCKING: by default the running local runtime holds its store file to itself (one
 * connection, SQLite's exclusive locking mode), so another program's connection is refused until
 * it stops; `shared` lets other programs read the file while it runs. Either way every adapter in
 * the store file works, since they share the runtime's one connection.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createContainer, STORE_FILE, StoreFileBusyError, type Container } from '../../shared/runtime/container.js';
import { tempDir, testConfig, type TempDir } from '../support/runtime.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const dirs: TempDir[] = [];
const containers: Container[] = [];

afterEach(async () => {
  for (const c of containers.splice(0)) await c.close();
  for (const dir of dirs.splice(0)) dir.remove();
});

const startContainer = async (env: Record<string, string>): Promise<{ dataDir: string; container: Container }> => {
  const dir = tempDir('rotor-store-locking-');
  dirs.push(dir);
  const container = await createContainer(testConfig(dir.path, env));
  containers.push(container);
  // One write through each adapter that lives in the store file: all of them use the shared connection.
  await container.service.createSecret({ secretName: 'locking-probe', versionId: 'v1', secretData: 'locking-probe-value' });
  await container.auditLog.append({
    requestId: 'locking-probe-request',
    time: Date.UTC(2026, 10, 23, 12, 0),
    action: 'GetSecretValue',
    accessKeyId: container.rootCredentials.accessKeyId,
    secretName: 'locking-probe',
    outcome: 'Success',
    errorCode: null,
    sourceIp: '127.0.0.1',
  });
  expect(await container.alertDedup.claim('locking-probe', Date.now() + 60_000, Date.now())).toBe(true);
  return { dataDir: dir.path, container };
};

/** What another program sees of the store file: the secrets' names, or the error it got. */
const readFromOutside = (dataDir: string): string[] | { code: string } => {
  const db = new Database(join(dataDir, STORE_FILE), { readonly: true, fileMustExist: true, timeout: 50 });
  try {
    return (db.prepare('SELECT name FROM secrets ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  } catch (error) {
    return { code: (error as { code: string }).code };
  } finally {
    db.close();
  }
};

describe('store file locking', () => {
  it('is exclusive by default: another connection is refused while the runtime runs, and reads everything once it stops', async () => {
    const { dataDir, container } = await startContainer({});
    expect(readFromOutside(dataDir)).toEqual({ code: 'SQLITE_BUSY' });
    // The runtime itself is not disturbed by the refused reader.
    expect((await container.service.getSecretValue({ secretName: secretIdOf('locking-probe') })).secretData).toBe('locking-probe-value');
    expect((await container.auditLog.query({ limit: 10, offset: 0 })).records.map((r) => r.requestId)).toContain('locking-probe-request');

    await container.close();
    containers.splice(containers.indexOf(container), 1);
    expect(readFromOutside(dataDir)).toEqual(['locking-probe']);
  });

  it('refuses to start, naming the way out, while another program holds the store file', async () => {
    const { dataDir, container } = await startContainer({});
    await container.close();
    containers.splice(containers.indexOf(container), 1);
    // Another program holding the file as the runtime does: SQLite's exclusive mode, after one read.
    const holder = new Database(join(dataDir, STORE_FILE));
    try {
      holder.pragma('locking_mode = EXCLUSIVE');
      holder.prepare('SELECT count(*) FROM secrets').get();
      // Waits out SQLite's busy timeout (5 s) before giving up, as a start would.
      const refused = await createContainer(testConfig(dataDir)).then(
        (c) => {
          containers.push(c);
          return null;
        },
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(StoreFileBusyError);
      expect((refused as Error).message).toContain(join(dataDir, STORE_FILE));
      expect((refused as Error).message).toContain('ROTOR_STORE_LOCKING=shared');
    } finally {
      holder.close();
    }
    // Nothing was changed while refused, and the runtime starts once the holder lets go.
    expect(readFromOutside(dataDir)).toEqual(['locking-probe']);
    const started = await createContainer(testConfig(dataDir));
    containers.push(started);
    expect((await started.service.getSecretValue({ secretName: secretIdOf('locking-probe') })).secretData).toBe('locking-probe-value');
  }, 20_000);

  it('lets other programs read the store file while the runtime runs when ROTOR_STORE_LOCKING=shared', async () => {
    const { dataDir, container } = await startContainer({ ROTOR_STORE_LOCKING: 'shared' });
    expect(readFromOutside(dataDir)).toEqual(['locking-probe']);
    await container.service.createSecret({ secretName: 'locking-second', versionId: 'v1', secretData: 'locking-second-value' });
    expect(readFromOutside(dataDir)).toEqual(['locking-probe', 'locking-second']);
  });
});
