import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDriverRegistry } from '../../shared/adapters/drivers/registry.js';
import { LocalKeyProvider } from '../../shared/adapters/local-key/local-key-provider.js';
import { EVENT_TAGS, MNS_TAG_MAX_LENGTH, eventTag } from '../../shared/adapters/mns/event-tags.js';
import { createMnsClient, type MnsClientLike } from '../../shared/adapters/mns/mns-client.js';
import { MnsJobQueue } from '../../shared/adapters/mns/mns-job-queue.js';
import { MnsTopicEventPublisher } from '../../shared/adapters/mns/mns-topic-event-publisher.js';
import { SqliteSecretStore } from '../../shared/adapters/sqlite/secret-store.js';
import { DEFAULT_SETTINGS } from '../../shared/app/deps.js';
import { createSecretService } from '../../shared/app/secret-service.js';
import { EventTypes, makeEvent } from '../../shared/domain/events.js';
import type { RotorEvent } from '../../shared/ports/event-publisher.js';
import { ManualClock, SECOND } from '../support/manual-clock.js';
import { createMnsSdkClient, type MnsSdkClient } from '../support/mns-server/mns-sdk.js';
import { startMnsServer, type MnsTestServer } from '../support/mns-server/index.js';
import { RecordingDriver } from '../support/recording-driver.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const TOPIC = 'secret-rotor-events';

const decode = (body: string): unknown => JSON.parse(Buffer.from(body, 'base64').toString('utf8'));

const event = (type: string, subject = 'app/db', data: Record<string, unknown> = {}): RotorEvent => ({
  specversion: '1.0',
  id: `id-${type}`,
  source: 'secret-rotor',
  type,
  subject,
  time: '2026-01-01T00:00:00.000Z',
  datacontenttype: 'application/json',
  data: { secretName: subject, ...data },
});

describe('MNS event tags', () => {
  it('gives every event type a distinct tag MNS accepts', () => {
    const types = Object.values(EventTypes);
    const tags = types.map(eventTag);
    expect(new Set(tags).size).toBe(types.length);
    for (const tag of tags) expect(tag).toMatch(new RegExp(`^[a-z.-]{1,${MNS_TAG_MAX_LENGTH}}$`));
    expect(Object.keys(EVENT_TAGS).sort()).toEqual([...types].sort());
  });

  it('tags the events alerting cares about as documented, and unknown types as "other"', () => {
    expect(eventTag(EventTypes.rotationFailed)).toBe('rotation.failure');
    expect(eventTag(EventTypes.rotationAbandoned)).toBe('rotation.abandon');
    expect(eventTag(EventTypes.rotationDeadLettered)).toBe('dead-lettered');
    expect(eventTag('com.secretrotor.something.new')).toBe('other');
    expect(eventTag('toString')).toBe('other');
  });
});

describe('MnsTopicEventPublisher over the MNS test server', () => {
  let clock: ManualClock;
  let server: MnsTestServer;
  let sdk: MnsSdkClient;
  let client: MnsClientLike;

  beforeEach(async () => {
    clock = new ManualClock();
    server = await startMnsServer({ clock });
    const connection = { endpoint: server.endpoint, accessKeyId: server.accessKeyId, accessKeySecret: server.accessKeySecret };
    sdk = createMnsSdkClient(server.accountId, connection);
    client = createMnsClient({ accountId: server.accountId, ...connection });
    await sdk.createTopic(TOPIC);
  });

  afterEach(async () => {
    await server.stop();
  });

  it('publishes base64 of the CloudEvent JSON, tagged with its short type, XML-special characters and all', async () => {
    const publisher = new MnsTopicEventPublisher({ client, topicName: TOPIC });
    const failed = event(EventTypes.rotationFailed, 'app/<db> & "x"', { error: { code: 'Target.Unreachable' } });
    const created = event(EventTypes.secretCreated);
    await publisher.publish(failed);
    await publisher.publish(created);

    const published = server.state.published(TOPIC);
    expect(published.map((m) => decode(m.body))).toEqual([failed, created]);
    expect(published.map((m) => m.tag)).toEqual(['rotation.failure', 'secret.created']);
  });

  it('lets a subscription with a FilterTag receive only the events it asks for', async () => {
    await sdk.createQueue('alerts');
    server.state.subscribe(TOPIC, 'alerts', 'alerts', { filterTag: 'rotation.failure', notifyContentFormat: 'SIMPLIFIED' });
    const publisher = new MnsTopicEventPublisher({ client, topicName: TOPIC });
    const failure = event(EventTypes.rotationFailed, 'app/a');
    for (const e of [event(EventTypes.rotationStarted, 'app/a'), failure, event(EventTypes.rotationSucceeded, 'app/b')]) {
      await publisher.publish(e);
    }

    expect(server.state.messages('alerts').map((m) => decode(m.body))).toEqual([failure]);
  });

  it('passes MNS errors on', async () => {
    const publisher = new MnsTopicEventPublisher({ client, topicName: 'no-such-topic' });
    await expect(publisher.publish(event(EventTypes.secretCreated))).rejects.toMatchObject({ name: 'MNSTopicNotExistError' });
  });

  describe('carrying the events of a real rotation', () => {
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'rotor-mns-events-'));
    });

    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('publishes every lifecycle and rotation event, none holding a secret value', async () => {
      await sdk.createQueue('rotation-steps');
      await sdk.createQueue('rotation-steps-dlq');
      const store = SqliteSecretStore.open(':memory:');
      const queue = new MnsJobQueue({ client, queueName: 'rotation-steps', clock });
      const events = new MnsTopicEventPublisher({ client, topicName: TOPIC });
      const driver = new RecordingDriver();
      const service = createSecretService({
        store,
        queue,
        events,
        keys: await LocalKeyProvider.open(dir),
        drivers: createDriverRegistry([driver]),
        clock,
        settings: DEFAULT_SETTINGS,
        random: () => 0.5,
      });
      try {
        const initial = 'initial-Value-<&>-0001';
        const put = 'put-Value-0002';
        const name = 'app/db';
        await service.createSecret({ secretName: name, versionId: 'v1', secretData: initial, extendedConfig: '{"SecretSubType":"Recorded"}' });
        await service.putSecretValue({ secretName: secretIdOf(name), versionId: 'v2', secretData: put });
        await service.rotateSecret({ secretName: secretIdOf(name), versionId: 'r1' });
        // Play the rotate function's queue trigger over MNS until the rotation is done.
        for (let i = 0; i < 10; i++) {
          const [leased] = await queue.receive(1, 30);
          if (!leased) break;
          await service.runRotationStep(leased.body);
          await queue.delete(leased.receiptHandle);
          clock.advance(SECOND);
        }
        const rotated = (await service.getSecretValue({ secretName: secretIdOf(name) })).secretData;
        expect(rotated).toBe(driver.applied);

        const published = server.state.published(TOPIC);
        const types = published.map((m) => (decode(m.body) as RotorEvent).type);
        expect(types).toContain(EventTypes.valuePut);
        expect(types.at(-1)).toBe(EventTypes.rotationSucceeded);
        expect(published.map((m) => m.tag)).toEqual(types.map(eventTag));
        for (const message of published) {
          const text = Buffer.from(message.body, 'base64').toString('utf8');
          for (const value of [initial, put, rotated]) {
            expect(text).not.toContain(value);
            expect(message.body).not.toContain(Buffer.from(value).toString('base64'));
          }
        }
      } finally {
        await store.close();
      }
    });

    it('shows what a published event looks like to a subscriber: the domain event, unchanged', async () => {
      const publisher = new MnsTopicEventPublisher({ client, topicName: TOPIC });
      const domainEvent = makeEvent(EventTypes.rotationStarted, { name: 'app/db', type: 'Generic' }, clock.now(), { versionId: 'r1' });
      await publisher.publish(domainEvent);
      expect(decode(server.state.published(TOPIC)[0]!.body)).toEqual(domainEvent);
    });
  });
});

const real = {
  endpoint: process.env.ROTOR_TEST_MNS_ENDPOINT,
  topic: process.env.ROTOR_TEST_MNS_TOPIC,
  accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
  accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
};
const hasRealTopic = Boolean(real.endpoint && real.topic && real.accessKeyId && real.accessKeySecret);

describe.skipIf(!hasRealTopic)(
  'MnsTopicEventPublisher against real MNS (skipped unless ROTOR_TEST_MNS_ENDPOINT, ROTOR_TEST_MNS_TOPIC and ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET are set)',
  () => {
    it('publishes a tagged event that MNS accepts', async () => {
      const client = createMnsClient({
        endpoint: real.endpoint!,
        accountId: process.env.ROTOR_TEST_MNS_ACCOUNT_ID,
        accessKeyId: real.accessKeyId!,
        accessKeySecret: real.accessKeySecret!,
        securityToken: process.env.ALIBABA_CLOUD_SECURITY_TOKEN,
      });
      const publisher = new MnsTopicEventPublisher({ client, topicName: real.topic! });
      await expect(publisher.publish(event(EventTypes.rotationStarted, 'rotor-test/<topic>&'))).resolves.toBeUndefined();
    });
  },
);
