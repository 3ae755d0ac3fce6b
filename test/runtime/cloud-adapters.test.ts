import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudCredentials } from '../../shared/adapters/support/cloud-credentials.js';
import { EventTypes } from '../../shared/domain/events.js';
import type { RotorEvent } from '../../shared/ports/event-publisher.js';
import { createCloudAdapters, type CloudAdapterConfig } from '../../shared/runtime/cloud-adapters.js';
import { startKmsKeyServer, type KmsKeyTestServer } from '../support/kms-key-server/index.js';
import { ManualClock, SECOND } from '../support/manual-clock.js';
import { createMnsSdkClient } from '../support/mns-server/mns-sdk.js';
import { startMnsServer, type MnsTestServer } from '../support/mns-server/index.js';

const STS_TOKEN = 'sts-token';

/** The source files in the entry chunk and every chunk it imports statically, i.e. loaded at import time. */
const staticallyLoadedInputs = (metafile: Metafile): string[] => {
  const entry = Object.keys(metafile.outputs).find((path) => metafile.outputs[path]!.entryPoint !== undefined);
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const edge of metafile.outputs[path]!.imports) if (edge.kind === 'import-statement' && !edge.external) visit(edge.path);
  };
  visit(entry!);
  return [...seen].flatMap((path) => Object.keys(metafile.outputs[path]!.inputs));
};

describe('createCloudAdapters over the MNS and KMS test servers', () => {
  let clock: ManualClock;
  let mns: MnsTestServer;
  let kms: KmsKeyTestServer;
  let config: CloudAdapterConfig;
  let credentials: CloudCredentials;

  beforeEach(async () => {
    clock = new ManualClock();
    mns = await startMnsServer({ clock, accessKeyId: 'role-key', accessKeySecret: 'role-secret' });
    kms = await startKmsKeyServer({ accessKeyId: 'role-key', accessKeySecret: 'role-secret', securityToken: STS_TOKEN });
    const sdk = createMnsSdkClient(mns.accountId, { endpoint: mns.endpoint, accessKeyId: 'role-key', accessKeySecret: 'role-secret' });
    for (const queue of ['steps', 'steps-dlq']) await sdk.createQueue(queue);
    await sdk.createTopic('events');
    config = {
      region: 'cn-hangzhou',
      mns: { accountId: mns.accountId, endpoint: mns.endpoint, queueName: 'steps', topicName: 'events', maxReceives: 1 },
      kms: { endpoint: `http://${kms.endpoint}`, keyId: kms.keyId },
    };
    credentials = { accessKeyId: 'role-key', accessKeySecret: 'role-secret', securityToken: STS_TOKEN };
  });

  afterEach(async () => {
    await mns.stop();
    await kms.stop();
  });

  it('wires the queue, the events topic and the KMS key with the credentials of the moment', async () => {
    const { queue, events, keys } = await createCloudAdapters(config, () => credentials, { clock });

    await queue.send({ secretName: 'app/db', versionId: 'v2', step: 'verify' });
    expect((await queue.receive(1, 30)).map((m) => m.body.step)).toEqual(['verify']);
    const dataKey = await keys.generateDataKey({ secretName: 'app/db' });
    expect((await keys.decryptDataKey(dataKey.keyId, dataKey.wrapped, { secretName: 'app/db' })).equals(dataKey.plaintext)).toBe(true);
    await events.publish({
      specversion: '1.0',
      id: '1',
      source: 'secret-rotor',
      type: EventTypes.secretCreated,
      subject: 'app/db',
      time: new Date(clock.now()).toISOString(),
      datacontenttype: 'application/json',
      data: {},
    });
    expect(mns.state.published('events').map((m) => m.tag)).toEqual(['secret.created']);

    credentials = { ...credentials, securityToken: 'a-token-kms-does-not-know' };
    await expect(keys.generateDataKey({})).rejects.toMatchObject({ code: 'InvalidSecurityToken.MismatchWithAccessKey' });
    credentials = { ...credentials, accessKeySecret: 'not-the-secret' };
    await expect(queue.send({ secretName: 'a', versionId: 'v', step: 'verify' })).rejects.toMatchObject({
      name: 'MNSSignatureDoesNotMatchError',
    });
  });

  it('publishes a dead-lettered event when it gives up on a step message', async () => {
    const { queue } = await createCloudAdapters(config, () => credentials, { clock });
    await queue.send({ secretName: 'app/db', versionId: 'v2', step: 'applyToTarget' });
    const [message] = await queue.receive(1, 30);
    clock.advance(31 * SECOND);
    expect(await queue.receive(1, 30)).toEqual([]);

    const [published, ...rest] = mns.state.published('events');
    expect(rest).toEqual([]);
    expect(published!.tag).toBe('dead-lettered');
    const event = JSON.parse(Buffer.from(published!.body, 'base64').toString('utf8')) as RotorEvent;
    expect(event).toMatchObject({
      type: 'com.secretrotor.rotation.dead-lettered',
      subject: 'app/db',
      time: new Date(clock.now()).toISOString(),
      data: {
        secretName: 'app/db',
        versionId: 'v2',
        step: 'applyToTarget',
        queue: 'steps',
        messageId: message!.messageId,
        receiveCount: 1,
        enqueuedAt: new Date(message!.enqueuedAt).toISOString(),
      },
    });
    expect(await queue.deadLetters()).toHaveLength(1);
  });

  it('refuses an empty setting, naming it', async () => {
    await expect(createCloudAdapters({ ...config, kms: { keyId: ' ' } }, () => credentials)).rejects.toThrow(/kms\.keyId/);
    await expect(createCloudAdapters({ ...config, mns: { ...config.mns, topicName: '' } }, () => credentials)).rejects.toThrow(
      /mns\.topicName/,
    );
  });
});

describe('cloud-adapters module loading', () => {
  it('loads the cloud SDKs and adapters only through dynamic imports, and nothing of the local backend', async () => {
    const entry = fileURLToPath(new URL('../../shared/runtime/cloud-adapters.ts', import.meta.url));
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      outdir: 'unused',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const metafile: Metafile = result.metafile;
    const staticInputs = staticallyLoadedInputs(metafile);
    expect(staticInputs.some((path) => path.endsWith('shared/runtime/cloud-adapters.ts'))).toBe(true);

    expect(staticInputs.some((path) => path.includes('@alicloud/'))).toBe(false);
    expect(staticInputs.some((path) => path.includes('/adapters/mns/') || path.includes('/adapters/kms/'))).toBe(false);
    expect(staticInputs.some((path) => /sqlite|local-key|local-queue/.test(path))).toBe(false);
    // The SDKs are still in the bundle, reached through the dynamic imports.
    const allInputs = Object.keys(metafile.inputs);
    expect(allInputs.some((path) => path.includes('@alicloud/mns/'))).toBe(true);
    expect(allInputs.some((path) => path.includes('@alicloud/kms20160120/'))).toBe(true);
  });
});
