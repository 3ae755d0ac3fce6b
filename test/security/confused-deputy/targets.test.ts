/**
 * Boundary: the targets the service acts on with its own cloud role (ECS instances, RAM users, RDS
 * accounts).
 *
 * Attacker's goal: with a key that may create secrets and holds `kms:*` on every resource, make the
 * service take over a privileged target with the service's role: the root user of an ECS instance,
 * an administrator RAM user, an RDS Super account. Such targets need an Allow that names
 * kms:RotatePrivilegedTarget itself; a broad grant must not carry it.
 *
 * Through the real HTTP API of local runtime processes whose drivers talk to the ECS, RAM and RDS
 * protocol test servers; "untouched" is what each server saw: no call at all for a refused request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcsOpenApiServer, type EcsOpenApiTestServer } from '../../support/ecs-openapi-server/index.js';
import { startRamOpenApiServer, type RamOpenApiTestServer } from '../../support/ram-openapi-server/index.js';
import { startRdsOpenApiServer, type RdsOpenApiServer } from '../../support/rds-openapi-server/index.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { ACCOUNT, REGION, startBoundaryRuntime, type BoundaryRuntime, type KmsAnswer } from '../support/boundary-runtime.js';
import type { Key } from '../support/signed-requests.js';

const tally = new BoundaryTally('confused-deputy', import.meta.url);

const BROAD = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
const withPrivileged = (resource: string) => ({
  Version: '1',
  Statement: [...BROAD.Statement, { Effect: 'Allow', Action: 'kms:RotatePrivilegedTarget', Resource: resource }],
});
const INSTANCE = 'i-deputy0001';
const RDS_INSTANCE = 'rm-deputy000001';

let ecs: EcsOpenApiTestServer;
let ram: RamOpenApiTestServer;
let rds: RdsOpenApiServer;
/** Drivers signed with the ECS server's key; the other with the RAM server's, which the RDS server also takes. */
let ecsRuntime: BoundaryRuntime;
let ramRdsRuntime: BoundaryRuntime;

const cloudEnv = (key: { accessKeyId: string; accessKeySecret: string }) => ({
  ALIBABA_CLOUD_ACCESS_KEY_ID: key.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.accessKeySecret,
});

const keyWith = async (rt: BoundaryRuntime, policy: object): Promise<Key> => {
  const key = await rt.createKey('confused-deputy targets');
  expect((await rt.putPolicy(key, policy)).status).toBe(200);
  return key;
};

const create = (rt: BoundaryRuntime, key: Key, name: string, type: string, config: object, value: string): Promise<KmsAnswer> => {
  tally.tried();
  return rt.call(
    'CreateSecret',
    [['SecretName', name], ['VersionId', 'v1'], ['SecretType', type], ['SecretData', value], ['ExtendedConfig', JSON.stringify(config)]],
    key,
  );
};

const expectPrivilegedRefused = (answer: KmsAnswer, resource: string): void => {
  if (answer.status === 200) tally.crossed(`privileged target ${resource} created under a broad Allow`);
  expect(answer.status).toBe(403);
  expect(answer.body.Code).toBe('Forbidden.NoPermission');
  expect(String(answer.body.Message)).toContain(`kms:RotatePrivilegedTarget on ${resource}`);
};

beforeAll(async () => {
  [ecs, ram] = await Promise.all([startEcsOpenApiServer(), startRamOpenApiServer()]);
  rds = await startRdsOpenApiServer(ram.manager);
  ecs.addInstance({ instanceId: INSTANCE, regionId: REGION, osType: 'linux' });
  for (const user of ['Administrator', 'ci-deployer']) ram.addUser(user);
  [ecsRuntime, ramRdsRuntime] = await Promise.all([
    startBoundaryRuntime('rotor-deputy-ecs-', { ...cloudEnv(ecs.manager), ROTOR_ECS_ENDPOINT: `http://${ecs.endpoint}` }),
    startBoundaryRuntime('rotor-deputy-ram-rds-', {
      ...cloudEnv(ram.manager),
      ROTOR_RAM_ENDPOINT: `http://${ram.endpoint}`,
      ROTOR_RDS_ENDPOINT: `http://${rds.endpoint}`,
    }),
  ]);
}, 120_000);

afterAll(async () => {
  tally.write();
  await Promise.all([ecsRuntime?.stop(), ramRdsRuntime?.stop()]);
  await Promise.all([ecs?.stop(), ram?.stop(), rds?.stop()]);
  expect(tally.crossedCount).toBe(0);
});

describe('ECS', () => {
  const config = { SecretSubType: 'Password', RegionId: REGION, InstanceId: INSTANCE };
  const userResource = (user: string) => `acs:ecs:${REGION}:${ACCOUNT}:instance/${INSTANCE}/user/${user}`;
  const value = (user: string) => JSON.stringify({ UserName: user, Password: 'Initial-Pass-1' });

  it('root and Administrator are refused under kms:* on *, and the instance is never asked', async () => {
    const key = await keyWith(ecsRuntime, BROAD);
    for (const user of ['root', 'Administrator'])
      expectPrivilegedRefused(await create(ecsRuntime, key, `acs/ecs/${INSTANCE}/${user}`, 'ECS', config, value(user)), userResource(user));
    expect(ecs.calls).toEqual([]);
  });

  it('an ordinary user is created under the same broad Allow, and root with kms:RotatePrivilegedTarget named', async () => {
    const broad = await keyWith(ecsRuntime, BROAD);
    expect((await create(ecsRuntime, broad, `acs/ecs/${INSTANCE}/app`, 'ECS', config, value('app'))).status).toBe(200);
    const named = await keyWith(ecsRuntime, withPrivileged(userResource('root')));
    expect((await create(ecsRuntime, named, `acs/ecs/${INSTANCE}/root`, 'ECS', config, value('root'))).status).toBe(200);
  });
});

describe('RAM', () => {
  const config = (user: string) => ({ SecretSubType: 'RamUserAccessKey', UserName: user });
  const userResource = (user: string) => `acs:ram::${ACCOUNT}:user/${user}`;
  /** Every key of the user, as CreateSecret must list them; one is issued first if it has none. */
  const secretData = (user: string) => {
    if (ram.keysOf(user).length === 0) ram.issueKey(user);
    return JSON.stringify({ AccessKeys: ram.keysOf(user).map((k) => ({ AccessKeyId: k.accessKeyId, AccessKeySecret: k.accessKeySecret })) });
  };

  it('an administrator RAM user is refused under kms:* on *, and RAM is never called', async () => {
    const key = await keyWith(ramRdsRuntime, BROAD);
    const before = ram.calls.length;
    expectPrivilegedRefused(await create(ramRdsRuntime, key, '$Auto', 'RAMCredentials', config('Administrator'), secretData('Administrator')), userResource('Administrator'));
    expect(ram.calls.length).toBe(before);
  });

  it('with kms:RotatePrivilegedTarget named on that user it is created; an ordinary user needs only the broad Allow', async () => {
    const named = await keyWith(ramRdsRuntime, withPrivileged(userResource('Administrator')));
    expect((await create(ramRdsRuntime, named, '$Auto', 'RAMCredentials', config('Administrator'), secretData('Administrator'))).status).toBe(200);
    const broad = await keyWith(ramRdsRuntime, BROAD);
    expect((await create(ramRdsRuntime, broad, '$Auto', 'RAMCredentials', config('ci-deployer'), secretData('ci-deployer'))).status).toBe(200);
  });
});

describe('RDS', () => {
  const accountResource = (account: string) => `acs:rds:${REGION}:${ACCOUNT}:dbinstance/${RDS_INSTANCE}/account/${account}`;
  const imported = (account: string) => JSON.stringify({ Accounts: [{ AccountName: account, AccountPassword: 'Initial-Pass-1' }] });

  it('a Super account (one-click creation) or a root account is refused under kms:* on *, and RDS is never called', async () => {
    const key = await keyWith(ramRdsRuntime, BROAD);
    const before = rds.calls.length;
    const superConfig = { SecretSubType: 'SingleUser', DBInstanceId: RDS_INSTANCE, CreateAccounts: { AccountName: 'opsowner', AccountType: 'Super' } };
    expectPrivilegedRefused(await create(ramRdsRuntime, key, 'att/rds-super', 'Rds', superConfig, imported('opsowner')), accountResource('opsowner'));
    const importConfig = { SecretSubType: 'SingleUser', DBInstanceId: RDS_INSTANCE };
    expectPrivilegedRefused(await create(ramRdsRuntime, key, 'att/rds-root', 'Rds', importConfig, imported('root')), accountResource('root'));
    expect(rds.calls.length).toBe(before);
  });

  it('with kms:RotatePrivilegedTarget named, the request gets past the check and reaches RDS', async () => {
    const key = await keyWith(ramRdsRuntime, withPrivileged(accountResource('root')));
    const before = rds.calls.length;
    const answer = await create(ramRdsRuntime, key, 'att/rds-root', 'Rds', { SecretSubType: 'SingleUser', DBInstanceId: RDS_INSTANCE }, imported('root'));
    // No such instance on the test server: RDS refuses, but only after the deputy check let it through.
    expect(answer.body.Code).not.toMatch(/^Forbidden\./);
    expect(rds.calls.length).toBeGreaterThan(before);
  });
});
