/**
 * The Alibaba Cloud backend without a cloud: the Tablestore, MNS and KMS protocol test servers,
 * provisioned as the README's deployment steps would (tables and indexes, the rotation queue with
 * its dead-letter queue, the events topic), and the environment s.yaml gives the functions,
 * pointed at them. Also plays the eventbridge trigger that feeds queued steps to the rotate function.
 */
import { randomUUID } from 'node:crypto';
import { createTablestoreClient } from '../../shared/adapters/tablestore/client.js';
import { provisionTablestore } from '../../shared/adapters/tablestore/provision.js';
import { startKmsKeyServer, type KmsKeyTestServer } from './kms-key-server/index.js';
import { createMnsSdkClient, type MnsSdkClient } from './mns-server/mns-sdk.js';
import { startMnsServer, type MnsTestServer } from './mns-server/index.js';
import { startTablestoreServer, type TablestoreTestServer } from './tablestore-server/index.js';

export const ROTATION_QUEUE = 'secret-rotor-rotation';
export const EVENTS_TOPIC = 'secret-rotor-events';

export interface AccessKeyPair {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface CloudTestbed {
  ots: TablestoreTestServer;
  mns: MnsTestServer;
  kms: KmsKeyTestServer;
  mnsSdk: MnsSdkClient;
  /** The functions' environment (s.yaml's template), with ROTOR_BACKEND=alibaba. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** `roleKey` is what the servers accept (the function role); `root` is the KMS API's root key. */
export const startCloudTestbed = async (roleKey: AccessKeyPair, root: AccessKeyPair, instanceName: string): Promise<CloudTestbed> => {
  const ots = await startTablestoreServer({ ...roleKey, instanceName });
  const mns = await startMnsServer(roleKey);
  const kms = await startKmsKeyServer(roleKey);
  await provisionTablestore({ client: createTablestoreClient({ endpoint: ots.endpoint, instanceName: ots.instanceName, ...roleKey }) });
  const mnsSdk = createMnsSdkClient(mns.accountId, { endpoint: mns.endpoint, ...roleKey });
  for (const q of [ROTATION_QUEUE, `${ROTATION_QUEUE}-dlq`]) await mnsSdk.createQueue(q);
  await mnsSdk.createTopic(EVENTS_TOPIC);
  const env = {
    ROTOR_BACKEND: 'alibaba',
    ROTOR_ACCOUNT_ID: mns.accountId,
    ROTOR_REGION: 'cn-hangzhou',
    ROTOR_ACCESS_KEY_ID: root.accessKeyId,
    ROTOR_ACCESS_KEY_SECRET: root.accessKeySecret,
    ROTOR_OTS_ENDPOINT: ots.endpoint,
    ROTOR_OTS_INSTANCE: ots.instanceName,
    ROTOR_MNS_ENDPOINT: mns.endpoint,
    ROTOR_KMS_ENDPOINT: `http://${kms.endpoint}`,
    ROTOR_KMS_KEY_ID: kms.keyId,
    ROTOR_QUEUE_NAME: ROTATION_QUEUE,
    ROTOR_EVENTS_TOPIC: EVENTS_TOPIC,
  };
  const stop = async () => {
    await Promise.all([ots.stop(), mns.stop(), kms.stop()]);
  };
  return { ots, mns, kms, mnsSdk, env, stop };
};

/**
 * Plays the eventbridge trigger: each queued step, as a one-message event-streaming batch, to
 * `invokeRotate`; deleted once it returns. Returns how many were delivered.
 */
export const deliverQueuedSteps = async (bed: CloudTestbed, invokeRotate: (event: unknown) => Promise<unknown>): Promise<number> => {
  let delivered = 0;
  for (;;) {
    let message: { MessageId: string; MessageBody: string; ReceiptHandle: string };
    try {
      message = (await bed.mnsSdk.receiveMessage(ROTATION_QUEUE, 0)).body as typeof message;
    } catch {
      return delivered;
    }
    await invokeRotate([
      {
        id: randomUUID(),
        source: 'MNS-secret-rotor-rotate-rotation-steps',
        specversion: '1.0',
        type: 'mns:Queue:SendMessage',
        datacontenttype: 'application/json; charset=utf-8',
        subject: `acs:mns:cn-hangzhou:${bed.mns.accountId}:queues/${ROTATION_QUEUE}`,
        time: new Date().toISOString(),
        data: { requestId: randomUUID(), messageId: message.MessageId, messageBody: message.MessageBody },
      },
    ]);
    await bed.mnsSdk.deleteMessage(ROTATION_QUEUE, message.ReceiptHandle);
    delivered++;
  }
};
