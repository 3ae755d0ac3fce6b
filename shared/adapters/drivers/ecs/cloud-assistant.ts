/**
 * The ECS calls a managed ECS secret needs, over the official `@alicloud/ecs20140526` client (V3
 * ACS3-HMAC-SHA256 signatures): the instance's OS, and a shell (Linux) or PowerShell (Windows)
 * script run by Cloud Assistant (RunCommand, then DescribeInvocationResults until the run is over
 * or the wait runs out).
 */
import * as openApi from '@alicloud/openapi-core';
import type * as EcsSdk from '@alicloud/ecs20140526';
import type EcsSdkClient from '@alicloud/ecs20140526';
import { TargetError } from '../../../domain/errors.js';
import { clientPerCredentials, type CloudCredentials, type CredentialsProvider } from '../../support/cloud-credentials.js';

export type InstanceOs = 'linux' | 'windows';

export interface ScriptResult {
  /** null when Cloud Assistant reports no exit code (the run was stopped or never started). */
  exitCode: number | null;
  /** stdout and stderr together, as Cloud Assistant collects them. */
  output: string;
  /** Cloud Assistant's InvocationStatus: Success, Failed, Stopped, Timeout, ... */
  status: string;
}

export interface CloudAssistant {
  /** The instance's OSType, or null when the region has no such instance. */
  instanceOs(regionId: string, instanceId: string): Promise<InstanceOs | null>;
  /** A shell script (RunShellScript), for Linux instances. */
  runShellScript(regionId: string, instanceId: string, script: string): Promise<ScriptResult>;
  /** A PowerShell script (RunPowerShellScript), for Windows instances. */
  runPowerShellScript(regionId: string, instanceId: string, script: string): Promise<ScriptResult>;
}

type ScriptType = 'RunShellScript' | 'RunPowerShellScript';

export interface CloudAssistantOptions {
  credentials: CredentialsProvider;
  /** Host name (https) or http(s)://host[:port]. Default: the region's ECS endpoint. */
  endpoint?: string;
  /** How long a script may run on the instance (Cloud Assistant's Timeout), seconds. */
  commandTimeoutSeconds?: number;
  /** How often to ask for the result, and for how long in all. */
  pollIntervalMs?: number;
  waitMs?: number;
  /** Injected so tests never wait on the wall clock. */
  sleep?: (ms: number) => Promise<void>;
}

/** Statuses after which the invocation on the instance changes no more. */
const FINAL_STATUSES = new Set(['Success', 'Failed', 'Stopped', 'Timeout', 'Error', 'Invalid', 'Aborted', 'Cancelled', 'Terminated', 'Finished']);

const DEFAULTS = { commandTimeoutSeconds: 120, pollIntervalMs: 1000, waitMs: 180_000 };

type SdkModule = typeof EcsSdk & { default?: unknown };

/** Loaded on first use: the SDK is large, and most functions never rotate an ECS secret. */
let sdkModule: Promise<SdkModule> | undefined;
const loadSdk = (): Promise<SdkModule> => (sdkModule ??= import('@alicloud/ecs20140526') as Promise<SdkModule>);

/** The package is CommonJS with `exports.default = Client`; the class is one or two `default`s deep. */
const sdkClientClass = (ecsSdk: SdkModule): typeof EcsSdkClient => {
  const outer = ecsSdk.default as { default?: unknown } | undefined;
  const found = [outer, outer?.default].find(
    (candidate) => typeof candidate === 'function' && 'runCommand' in (candidate as { prototype: object }).prototype,
  );
  if (!found) throw new Error('@alicloud/ecs20140526 has no usable Client export.');
  return found as typeof EcsSdkClient;
};

const splitEndpoint = (endpoint: string): { host: string; protocol: 'http' | 'https' } => {
  const scheme = /^(https?):\/\/([^/]+)\/?$/.exec(endpoint);
  if (scheme) return { protocol: scheme[1] as 'http' | 'https', host: scheme[2] as string };
  if (endpoint.includes('/')) throw new Error('The ECS endpoint must be a host name or http(s)://host.');
  return { host: endpoint, protocol: 'https' };
};

const buildClient = (ecsSdk: SdkModule, regionId: string, endpoint: string | undefined, credentials: CloudCredentials): EcsSdkClient => {
  const Client = sdkClientClass(ecsSdk);
  const where = endpoint ? splitEndpoint(endpoint) : null;
  return new Client(
    new openApi.$OpenApiUtil.Config({
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
      regionId,
      ...(where ? { endpoint: where.host, protocol: where.protocol } : {}),
    }),
  );
};

const RETRYABLE_CODES = /^(Throttling|ServiceUnavailable|InternalError|IncorrectInstanceStatus|InvalidOperation\.Conflict)/;
const PERMISSION_CODES = /^(Forbidden|NoPermission|NotAuthorized|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidSecurityToken|IncompleteSignature)/;

/**
 * The SDK's error as a TargetError built from fixed texts and ECS's error code only: an HTTP
 * library's message may quote the request, whose query carries the script (a password hash).
 */
export const ecsApiError = (action: string, error: unknown): TargetError => {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; statusCode?: unknown };
  const code = typeof fields.code === 'string' && /^[A-Za-z0-9.:_-]{1,100}$/.test(fields.code) ? fields.code : undefined;
  const status = typeof fields.statusCode === 'number' ? ` (HTTP ${fields.statusCode})` : '';
  if (code && PERMISSION_CODES.test(code)) return new TargetError('Target.PermissionDenied', `ECS ${action} was refused: ${code}${status}.`, false);
  if (code && /NotFound/.test(code)) return new TargetError('Target.Rejected', `ECS ${action} was refused: ${code}${status}.`, false);
  if (code && !RETRYABLE_CODES.test(code) && !/^E[A-Z]+$/.test(code))
    return new TargetError('Target.Rejected', `ECS ${action} was refused: ${code}${status}.`, false);
  return new TargetError('Target.Unavailable', `ECS ${action} failed${code ? `: ${code}` : ''}${status}.`, true);
};

const call = async <T>(action: string, work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    throw ecsApiError(action, error);
  }
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const sdkCloudAssistant = (options: CloudAssistantOptions): CloudAssistant => {
  const settings = { ...DEFAULTS, ...options };
  const sleep = options.sleep ?? defaultSleep;
  const perRegion = new Map<string, () => Promise<EcsSdkClient>>();
  const clientFor = async (regionId: string): Promise<{ client: EcsSdkClient; ecsSdk: SdkModule }> => {
    const ecsSdk = await loadSdk();
    let getter = perRegion.get(regionId);
    if (!getter) {
      getter = clientPerCredentials(options.credentials, (credentials) => buildClient(ecsSdk, regionId, options.endpoint, credentials));
      perRegion.set(regionId, getter);
    }
    return { client: await getter(), ecsSdk };
  };

  const resultOf = async (regionId: string, instanceId: string, invokeId: string): Promise<ScriptResult | null> => {
    const { client, ecsSdk } = await clientFor(regionId);
    const body = (
      await call('DescribeInvocationResults', () =>
        client.describeInvocationResults(new ecsSdk.DescribeInvocationResultsRequest({ regionId, invokeId, instanceId, contentEncoding: 'Base64' })),
      )
    ).body;
    const found = body?.invocation?.invocationResults?.invocationResult?.find((r) => r.instanceId === instanceId);
    const status = found?.invocationStatus ?? '';
    if (!found || !FINAL_STATUSES.has(status)) return null;
    return {
      exitCode: typeof found.exitCode === 'number' ? found.exitCode : null,
      output: Buffer.from(found.output ?? '', 'base64').toString('utf8'),
      status,
    };
  };

  /**
   * RunCommand with the content Base64-encoded (ContentEncoding=Base64), not kept as a reusable
   * command, as the default user (root on Linux, SYSTEM on Windows: no Username or
   * WindowsPasswordName), then DescribeInvocationResults until the run is over.
   */
  const run = async (type: ScriptType, regionId: string, instanceId: string, script: string): Promise<ScriptResult> => {
    const { client, ecsSdk } = await clientFor(regionId);
    const started = await call('RunCommand', () => client.runCommand(
      new ecsSdk.RunCommandRequest({
        regionId,
        instanceId: [instanceId],
        type,
        commandContent: Buffer.from(script, 'utf8').toString('base64'),
        contentEncoding: 'Base64',
        timeout: settings.commandTimeoutSeconds,
        keepCommand: false,
        name: 'secret-rotor',
      }),
    ));
    const invokeId = started.body?.invokeId;
    if (!invokeId) throw new TargetError('Target.Failed', 'Cloud Assistant RunCommand returned no InvokeId.', true);
    for (let waited = 0; ; waited += settings.pollIntervalMs) {
      const result = await resultOf(regionId, instanceId, invokeId);
      if (result) return result;
      if (waited >= settings.waitMs)
        throw new TargetError('Target.Unavailable', `Cloud Assistant did not finish invocation ${invokeId} within ${Math.round(settings.waitMs / 1000)} s.`, true);
      await sleep(settings.pollIntervalMs);
    }
  };

  return {
    async instanceOs(regionId, instanceId) {
      const { client, ecsSdk } = await clientFor(regionId);
      const body = (
        await call('DescribeInstances', () => client.describeInstances(new ecsSdk.DescribeInstancesRequest({ regionId, instanceIds: JSON.stringify([instanceId]) })))
      ).body;
      const instance = body?.instances?.instance?.find((i) => i.instanceId === instanceId);
      if (!instance) return null;
      return (instance.OSType ?? '').toLowerCase() === 'windows' ? 'windows' : 'linux';
    },

    runShellScript: (regionId, instanceId, script) => run('RunShellScript', regionId, instanceId, script),
    runPowerShellScript: (regionId, instanceId, script) => run('RunPowerShellScript', regionId, instanceId, script),
  };
};
