/**
 * The managed RAM secret driver against the RAM OpenAPI test server, through the official SDK with
 * real V3 signatures: the shared driver contract, then what is particular to RAM (two keys per
 * user, the initial SecretData, healing a wrong initial secret, eventual consistency, redaction).
 *
 * The contract calls finalize and then expects the previous credential to stop working, as with
 * SSH keys; a RAM driver keeps it for PreviousKeyWindow and retires it in `cleanup`, which the
 * engine runs when the window is over (test/drivers/ram-rotation-engine.test.ts proves that). The
 * contract fixture therefore hands over a driver whose finalize runs the cleanup at once, as if
 * the window had already passed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetError } from '../../shared/domain/errors.js';
import type { DriverSecret, FinalizeRequest, TargetDriver } from '../../shared/ports/target-driver.js';
import { targetDriverContract } from '../contract/target-driver.contract.js';
import { startRamOpenApiServer, type RamOpenApiTestServer } from '../support/ram-openapi-server/index.js';
import { idOf, keyIdsOf, logsInWith, ramDriverFor, valueOfKey } from '../support/ram-driver-fixtures.js';

let server: RamOpenApiTestServer;
let users = 0;

beforeAll(async () => {
  server = await startRamOpenApiServer();
});
afterAll(async () => server?.stop());

const secretFor = (userName: string, extra: Record<string, unknown> = {}): DriverSecret => ({
  name: `acs/ram/user/${userName}`,
  type: 'RAMCredentials',
  extendedConfig: { SecretSubType: 'RamUserAccessKey', UserName: userName, ...extra },
});

/** The driver as the contract sees it once every previous-key window has passed. */
const windowElapsed = (driver: TargetDriver): TargetDriver => ({
  kind: driver.kind,
  supports: (s) => driver.supports(s),
  validateConfig: (s) => driver.validateConfig(s),
  preflight: (r) => driver.preflight(r),
  generate: (r) => driver.generate(r),
  apply: (r) => driver.apply(r),
  verify: (r) => driver.verify(r),
  checkCurrent: (r) => (driver.checkCurrent as NonNullable<TargetDriver['checkCurrent']>)(r),
  async finalize(req: FinalizeRequest) {
    const { cleanupAfterSeconds } = await driver.finalize(req);
    if (cleanupAfterSeconds !== undefined && req.newPreviousValue !== null) {
      await driver.cleanup?.({ secret: req.secret, retiredValue: req.newPreviousValue, currentValue: req.newCurrentValue });
    }
    return {};
  },
});

const newUser = (prefix: string): string => {
  const userName = `${prefix}${++users}`;
  server.addUser(userName);
  return userName;
};

targetDriverContract('RAM AccessKey (RAM OpenAPI test server)', async ({ hostileNames }) => {
  // RAM user names cannot hold quotes or separators; the hostile case uses every other character RAM allows.
  const userName = newUser(hostileNames ? 'a.b@c-d_e.' : 'app-user-');
  const initial = server.issueKey(userName);
  return {
    driver: windowElapsed(ramDriverFor(server)),
    secret: secretFor(userName),
    initialValue: valueOfKey(initial),
    strategy: 'overlap',
    logsIn: (value) => logsInWith(server, value, userName),
    withWrongSecret: (value) => {
      const parsed = JSON.parse(value) as Record<string, string>;
      return JSON.stringify({ ...parsed, AccessKeySecret: `${parsed.AccessKeySecret}x` });
    },
    hostileCustomValue: () => valueOfKey(server.issueKey(userName, `q'"\\;--$(id)%20&=+\`é${users}`)),
    accountOf: (value) => server.state.ownerOf(idOf(value)),
    cleanup: async () => undefined,
  };
});

describe('RAM AccessKey driver', () => {
  it('initialVersions: the newest key becomes ACSCurrent, the other ACSPrevious, with RAM creation times', async () => {
    const userName = newUser('init-');
    const older = server.issueKey(userName);
    const newer = server.issueKey(userName);
    const driver = ramDriverFor(server);
    const secretData = JSON.stringify({
      AccessKeys: [newer, older].reverse().map((k) => ({ AccessKeyId: k.accessKeyId, AccessKeySecret: k.accessKeySecret })),
    });
    const out = await driver.initialVersions!({ secret: secretFor(userName), secretData });
    expect(JSON.parse(out.current)).toEqual({ AccessKeyId: newer.accessKeyId, AccessKeySecret: newer.accessKeySecret, GenerateTimestamp: newer.createDate });
    expect(JSON.parse(out.previous as string)).toMatchObject({ AccessKeyId: older.accessKeyId, GenerateTimestamp: older.createDate });
  });

  it('initialVersions refuses a key of another user and SecretData that leaves out one of the user\'s keys', async () => {
    const userName = newUser('init-');
    const mine = server.issueKey(userName);
    server.issueKey(userName);
    const other = server.issueKey(newUser('other-'));
    const driver = ramDriverFor(server);
    const data = (...keys: (typeof mine)[]) =>
      JSON.stringify({ AccessKeys: keys.map((k) => ({ AccessKeyId: k.accessKeyId, AccessKeySecret: k.accessKeySecret })) });
    await expect(driver.initialVersions!({ secret: secretFor(userName), secretData: data(mine) })).rejects.toMatchObject({ code: 'InvalidParameter' });
    const error = await driver.initialVersions!({ secret: secretFor(userName), secretData: data(mine, other) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'InvalidParameter' });
    expect(String((error as Error).message)).not.toContain(other.accessKeySecret);
  });

  it('validateConfig names the bad field and checks PreviousKeyWindow against KMS\'s 10 minutes to 2 days', () => {
    const driver = ramDriverFor(server);
    expect(() => driver.validateConfig(secretFor('x', { PreviousKeyWindow: '30m' }))).not.toThrow();
    expect(() => driver.validateConfig(secretFor('x', { PreviousKeyWindow: '5m' }))).toThrow(/PreviousKeyWindow/);
    expect(() => driver.validateConfig(secretFor('x', { PreviousKeyWindow: '3d' }))).toThrow(/PreviousKeyWindow/);
    expect(() => driver.validateConfig(secretFor("o'brien"))).toThrow(/UserName/);
    expect(() => driver.validateConfig({ ...secretFor('x'), extendedConfig: { SecretSubType: 'Other', UserName: 'x' } })).toThrow(/SecretSubType/);
  });

  it('finalize keeps ACSPrevious for the window and asks for a cleanup after it; cleanup disables and deletes it, twice is success', async () => {
    const userName = newUser('window-');
    const initial = valueOfKey(server.issueKey(userName));
    const driver = ramDriverFor(server);
    const secret = secretFor(userName, { PreviousKeyWindow: '45m' });
    const { value } = await driver.generate({ secret, currentValue: initial, previousValue: null });
    await driver.verify({ secret, pendingValue: value });
    expect(await driver.finalize({ secret, newCurrentValue: value, newPreviousValue: initial })).toEqual({ cleanupAfterSeconds: 2700 });
    expect(await logsInWith(server, initial, userName)).toBe(true);
    await driver.cleanup!({ secret, retiredValue: initial, currentValue: value });
    await driver.cleanup!({ secret, retiredValue: initial, currentValue: value });
    expect(keyIdsOf(server, userName)).toEqual([idOf(value)]);
    expect(await logsInWith(server, initial, userName)).toBe(false);
    // Cleanup never retires ACSCurrent, whatever it is asked.
    await driver.cleanup!({ secret, retiredValue: value, currentValue: value });
    expect(await logsInWith(server, value, userName)).toBe(true);
  });

  it('at the two-key limit generate removes the key that is not ACSCurrent, never ACSCurrent', async () => {
    const userName = newUser('limit-');
    const previous = valueOfKey(server.issueKey(userName));
    const current = valueOfKey(server.issueKey(userName));
    const driver = ramDriverFor(server);
    const { value } = await driver.generate({ secret: secretFor(userName), currentValue: current, previousValue: previous });
    expect(keyIdsOf(server, userName).sort()).toEqual([idOf(current), idOf(value)].sort());
    expect(await logsInWith(server, current, userName)).toBe(true);
  });

  it('a generate repeated after a crash removes its own orphan first: never more than two keys', async () => {
    const userName = newUser('orphan-');
    const previous = valueOfKey(server.issueKey(userName));
    const current = valueOfKey(server.issueKey(userName));
    const driver = ramDriverFor(server);
    const stages = { secret: secretFor(userName), currentValue: current, previousValue: previous };
    const lost = await driver.generate(stages);
    const kept = await driver.generate(stages);
    expect(keyIdsOf(server, userName).sort()).toEqual([idOf(current), idOf(kept.value)].sort());
    expect(await logsInWith(server, lost.value, userName)).toBe(false);
  });

  it('heals a wrong initial secret: generate and verify do not need it', async () => {
    const userName = newUser('heal-');
    const key = server.issueKey(userName);
    const wrong = JSON.stringify({ AccessKeyId: key.accessKeyId, AccessKeySecret: 'not-the-secret', GenerateTimestamp: key.createDate });
    expect(await logsInWith(server, wrong, userName)).toBe(false);
    const driver = windowElapsed(ramDriverFor(server));
    const secret = secretFor(userName);
    const { value } = await driver.generate({ secret, currentValue: wrong, previousValue: null });
    await driver.verify({ secret, pendingValue: value });
    await driver.finalize({ secret, newCurrentValue: value, newPreviousValue: wrong });
    expect(await logsInWith(server, value, userName)).toBe(true);
    expect(keyIdsOf(server, userName)).toEqual([idOf(value)]);
  });

  it('verify retries while a new key has not propagated, and gives up after its attempts', async () => {
    const userName = newUser('lag-');
    server.issueKey(userName);
    const waits: number[] = [];
    const driver = ramDriverFor(server, { sleep: async (ms) => void waits.push(ms) });
    const secret = secretFor(userName);
    server.setPropagationDelay(3);
    try {
      const { value } = await driver.generate({ secret, currentValue: null, previousValue: null });
      await expect(driver.verify({ secret, pendingValue: value })).resolves.toEqual({});
      expect(waits).toEqual([1000, 2000, 4000]);
      server.setPropagationDelay(50);
      const stuck = await ramDriverFor(server, { verifyAttempts: 3 }).generate({ secret, currentValue: value, previousValue: null });
      const error = await ramDriverFor(server, { verifyAttempts: 3 }).verify({ secret, pendingValue: stuck.value }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TargetError);
      expect(error).toMatchObject({ code: 'Target.AuthenticationFailed', retryable: false });
      expect((error as Error).message).not.toContain(JSON.parse(stuck.value).AccessKeySecret);
    } finally {
      server.setPropagationDelay(0);
    }
  });

  it('verify accepts a key its user may not call GetUser with: the refusal comes after authentication', async () => {
    const userName = newUser('noperm-');
    server.issueKey(userName);
    const driver = ramDriverFor(server);
    const secret = secretFor(userName);
    server.setUsersMayReadThemselves(false);
    try {
      const { value } = await driver.generate({ secret, currentValue: null, previousValue: null });
      await expect(driver.verify({ secret, pendingValue: value })).resolves.toEqual({});
      const wrongSecret = 'wrong-secret-for-this-key';
      const wrong = JSON.stringify({ ...JSON.parse(value), AccessKeySecret: wrongSecret });
      const error = await driver.verify({ secret, pendingValue: wrong }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'Target.AuthenticationFailed', retryable: false });
      expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(wrongSecret);
    } finally {
      server.setUsersMayReadThemselves(true);
    }
  });

  it('verify refuses a working key of another RAM user (confused deputy)', async () => {
    const userName = newUser('deputy-');
    server.issueKey(userName);
    const foreign = valueOfKey(server.issueKey(newUser('foreign-')));
    const driver = ramDriverFor(server);
    await expect(driver.verify({ secret: secretFor(userName), pendingValue: foreign })).rejects.toMatchObject({ code: 'Target.AccountMismatch' });
  });

  it('preflight reports a wrong ACSCurrent secret and a missing user as failed checks, quoting no secret', async () => {
    const userName = newUser('pre-');
    const key = server.issueKey(userName);
    const wrong = JSON.stringify({ AccessKeyId: key.accessKeyId, AccessKeySecret: 'wrong-secret-value', GenerateTimestamp: key.createDate });
    const driver = ramDriverFor(server);
    const { checks } = await driver.preflight({ secret: secretFor(userName), currentValue: wrong });
    expect(checks.find((c) => c.name === 'ram.current-key-authenticates')).toMatchObject({ ok: false });
    expect(JSON.stringify(checks)).not.toContain('wrong-secret-value');
    const missing = await driver.preflight({ secret: secretFor('nobody-here'), currentValue: null });
    expect(missing.checks).toEqual([expect.objectContaining({ name: 'ram.list-access-keys', ok: false })]);
    expect(missing.checks[0]?.detail).toContain('EntityNotExist.User');
  });
});
