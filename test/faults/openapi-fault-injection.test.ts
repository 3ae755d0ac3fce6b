/**
 * The error-injection control of the RAM, RDS and ECS OpenAPI test servers, through each official
 * SDK: injected throttling and 5xx answers arrive as Alibaba's error codes and HTTP statuses and
 * are classified retryable by the drivers' API layers; `action` and `times` limit what is hit; a
 * held answer is a timeout for the SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkCloudAssistant } from '../../shared/adapters/drivers/ecs/cloud-assistant.js';
import { createRdsAccountsApi } from '../../shared/adapters/drivers/rds/rds-api.js';
import { sdkRamApi } from '../../shared/adapters/drivers/ram/ram-api.js';
import { ramTargetError } from '../../shared/adapters/drivers/ram/ram-errors.js';
import { TargetError } from '../../shared/domain/errors.js';
import { startEcsOpenApiServer, type EcsOpenApiTestServer } from '../support/ecs-openapi-server/index.js';
import { startRamOpenApiServer, type RamOpenApiTestServer } from '../support/ram-openapi-server/index.js';
import { startRdsOpenApiServer, type RdsOpenApiServer } from '../support/rds-openapi-server/index.js';

let ram: RamOpenApiTestServer;
let rds: RdsOpenApiServer;
let ecs: EcsOpenApiTestServer;

beforeAll(async () => {
  [ram, rds, ecs] = await Promise.all([startRamOpenApiServer(), startRdsOpenApiServer(), startEcsOpenApiServer()]);
  ram.addUser('alice');
  ecs.addInstance({ instanceId: 'i-here', regionId: 'cn-hangzhou', osType: 'linux' });
});
afterAll(async () => {
  await Promise.all([ram?.stop(), rds?.stop(), ecs?.stop()]);
});

const failure = async (call: Promise<unknown>): Promise<unknown> => {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
};

describe('RAM', () => {
  const api = () => sdkRamApi({ endpoint: `http://${ram.endpoint}` })(ram.manager);

  it('answers injected Throttling.User (400) and ServiceUnavailable (503) for the named action only, `times` times', async () => {
    ram.injectFaults({ action: 'ListAccessKeys', code: 'Throttling.User', times: 2 });
    const throttled = (await failure(api().listAccessKeys('alice'))) as { code: string; statusCode: number };
    expect(throttled).toMatchObject({ code: 'Throttling.User', statusCode: 400 });
    expect(ramTargetError('ListAccessKeys', throttled)).toMatchObject({ code: 'Target.Unavailable', retryable: true });
    expect(await api().getUser('alice')).toEqual({ userName: 'alice' }); // another action: untouched
    await failure(api().listAccessKeys('alice'));
    expect(await api().listAccessKeys('alice')).toEqual([]); // used up

    ram.injectFaults({ code: 'ServiceUnavailable' });
    expect(await failure(api().getUser('alice'))).toMatchObject({ code: 'ServiceUnavailable', statusCode: 503 });
    expect(ram.faults.injected.map((f) => [f.action, f.kind])).toEqual([
      ['ListAccessKeys', 'throttling'],
      ['ListAccessKeys', 'throttling'],
      ['GetUser', '5xx'],
    ]);
  });

  it('a held answer is a timeout, and the held operation still happened', async () => {
    ram.injectFaults({ action: 'CreateAccessKey', delayMs: 4_000 });
    const started = Date.now();
    const error = (await failure(api().createAccessKey('alice'))) as Error;
    expect(error.name).toBe('RequestTimeoutError');
    expect(Date.now() - started).toBeLessThan(3_900);
    expect(ram.keysOf('alice')).toHaveLength(1);
  });
});

describe('RDS', () => {
  const api = () =>
    createRdsAccountsApi(() => ({ accessKeyId: rds.accessKeyId, accessKeySecret: rds.accessKeySecret }), {
      endpoint: rds.endpoint,
      protocol: 'http',
      connectTimeoutMs: 500,
      readTimeoutMs: 500,
    });

  it.each([
    { code: 'Throttling.User', status: 400 },
    { code: 'ServiceUnavailable', status: 503 },
    { code: 'InternalError', status: 500 },
  ])('$code ($status) is a retryable Target.Unavailable', async ({ code, status }) => {
    rds.injectFaults({ action: 'DescribeDBInstanceAttribute', code, status });
    const error = await failure(api().describeInstance('rm-none'));
    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({ code: 'Target.Unavailable', retryable: true });
    expect((error as Error).message).toContain(`${code} (HTTP ${status})`);
  });

  it('a held answer is a retryable Target.Timeout', async () => {
    rds.injectFaults({ action: 'DescribeDBInstanceAttribute', code: 'InternalError', delayMs: 2_000 });
    const error = await failure(api().describeInstance('rm-none'));
    expect(error).toMatchObject({ code: 'Target.Timeout', retryable: true });
  });
});

describe('ECS', () => {
  const assistant = () => sdkCloudAssistant({ credentials: () => ecs.manager, endpoint: `http://${ecs.endpoint}`, pollIntervalMs: 10, waitMs: 10_000 });

  it.each([
    { code: 'Throttling', status: 400 },
    { code: 'ServiceUnavailable', status: 503 },
  ])('$code ($status) is a retryable Target.Unavailable, and the next call works', async ({ code, status }) => {
    ecs.injectFaults({ action: 'DescribeInstances', code, status });
    const error = await failure(assistant().instanceOs('cn-hangzhou', 'i-here'));
    expect(error).toMatchObject({ code: 'Target.Unavailable', retryable: true });
    expect((error as Error).message).toContain(code);
    expect(await assistant().instanceOs('cn-hangzhou', 'i-here')).toBe('linux');
  });

  it('counts what it served by kind', () => {
    expect(ecs.faults.counts()).toMatchObject({ throttling: 1, '5xx': 1, timeout: 0 });
  });
});
