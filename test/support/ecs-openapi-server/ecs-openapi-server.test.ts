/**
 * The ECS OpenAPI test server itself, through the official SDK: it refuses a wrong signature, and
 * reports a script's run in Cloud Assistant's shape (Base64 output, status, exit code).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkCloudAssistant } from '../../../shared/adapters/drivers/ecs/cloud-assistant.js';
import { TargetError } from '../../../shared/domain/errors.js';
import { startEcsOpenApiServer, type EcsOpenApiTestServer } from './index.js';

describe('the ECS OpenAPI test server', () => {
  let ecs: EcsOpenApiTestServer;
  beforeAll(async () => {
    ecs = await startEcsOpenApiServer();
    ecs.addInstance({ instanceId: 'i-here', regionId: 'cn-hangzhou', osType: 'linux' });
    ecs.addInstance({ instanceId: 'i-win', regionId: 'cn-hangzhou', osType: 'windows' });
  });
  afterAll(async () => ecs?.stop());

  const assistant = (accessKeySecret?: string) =>
    sdkCloudAssistant({
      credentials: () => ({ ...ecs.manager, ...(accessKeySecret ? { accessKeySecret } : {}) }),
      endpoint: `http://${ecs.endpoint}`,
      pollIntervalMs: 10,
      waitMs: 30_000,
    });

  it('describes instances by id and region, with their OSType', async () => {
    expect(await assistant().instanceOs('cn-hangzhou', 'i-here')).toBe('linux');
    expect(await assistant().instanceOs('cn-hangzhou', 'i-win')).toBe('windows');
    expect(await assistant().instanceOs('cn-shanghai', 'i-here')).toBeNull();
  });

  it('runs a script and reports its output and exit code once it has ended', async () => {
    const ok = await assistant().runShellScript('cn-hangzhou', 'i-here', "printf 'it ran\\n'; printf 'to stderr\\n' >&2");
    expect(ok).toEqual({ exitCode: 0, output: 'it ran\nto stderr\n', status: 'Success' });
    const failed = await assistant().runShellScript('cn-hangzhou', 'i-here', 'echo nope; exit 7');
    expect(failed).toEqual({ exitCode: 7, output: 'nope\n', status: 'Failed' });
    expect(ecs.calls).toContain('DescribeInvocationResults');
  });

  it('refuses a request signed with the wrong secret, running nothing', async () => {
    const before = ecs.invocations.length;
    const error = await assistant('not-the-secret').runShellScript('cn-hangzhou', 'i-here', 'echo never').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).message).toMatch(/SignatureDoesNotMatch/);
    expect(ecs.invocations.length).toBe(before);
  });

  it('refuses a shell script for a Windows instance, and PowerShell for a Linux one', async () => {
    const error = await assistant().runShellScript('cn-hangzhou', 'i-win', 'echo never').catch((e: unknown) => e);
    expect((error as TargetError).message).toMatch(/InvalidParameter\.Type/);
    const onLinux = await assistant().runPowerShellScript('cn-hangzhou', 'i-here', 'Write-Output never').catch((e: unknown) => e);
    expect((onLinux as TargetError).message).toMatch(/InvalidParameter\.Type/);
  });

  it('never runs PowerShell: a Windows command that is not one of the driver templates fails, and is recorded as sent', async () => {
    const before = ecs.invocations.length;
    const run = await assistant().runPowerShellScript('cn-hangzhou', 'i-win', "Write-Output 'hello'");
    expect(run).toEqual({ exitCode: 1, status: 'Failed', output: expect.stringMatching(/^emulated Windows instance: not a secret-rotor template/) });
    expect(ecs.invocations.slice(before)).toEqual([
      expect.objectContaining({ type: 'RunPowerShellScript', script: "Write-Output 'hello'", timeoutSeconds: 120, instanceId: 'i-win' }),
    ]);
  });

  it('reports an interrupted command as Cloud Assistant does: a final status and no exit code', async () => {
    ecs.interruptNext('i-here', 'Timeout');
    expect(await assistant().runShellScript('cn-hangzhou', 'i-here', 'echo never')).toEqual({ exitCode: null, output: '', status: 'Timeout' });
    expect(await assistant().runShellScript('cn-hangzhou', 'i-here', 'echo again')).toMatchObject({ exitCode: 0, output: 'again\n' });
  });
});
