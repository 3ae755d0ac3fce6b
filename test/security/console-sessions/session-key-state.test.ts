/**
 * Attacker's goal at the console session boundary: keep using a console session after the key it
 * was opened with changed state. A stolen (or simply kept) session cookie of a key that was disabled
 * must stay dead when an operator re-enables the key, and a session must not outlive the deletion of
 * its key or a change to its policies: the README promises that disabling or deleting a key ends its
 * sessions, and a session that comes back to life on re-enable breaks that promise.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../../shared/runtime/local/runtime.js';
import { callAction, createKmsSdkClient, type KmsClient } from '../../support/kms-sdk-client.js';
import { tempDir, testConfig, type TempDir } from '../../support/runtime.js';
import { BoundaryTally } from '../support/boundary-tally.js';

const tally = new BoundaryTally('console-sessions', import.meta.url);
const READ_ALL = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] });

let dir: TempDir;
let runtime: LocalRuntime;
let root: KmsClient;

interface Key {
  id: string;
  secret: string;
}

const admin = (action: string, params: Record<string, string>) => callAction(root, action, params);

const createKey = async (): Promise<Key> => {
  const res = (await admin('CreateAccessKey', { Description: 'console user' })) as { AccessKey: { AccessKeyId: string; AccessKeySecret: string } };
  const key = { id: res.AccessKey.AccessKeyId, secret: res.AccessKey.AccessKeySecret };
  await admin('PutAccessKeyPolicy', { UserAccessKeyId: key.id, PolicyName: 'all', PolicyDocument: READ_ALL });
  return key;
};

/** Signs in through the console's form and returns the session cookie it set. */
const signIn = async (key: Key): Promise<string> => {
  const res = await fetch(`${runtime.url}/console/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ accessKeyId: key.id, accessKeySecret: key.secret }).toString(),
  });
  expect(res.status).toBe(303);
  const cookie = /rotor_console=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie) throw new Error('sign-in set no session cookie');
  return cookie;
};

/** A page behind the session check, with the given cookie: true when it was served. */
const served = async (cookie: string): Promise<boolean> => {
  const res = await fetch(`${runtime.url}/console/secrets`, { redirect: 'manual', headers: { cookie: `rotor_console=${cookie}` } });
  await res.arrayBuffer();
  if (res.status === 303) expect(res.headers.get('location')).toBe('/console/signin');
  else expect(res.status).toBe(200);
  return res.status === 200;
};

/** An attempt with a session that must be over; counted, and recorded when the page was served. */
const attempt = async (what: string, cookie: string): Promise<boolean> => {
  tally.tried();
  const ok = await served(cookie);
  if (ok) tally.crossed(what);
  return ok;
};

const setStatus = (key: Key, status: 'Active' | 'Inactive') => admin('UpdateAccessKey', { UserAccessKeyId: key.id, Status: status });

beforeAll(async () => {
  dir = tempDir('rotor-console-sessions-');
  runtime = await startLocalRuntime({ config: testConfig(dir.path), timers: false, queue: false, topics: false });
  const { accessKeyId, accessKeySecret } = runtime.container.rootCredentials;
  root = createKmsSdkClient(Number(new URL(runtime.url).port), accessKeyId, accessKeySecret);
});

afterAll(async () => {
  tally.write();
  await runtime?.stop();
  dir?.remove();
});

describe('a console session lives no longer than the key state it was signed in under', () => {
  it('a session of an untouched key is served (the control)', async () => {
    const key = await createKey();
    expect(await served(await signIn(key))).toBe(true);
  });

  it('stays ended when the disabled key is enabled again; a new sign-in works', async () => {
    const key = await createKey();
    const cookie = await signIn(key);
    await setStatus(key, 'Inactive');
    expect(await attempt('served while disabled', cookie)).toBe(false);
    await setStatus(key, 'Active');
    expect(await attempt('revived by re-enabling the key', cookie)).toBe(false);
    expect(await served(await signIn(key))).toBe(true);
  });

  it('ends when the key is re-enabled before the session is next used (disabled and enabled in between)', async () => {
    const key = await createKey();
    const cookie = await signIn(key);
    await setStatus(key, 'Inactive');
    await setStatus(key, 'Active');
    expect(await attempt('outlived a disable the session never saw', cookie)).toBe(false);
  });

  it('ends when the key is deleted', async () => {
    const key = await createKey();
    const cookie = await signIn(key);
    await admin('DeleteAccessKey', { UserAccessKeyId: key.id });
    expect(await attempt('outlived its deleted key', cookie)).toBe(false);
  });

  it('ends after any sequence of changes to the key (property)', async () => {
    const change = fc.constantFrom('disable+enable', 'put-policy', 'delete-policy+put-policy', 'enable');
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 3 }), async (changes) => {
        const key = await createKey();
        const cookie = await signIn(key);
        for (const c of changes) {
          if (c === 'disable+enable') {
            await setStatus(key, 'Inactive');
            await setStatus(key, 'Active');
          } else if (c === 'enable') await setStatus(key, 'Active');
          else {
            if (c.startsWith('delete-policy')) await admin('DeleteAccessKeyPolicy', { UserAccessKeyId: key.id, PolicyName: 'all' });
            await admin('PutAccessKeyPolicy', { UserAccessKeyId: key.id, PolicyName: 'all', PolicyDocument: READ_ALL });
          }
        }
        expect(await attempt(`outlived ${changes.join(', ')}`, cookie)).toBe(false);
      }),
      { numRuns: 12 },
    );
  });

  it('let nothing cross', () => {
    expect(tally.crossedCount).toBe(0);
  });
});
