/**
 * A smoke test of a running secret-rotor (deployed or local) through the official KMS SDK: create a
 * generated-password secret, rotate it, wait for the rotation, read both versions, delete it.
 * Throws on the first thing that is not as it should be; prints no secret value.
 */
import { randomUUID } from 'node:crypto';
import * as kmsSdk from '@alicloud/kms20160120';

export interface SmokeOptions {
  /** host[:port] of the api function's HTTP trigger (or the local runtime). */
  endpoint: string;
  protocol: 'http' | 'https';
  accessKeyId: string;
  accessKeySecret: string;
  regionId?: string;
  timeoutMs?: number;
  log?: (line: string) => void;
}

type Client = { doRequest: (...args: unknown[]) => Promise<Record<string, unknown>> };
type ClientClass = new (config: Record<string, unknown>) => Client;

/** The SDK is CommonJS with `exports.default`; loaders wrap it in one or two `default` layers. */
const clientClass = (): ClientClass => {
  const mod = kmsSdk as unknown as { default?: { default?: unknown } };
  const found = [mod.default, mod.default?.default, mod].find((c) => typeof c === 'function');
  if (!found) throw new Error('@alicloud/kms20160120 has no client class');
  return found as ClientClass;
};

export const runSmoke = async (o: SmokeOptions): Promise<void> => {
  const log = o.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const Kms = clientClass();
  const kms = new Kms({
    accessKeyId: o.accessKeyId,
    accessKeySecret: o.accessKeySecret,
    endpoint: o.endpoint,
    protocol: o.protocol,
    regionId: o.regionId ?? 'cn-hangzhou',
  });
  // RotateSecret and ExtendedConfig have no typed method in SDK 1.2.0; doRequest is its own transport and signer.
  const call = (action: string, query: Record<string, string>) =>
    kms.doRequest(action, 'HTTPS', 'POST', '2016-01-20', 'AK', query, null, {});
  const name = `smoke-${randomUUID().slice(0, 8)}`;
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);

  await call('CreateSecret', {
    SecretName: name,
    VersionId: 'v1',
    SecretData: randomUUID(),
    ExtendedConfig: '{"SecretSubType":"GeneratedPassword"}',
  });
  log(`created ${name}`);
  try {
    await call('RotateSecret', { SecretName: name, VersionId: 'smoke-r1' });
    log('rotation started');
    for (;;) {
      const d = await call('DescribeSecret', { SecretName: name });
      if (d.RotationStatus === 'Failed') throw new Error(`rotation failed: ${JSON.stringify(d.LastRotationError)}`);
      if (d.RotationStatus !== 'Rotating' && d.LastRotationDate) break;
      if (Date.now() > deadline) throw new Error(`rotation did not finish in time (step ${String(d.RotationStep)})`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const current = await call('GetSecretValue', { SecretName: name });
    const previous = await call('GetSecretValue', { SecretName: name, VersionStage: 'ACSPrevious' });
    if (current.VersionId !== 'smoke-r1' || previous.VersionId !== 'v1') {
      throw new Error(`unexpected versions: current ${String(current.VersionId)}, previous ${String(previous.VersionId)}`);
    }
    if (current.SecretData === previous.SecretData) throw new Error('the rotated value equals the old one');
    log('rotated: ACSCurrent is the new version, ACSPrevious the old one');
  } finally {
    await call('DeleteSecret', { SecretName: name, ForceDeleteWithoutRecovery: 'true' });
    log(`deleted ${name}`);
  }
};
