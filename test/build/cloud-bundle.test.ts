/**
 * The deployable artifact on the cloud path: the api and rotate bundles, each invocation a fresh
 * Node process on a copy with no node_modules reachable (as on FC), ROTOR_BACKEND=alibaba against
 * the Tablestore, MNS and KMS protocol test servers. This is what proves the SDKs survive bundling
 * (Tablestore's protobuf codec, the Tea KMS client, MNS's XML) and that nothing on the cloud path
 * needs better-sqlite3.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleOne } from '../../scripts/build/bundle-functions.js';
import { invokeInIsolation, isolateBundle, type IsolatedCopy } from '../../scripts/build/isolated-load.js';
import { PROJECT_ROOT } from '../../shared/runtime/local/runtime.js';
import { deliverQueuedSteps, EVENTS_TOPIC as TOPIC, startCloudTestbed, type CloudTestbed } from '../support/cloud-testbed.js';
import { asBuffer, httpEvent, timerEvent } from '../support/fc-events.js';
import { signedV1Params } from '../support/request-signers.js';

const ROLE_KEY = { accessKeyId: 'LTAI-bundle-role-key', accessKeySecret: 'bundle-role-secret-0123456789' };
const ROOT = { accessKeyId: 'LTAIbundleroot01', accessKeySecret: 'bundle-root-secret-for-kms-api-01' };

let outDir: string;
let api: IsolatedCopy;
let rotate: IsolatedCopy;
let bed: CloudTestbed;
let functionEnv: Record<string, string>;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'rotor-cloud-dist-'));
  const build = (name: string) => bundleOne({ name, entry: join(PROJECT_ROOT, 'functions', name, 'index.ts') }, join(outDir, name));
  api = isolateBundle((await build('api')).dir);
  rotate = isolateBundle((await build('rotate')).dir);
  bed = await startCloudTestbed(ROLE_KEY, ROOT, 'rotor-bundle');
  // What s.yaml's template gives the deployed functions, pointed at the test servers.
  functionEnv = { ...bed.env, ROTOR_LOG_LEVEL: 'warn', ROTOR_DATA_DIR: '/tmp/rotor' };
}, 120_000);

afterAll(async () => {
  api?.remove();
  rotate?.remove();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  await bed?.stop();
});

/**
 * A cold invocation: FC's context carries the function role's credentials. A failure brings the
 * function's log along, as that is where the cause is.
 */
const invoke = async (copy: IsolatedCopy, functionName: string, event: unknown): Promise<unknown> => {
  const run = await invokeInIsolation(copy, {
    event: asBuffer(event),
    context: {
      requestId: randomUUID(),
      credentials: { ...ROLE_KEY, securityToken: '' },
      function: { name: functionName, handler: 'index.handler', memory: 512, timeout: 60 },
      region: 'cn-hangzhou',
      accountId: bed.mns.accountId,
    },
    env: functionEnv,
  });
  if (!run.outcome.ok) throw new Error(`${functionName} threw ${JSON.stringify(run.outcome.error)}; log: ${run.stdout}`);
  const status = (run.outcome.result as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 500) throw new Error(`${functionName} answered ${status}; log: ${run.stdout}`);
  return run.outcome.result;
};

const callKms = async (copy: IsolatedCopy, functionName: string, params: Record<string, string>) => {
  const signed = signedV1Params(params, { accessKeyId: ROOT.accessKeyId, secret: ROOT.accessKeySecret });
  const result = (await invoke(copy, functionName, httpEvent(signed))) as { statusCode: number; body: string };
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
};

/** Plays the eventbridge trigger: each queued step, as a one-message batch, to a cold rotate bundle. */
const deliverSteps = (): Promise<number> => deliverQueuedSteps(bed, (event) => invoke(rotate, 'secret-rotor-rotate', event));

describe('the bundles with ROTOR_BACKEND=alibaba, alone, over the protocol test servers', () => {
  it('create and read through the api bundle, rotate through the rotate bundle and MNS, then tick its timer', async () => {
    const created = await callKms(api, 'secret-rotor-api', {
      Action: 'CreateSecret',
      SecretName: 'bundle-db',
      VersionId: 'v1',
      SecretData: 'first-bundle-value',
      ExtendedConfig: '{"SecretSubType":"GeneratedPassword"}',
    });
    expect(created).toMatchObject({ status: 200, body: { SecretName: 'bundle-db', VersionId: 'v1' } });
    const first = await callKms(api, 'secret-rotor-api', { Action: 'GetSecretValue', SecretName: 'bundle-db' });
    expect(first.body).toMatchObject({ SecretData: 'first-bundle-value', VersionId: 'v1' });
    expect(bed.kms.calls.map((c) => c.action)).toEqual(expect.arrayContaining(['GenerateDataKey', 'Decrypt']));

    const rotation = await callKms(rotate, 'secret-rotor-rotate', { Action: 'RotateSecret', SecretName: 'bundle-db', VersionId: 'r1' });
    expect(rotation.status).toBe(200);
    expect(await deliverSteps()).toBe(5); // four steps and the finalize after the promote
    const current = await callKms(api, 'secret-rotor-api', { Action: 'GetSecretValue', SecretName: 'bundle-db' });
    expect(current.body).toMatchObject({ VersionId: 'r1' });
    expect(current.body.SecretData).not.toBe('first-bundle-value');
    const types = bed.mns.state.published(TOPIC).map((m) => (JSON.parse(Buffer.from(m.body, 'base64').toString('utf8')) as { type: string }).type);
    expect(types).toContain('com.secretrotor.rotation.succeeded');

    expect(await invoke(rotate, 'secret-rotor-rotate', timerEvent('schedule'))).toMatchObject({
      rowsRead: 0,
      acted: 0,
      skipped: 0,
      reconcile: { expiredRead: 0 },
    });
  });
});
