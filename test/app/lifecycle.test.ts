import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KmsError } from '../../shared/domain/errors.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { DAY, HOUR } from '../support/manual-clock.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => h.close());

const kmsCode = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof KmsError) return e.code;
    throw e;
  }
  throw new Error('expected a KmsError');
};

const create = (name = 'app-db', data = 's3cr3t-v1') =>
  h.service.createSecret({ secretName: name, versionId: 'v1', secretData: data });

describe('create and read', () => {
  it('stores the value encrypted and reads it back as ACSCurrent', async () => {
    await create();
    const got = await h.service.getSecretValue({ secretName: secretIdOf('app-db') });
    expect(got.secretData).toBe('s3cr3t-v1');
    expect(got.version).toMatchObject({ versionId: 'v1', stages: ['ACSCurrent'] });
    const stored = await h.store.getVersion('app-db', 'v1');
    expect(JSON.stringify(stored)).not.toContain('s3cr3t-v1');
  });
  it('refuses a duplicate name, and a name pending deletion with its own code', async () => {
    await create();
    expect(await kmsCode(create())).toBe('Rejected.ResourceExist');
    await h.service.deleteSecret({ secretName: secretIdOf('app-db'), recoveryWindowInDays: 7 });
    expect(await kmsCode(create())).toBe('Rejected.ResourceInDeleteWindow');
  });
  it('names RAM secrets after their user', async () => {
    const { secret } = await h.service.createSecret({
      secretName: '$Auto',
      secretType: 'RAMCredentials',
      versionId: 'v1',
      secretData: '{"AccessKeys":[]}',
      extendedConfig: '{"SecretSubType":"RamUserAccessKey","UserName":"app"}',
    });
    expect(secret.name).toBe('acs/ram/user/app');
  });
});

describe('Generic values and stages', () => {
  it('PutSecretValue moves ACSCurrent to ACSPrevious; same VersionId+data is idempotent, other data refused', async () => {
    await create();
    await h.service.putSecretValue({ secretName: secretIdOf('app-db'), versionId: 'v2', secretData: 'two' });
    expect((await h.service.getSecretValue({ secretName: secretIdOf('app-db') })).secretData).toBe('two');
    expect((await h.service.getSecretValue({ secretName: secretIdOf('app-db'), versionStage: 'ACSPrevious' })).secretData).toBe('s3cr3t-v1');
    const again = await h.service.putSecretValue({ secretName: secretIdOf('app-db'), versionId: 'v2', secretData: 'two' });
    expect(again.version.stages).toEqual(['ACSCurrent']);
    expect(await kmsCode(h.service.putSecretValue({ secretName: secretIdOf('app-db'), versionId: 'v2', secretData: 'other' }))).toBe(
      'Rejected.ResourceExist',
    );
    await h.service.putSecretValue({ secretName: secretIdOf('app-db'), versionId: 'v3', secretData: 'three' });
    const versions = await h.service.listSecretVersionIds({ secretName: secretIdOf('app-db') });
    expect(versions.versions.map((v) => [v.versionId, v.stages])).toEqual([
      ['v2', ['ACSPrevious']],
      ['v3', ['ACSCurrent']],
    ]);
    const all = await h.service.listSecretVersionIds({ secretName: secretIdOf('app-db'), includeDeprecated: true });
    expect(all.total).toBe(3);
  });
  it('reads by VersionId, and refuses a VersionId/VersionStage mismatch', async () => {
    await create();
    await h.service.putSecretValue({ secretName: secretIdOf('app-db'), versionId: 'v2', secretData: 'two' });
    expect((await h.service.getSecretValue({ secretName: secretIdOf('app-db'), versionId: 'v1' })).secretData).toBe('s3cr3t-v1');
    expect(await kmsCode(h.service.getSecretValue({ secretName: secretIdOf('app-db'), versionId: 'v1', versionStage: 'ACSCurrent' }))).toBe(
      'InvalidParameter',
    );
    expect(await kmsCode(h.service.getSecretValue({ secretName: secretIdOf('app-db'), versionId: 'nope' }))).toBe('Forbidden.ResourceNotFound');
  });
  it('UpdateSecretVersionStage performs a manual multi-step rotation', async () => {
    await create();
    await h.service.putSecretValue({ secretName: secretIdOf('app-db'), versionId: 'v2', secretData: 'two', versionStages: ['MyPending'] });
    expect((await h.service.getSecretValue({ secretName: secretIdOf('app-db') })).secretData).toBe('s3cr3t-v1');
    await h.service.updateSecretVersionStage({ secretName: secretIdOf('app-db'), versionStage: 'ACSCurrent', moveToVersion: 'v2' });
    expect((await h.service.getSecretValue({ secretName: secretIdOf('app-db') })).secretData).toBe('two');
    expect((await h.service.getSecretValue({ secretName: secretIdOf('app-db'), versionStage: 'ACSPrevious' })).secretData).toBe('s3cr3t-v1');
  });
});

describe('listing', () => {
  it('pages and filters', async () => {
    for (const n of ['a-1', 'a-2', 'b-1', 'a-3']) await create(n);
    const page = await h.service.listSecrets({ pageNumber: 2, pageSize: 2, filters: [{ key: 'SecretName', values: ['a-'] }] });
    expect(page.total).toBe(3);
    expect(page.secrets.map((s) => s.name)).toEqual(['a-3']);
    expect(await kmsCode(h.service.listSecrets({ filters: [{ key: 'Color', values: ['x'] }] }))).toBe('InvalidParameter');
    expect(await kmsCode(h.service.listSecrets({ pageSize: 101 }))).toBe('InvalidParameter');
  });
});

describe('deletion and restore', () => {
  it('plans deletion in the window, refuses reads and rotation meanwhile, restores, and purges after the window', async () => {
    await create();
    const out = await h.service.deleteSecret({ secretName: secretIdOf('app-db'), recoveryWindowInDays: 7 });
    expect(out.plannedDeleteAt).toBe(h.clock.now() + 7 * DAY);
    expect(await kmsCode(h.service.getSecretValue({ secretName: secretIdOf('app-db') }))).toBe('Rejected.ResourceInDeleteWindow');
    expect((await h.service.describeSecret(secretIdOf('app-db'))).plannedDeleteAt).toBe(out.plannedDeleteAt);
    await h.service.restoreSecret(secretIdOf('app-db'));
    expect((await h.service.getSecretValue({ secretName: secretIdOf('app-db') })).secretData).toBe('s3cr3t-v1');

    await h.service.deleteSecret({ secretName: secretIdOf('app-db') });
    h.clock.advance(29 * DAY);
    expect((await h.service.purgeExpired()).acted).toBe(0);
    h.clock.advance(DAY + 1);
    expect(await kmsCode(h.service.restoreSecret(secretIdOf('app-db')))).toBe('Forbidden.ResourceNotFound');
    const tick = await h.service.purgeExpired();
    expect(tick).toEqual({ rowsRead: 1, acted: 1, skipped: 0 });
    expect(await h.store.getSecret('app-db')).toBeNull();
    expect(await h.store.listVersions('app-db')).toEqual([]);
    expect(h.eventTypes()).toContain('secret.purged');
  });
  it('force deletion removes at once; bad windows change nothing', async () => {
    await create();
    for (const days of [6, 31]) {
      expect(await kmsCode(h.service.deleteSecret({ secretName: secretIdOf('app-db'), recoveryWindowInDays: days }))).toBe('InvalidParameter');
    }
    expect((await h.store.getSecret('app-db'))?.plannedDeleteAt).toBeNull();
    await h.service.deleteSecret({ secretName: secretIdOf('app-db'), forceDeleteWithoutRecovery: true });
    expect(await h.store.getSecret('app-db')).toBeNull();
    await create();
  });
});

describe('bad input changes nothing', () => {
  it('each refused create leaves the store empty', async () => {
    const bad = [
      { secretName: '', versionId: 'v1', secretData: 'x' },
      { secretName: 'bad name', versionId: 'v1', secretData: 'x' },
      { secretName: 'ok', versionId: '', secretData: 'x' },
      { secretName: 'ok', versionId: 'v1', secretData: 'x'.repeat(30_721) },
      { secretName: 'ok', versionId: 'v1', secretData: 'x', extendedConfig: '{nope' },
      { secretName: 'ok', versionId: 'v1', secretData: 'x', enableAutomaticRotation: true, rotationInterval: '1h' },
      { secretName: 'ok', versionId: 'v1', secretData: 'x', secretType: 'Rds' as const },
      {
        secretName: 'ok',
        versionId: 'v1',
        secretData: 'x',
        extendedConfig: '{"SecretSubType":"GeneratedPassword","PasswordLength":4}',
      },
    ];
    for (const input of bad) {
      await expect(h.service.createSecret(input)).rejects.toBeInstanceOf(KmsError);
    }
    expect((await h.store.listSecrets({ offset: 0, limit: 100, filters: [] })).total).toBe(0);
    expect(h.events.events).toEqual([]);
  });
});

describe('rotation policy', () => {
  it('is refused for a plain Generic secret and computes the first rotation for a rotatable one', async () => {
    await create();
    expect(await kmsCode(h.service.updateRotationPolicy({ secretName: secretIdOf('app-db'), enableAutomaticRotation: true, rotationInterval: '7d' }))).toBe(
      'Rejected.Unavailable',
    );
    await h.service.createSecret({
      secretName: 'gen',
      versionId: 'v1',
      secretData: 'initial',
      extendedConfig: '{"SecretSubType":"GeneratedPassword"}',
    });
    const created = h.clock.now();
    h.clock.advance(HOUR);
    const s = await h.service.updateRotationPolicy({ secretName: secretIdOf('gen'), enableAutomaticRotation: true, rotationInterval: '6h' });
    expect(s.rotation).toMatchObject({ enabled: true, intervalSeconds: 21_600, nextRotationAt: created + 6 * HOUR });
    h.clock.advance(10 * HOUR);
    const late = await h.service.updateRotationPolicy({ secretName: secretIdOf('gen'), enableAutomaticRotation: true, rotationInterval: '6h' });
    expect(late.rotation.nextRotationAt).toBe(h.clock.now());
    const off = await h.service.updateRotationPolicy({ secretName: secretIdOf('gen'), enableAutomaticRotation: false });
    expect(off.rotation).toMatchObject({ enabled: false, nextRotationAt: null });
  });
});

describe('drivers that shape the first versions', () => {
  it('store the current and previous values a driver derives from SecretData', async () => {
    await h.close();
    const { RecordingDriver } = await import('../support/recording-driver.js');
    const driver = new RecordingDriver();
    driver.initialVersions = async ({ secretData }) => {
      const { Accounts } = JSON.parse(secretData) as { Accounts: { AccountName: string }[] };
      const [first, second] = Accounts.map((a) => JSON.stringify(a));
      return { current: first as string, ...(second ? { previous: second } : {}) };
    };
    h = await createHarness({ drivers: [driver] });
    await h.service.createSecret({
      secretName: 'dual',
      versionId: 'v1',
      secretData: '{"Accounts":[{"AccountName":"app"},{"AccountName":"app_clone"}]}',
      extendedConfig: '{"SecretSubType":"Recorded"}',
    });
    expect(JSON.parse((await h.service.getSecretValue({ secretName: secretIdOf('dual') })).secretData)).toEqual({ AccountName: 'app' });
    const previous = await h.service.getSecretValue({ secretName: secretIdOf('dual'), versionStage: 'ACSPrevious' });
    expect(JSON.parse(previous.secretData)).toEqual({ AccountName: 'app_clone' });
    expect((await h.service.listSecretVersionIds({ secretName: secretIdOf('dual') })).total).toBe(2);
  });
});
