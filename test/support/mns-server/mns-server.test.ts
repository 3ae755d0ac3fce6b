import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, SECOND } from '../manual-clock.js';
import { mnsSignature, startMnsServer, type MnsTestServer } from './index.js';
import { createMnsSdkClient, type MnsSdkClient } from './mns-sdk.js';

const md5Upper = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();
const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function clientFor(server: MnsTestServer, overrides: { accessKeyId?: string; accessKeySecret?: string } = {}): MnsSdkClient {
  return createMnsSdkClient(server.accountId, {
    endpoint: server.endpoint,
    accessKeyId: overrides.accessKeyId ?? server.accessKeyId,
    accessKeySecret: overrides.accessKeySecret ?? server.accessKeySecret,
  });
}

/** Headers signed the way the SDK signs them (its Content-MD5 is base64 of the hex digest). */
function signedHeaders(server: MnsTestServer, method: string, resource: string, body: string): Record<string, string> {
  const headers: Record<string, string> = {
    date: new Date().toUTCString(),
    'x-mns-version': '2015-06-06',
    'content-type': 'text/xml',
    'content-md5': Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64'),
  };
  headers.authorization = `MNS ${server.accessKeyId}:${mnsSignature({ method, resource, headers }, server.accessKeySecret)}`;
  return headers;
}

/** A signed request for routes the SDK leaves as stubs (Subscribe). */
async function signedRequest(server: MnsTestServer, method: string, resource: string, body: string): Promise<Response> {
  const headers = signedHeaders(server, method, resource, body);
  return fetch(`${server.endpoint}${resource}`, { method, headers, body });
}

describe('MNS test server with the real @alicloud/mns client', () => {
  let clock: ManualClock;
  let server: MnsTestServer;
  let mns: MnsSdkClient;

  beforeEach(async () => {
    clock = new ManualClock();
    server = await startMnsServer({ clock });
    mns = clientFor(server);
  });

  afterEach(async () => {
    await server.stop();
  });

  describe('queues', () => {
    it('creates a queue with attributes, reads them back, and treats an identical create as a no-op', async () => {
      const created = await mns.createQueue('rotation-steps', {
        VisibilityTimeout: 60,
        MaximumMessageSize: 2048,
        MessageRetentionPeriod: 3600,
        DelaySeconds: 2,
        PollingWaitSeconds: 5,
      });
      expect(created.code).toBe(201);
      expect(created.headers.location).toBe(`${server.endpoint}/queues/rotation-steps`);

      const attributes = await mns.getQueueAttributes('rotation-steps');
      expect(attributes.body).toMatchObject({
        QueueName: 'rotation-steps',
        VisibilityTimeout: '60',
        MaximumMessageSize: '2048',
        MessageRetentionPeriod: '3600',
        DelaySeconds: '2',
        PollingWaitSeconds: '5',
        ActiveMessages: '0',
        InactiveMessages: '0',
        DelayMessages: '0',
        CreateTime: String(Math.floor(clock.now() / 1000)),
      });

      const again = await mns.createQueue('rotation-steps', {
        VisibilityTimeout: 60,
        MaximumMessageSize: 2048,
        MessageRetentionPeriod: 3600,
        DelaySeconds: 2,
        PollingWaitSeconds: 5,
      });
      expect(again.code).toBe(204);
      await expect(mns.createQueue('rotation-steps', { VisibilityTimeout: 10 })).rejects.toMatchObject({
        name: 'MNSQueueAlreadyExistError',
      });
    });

    it('rejects attributes outside MNS ranges with InvalidArgument', async () => {
      await expect(mns.createQueue('bad-queue', { VisibilityTimeout: 0 })).rejects.toMatchObject({
        name: 'MNSInvalidArgumentError',
      });
      await expect(mns.createQueue('bad-queue', { PollingWaitSeconds: 31 })).rejects.toMatchObject({
        name: 'MNSInvalidArgumentError',
      });
    });

    it('updates attributes with SetQueueAttributes and deletes the queue', async () => {
      await mns.createQueue('jobs');
      const set = await mns.setQueueAttributes('jobs', { VisibilityTimeout: 120 });
      expect(set.code).toBe(204);
      expect((await mns.getQueueAttributes('jobs')).body.VisibilityTimeout).toBe('120');

      expect((await mns.deleteQueue('jobs')).code).toBe(204);
      await expect(mns.getQueueAttributes('jobs')).rejects.toMatchObject({ name: 'MNSQueueNotExistError' });
      await expect(mns.sendMessage('jobs', { MessageBody: 'eA==' })).rejects.toMatchObject({
        name: 'MNSQueueNotExistError',
      });
    });

    it('lists queues with prefix, limit and marker paging', async () => {
      for (const name of ['orders-b', 'orders-a', 'orders-c', 'other']) await mns.createQueue(name);

      const all = await mns.listQueue();
      expect(all.body?.map((queue) => queue.QueueURL)).toEqual(
        ['orders-a', 'orders-b', 'orders-c', 'other'].map((name) => `${server.endpoint}/queues/${name}`),
      );

      const firstPage = await mns.listQueue('', 2, 'orders-');
      expect(firstPage.body?.map((queue) => queue.QueueURL)).toEqual([
        `${server.endpoint}/queues/orders-a`,
        `${server.endpoint}/queues/orders-b`,
      ]);
      const secondPage = await mns.listQueue('orders-c', 2, 'orders-');
      expect(secondPage.body?.map((queue) => queue.QueueURL)).toEqual([`${server.endpoint}/queues/orders-c`]);
    });

    it('counts active, inactive and delayed messages', async () => {
      await mns.createQueue('counted');
      await mns.sendMessage('counted', { MessageBody: base64('one') });
      await mns.sendMessage('counted', { MessageBody: base64('two') });
      await mns.sendMessage('counted', { MessageBody: base64('later'), DelaySeconds: 60 });
      await mns.receiveMessage('counted');

      const attributes = (await mns.getQueueAttributes('counted')).body;
      expect(attributes).toMatchObject({ ActiveMessages: '1', InactiveMessages: '1', DelayMessages: '1' });
    });
  });

  describe('messages', () => {
    beforeEach(async () => {
      await mns.createQueue('steps', { VisibilityTimeout: 30 });
    });

    it('round-trips a body holding < and & when it is sent base64-encoded', async () => {
      // @alicloud/mns 1.2.0 puts MessageBody into its XML request without escaping it, so a raw `<` or
      // `&` makes the document malformed. Base64 keeps the body XML-safe; the receiver decodes it.
      const payload = JSON.stringify({ secretName: 'db/<primary>', note: 'a&b' });
      const body = base64(payload);

      const sent = await mns.sendMessage('steps', { MessageBody: body });
      expect(sent.code).toBe(201);
      expect(sent.body.MessageBodyMD5).toBe(md5Upper(body));
      expect(sent.body.MessageId).toMatch(/\S+/);

      const received = await mns.receiveMessage('steps');
      expect(received.code).toBe(200);
      expect(received.body).toMatchObject({
        MessageId: sent.body.MessageId,
        MessageBody: body,
        MessageBodyMD5: md5Upper(body),
        DequeueCount: '1',
        Priority: '8',
        EnqueueTime: String(clock.now()),
        FirstDequeueTime: String(clock.now()),
        NextVisibleTime: String(clock.now() + 30_000),
      });
      expect(Buffer.from(received.body.MessageBody ?? '', 'base64').toString('utf8')).toBe(payload);
    });

    it('rejects a raw body with < and & as MalformedXML (the SDK does not escape it)', async () => {
      await expect(mns.sendMessage('steps', { MessageBody: 'a<b&c' })).rejects.toMatchObject({
        name: 'MNSMalformedXMLError',
      });
      expect(server.state.messages('steps')).toHaveLength(0);
    });

    it('answers 404 MessageNotExist for an empty queue', async () => {
      const failure = mns.receiveMessage('steps');
      await expect(failure).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
      await expect(failure).rejects.toThrow(/failed with 404/);
      await expect(mns.peekMessage('steps')).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
    });

    it('hides a received message for VisibilityTimeout, then redelivers it with a new handle and DequeueCount+1', async () => {
      await mns.sendMessage('steps', { MessageBody: base64('step') });
      const first = (await mns.receiveMessage('steps')).body;

      clock.advance(29 * SECOND);
      await expect(mns.receiveMessage('steps')).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });

      clock.advance(SECOND);
      const second = (await mns.receiveMessage('steps')).body;
      expect(second.MessageId).toBe(first.MessageId);
      expect(second.DequeueCount).toBe('2');
      expect(second.FirstDequeueTime).toBe(first.FirstDequeueTime);
      expect(second.ReceiptHandle).not.toBe(first.ReceiptHandle);

      await expect(mns.deleteMessage('steps', first.ReceiptHandle ?? '')).rejects.toMatchObject({
        name: 'MNSMessageNotExistError',
      });
      expect((await mns.deleteMessage('steps', second.ReceiptHandle ?? '')).code).toBe(204);
      await expect(mns.deleteMessage('steps', second.ReceiptHandle ?? '')).rejects.toMatchObject({
        name: 'MNSMessageNotExistError',
      });

      clock.advance(60 * SECOND);
      await expect(mns.receiveMessage('steps')).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
    });

    it('rejects a handle that is not a receipt handle with ReceiptHandleError', async () => {
      await expect(mns.deleteMessage('steps', 'not-a-handle')).rejects.toMatchObject({
        name: 'MNSReceiptHandleErrorError',
      });
    });

    it('delays a message by DelaySeconds (message or queue default)', async () => {
      await mns.sendMessage('steps', { MessageBody: base64('later'), DelaySeconds: 10 });
      await expect(mns.receiveMessage('steps')).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
      await expect(mns.peekMessage('steps')).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
      clock.advance(10 * SECOND);
      expect((await mns.receiveMessage('steps')).body.MessageBody).toBe(base64('later'));

      await mns.createQueue('delayed', { DelaySeconds: 5 });
      await mns.sendMessage('delayed', { MessageBody: base64('queue default') });
      await expect(mns.receiveMessage('delayed')).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
      clock.advance(5 * SECOND);
      expect((await mns.receiveMessage('delayed')).body.MessageBody).toBe(base64('queue default'));
    });

    it('delivers higher priority (lower number) first, then in send order', async () => {
      await mns.sendMessage('steps', { MessageBody: base64('normal-1') });
      await mns.sendMessage('steps', { MessageBody: base64('urgent'), Priority: 1 });
      await mns.sendMessage('steps', { MessageBody: base64('normal-2') });

      const order = [];
      for (let i = 0; i < 3; i += 1) order.push((await mns.receiveMessage('steps')).body);
      expect(order.map((message) => Buffer.from(message.MessageBody ?? '', 'base64').toString())).toEqual([
        'urgent',
        'normal-1',
        'normal-2',
      ]);
      expect(order[0]?.Priority).toBe('1');
    });

    it('drops messages older than MessageRetentionPeriod', async () => {
      await mns.createQueue('short-lived', { MessageRetentionPeriod: 60 });
      await mns.sendMessage('short-lived', { MessageBody: base64('old') });
      clock.advance(60 * SECOND);
      await expect(mns.receiveMessage('short-lived')).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
    });

    it('peeks without consuming, one or in a batch', async () => {
      await mns.sendMessage('steps', { MessageBody: base64('a') });
      await mns.sendMessage('steps', { MessageBody: base64('b') });

      const peeked = (await mns.peekMessage('steps')).body;
      expect(peeked.MessageBody).toBe(base64('a'));
      expect(peeked.DequeueCount).toBe('0');
      expect(peeked.ReceiptHandle).toBeUndefined();

      const batch = (await mns.batchPeekMessage('steps', 16)).body;
      expect(batch.map((message) => message.MessageBody)).toEqual([base64('a'), base64('b')]);

      expect((await mns.receiveMessage('steps')).body.DequeueCount).toBe('1');
    });

    it('sends, receives and deletes in batches, reporting a stale handle per entry', async () => {
      const sent = await mns.batchSendMessage('steps', [
        { MessageBody: base64('one') },
        { MessageBody: base64('two'), Priority: 2 },
        { MessageBody: base64('three'), DelaySeconds: 0 },
      ]);
      expect(sent.code).toBe(201);
      expect(sent.body.map((entry) => entry.MessageBodyMD5)).toEqual(
        ['one', 'two', 'three'].map((text) => md5Upper(base64(text))),
      );

      const received = (await mns.batchReceiveMessage('steps', 2)).body;
      expect(received.map((message) => message.MessageBody)).toEqual([base64('two'), base64('one')]);
      const rest = (await mns.batchReceiveMessage('steps', 16)).body;
      expect(rest.map((message) => message.MessageBody)).toEqual([base64('three')]);

      const handles = received.map((message) => message.ReceiptHandle ?? '');
      const deleted = await mns.batchDeleteMessage('steps', handles);
      expect(deleted.code).toBe(204);

      clock.advance(30 * SECOND);
      const redelivered = (await mns.receiveMessage('steps')).body;
      const stale = rest[0]?.ReceiptHandle ?? '';
      const partial = await mns.batchDeleteMessage('steps', [redelivered.ReceiptHandle ?? '', stale]);
      expect(partial.code).toBe(404);
      expect(partial.body).toEqual([{ ErrorCode: 'MessageNotExist', ErrorMessage: 'Message not exist.', ReceiptHandle: stale }]);
      expect(server.state.messages('steps')).toHaveLength(0);
    });

    it('sends the valid entries of a batch and reports the invalid ones with 500', async () => {
      const result = await mns.batchSendMessage('steps', [{ MessageBody: base64('ok') }, { MessageBody: base64('bad'), Priority: 99 }]);
      expect(result.code).toBe(500);
      expect(result.body[0]?.MessageBodyMD5).toBe(md5Upper(base64('ok')));
      expect(result.body[1]).toMatchObject({ ErrorCode: 'InvalidArgument' });
      expect(server.state.messages('steps').map((message) => message.body)).toEqual([base64('ok')]);
    });

    it('changes visibility: new handle, new NextVisibleTime, old handle no longer valid', async () => {
      await mns.sendMessage('steps', { MessageBody: base64('slow step') });
      const received = (await mns.receiveMessage('steps')).body;

      const changed = await mns.changeMessageVisibility('steps', received.ReceiptHandle ?? '', 90);
      expect(changed.code).toBe(200);
      expect(changed.body.NextVisibleTime).toBe(String(clock.now() + 90_000));
      expect(changed.body.ReceiptHandle).not.toBe(received.ReceiptHandle);
      await expect(mns.deleteMessage('steps', received.ReceiptHandle ?? '')).rejects.toMatchObject({
        name: 'MNSMessageNotExistError',
      });

      clock.advance(60 * SECOND);
      await expect(mns.receiveMessage('steps')).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
      clock.advance(30 * SECOND);
      const again = (await mns.receiveMessage('steps')).body;
      expect(again.DequeueCount).toBe('2');
      await expect(mns.changeMessageVisibility('steps', changed.body.ReceiptHandle ?? '', 10)).rejects.toMatchObject({
        name: 'MNSMessageNotExistError',
      });
    });
  });

  describe('long polling', () => {
    beforeEach(async () => {
      await mns.createQueue('polled');
    });

    it('parks a receive with waitseconds until a message is sent', async () => {
      const pending = mns.receiveMessage('polled', 30);
      await vi.waitFor(() => expect(server.pendingLongPolls()).toBe(1));

      await mns.sendMessage('polled', { MessageBody: base64('wake up') });
      expect((await pending).body.MessageBody).toBe(base64('wake up'));
      expect(server.pendingLongPolls()).toBe(0);
    });

    it('returns a delayed message to a parked batch receive once the clock reaches it', async () => {
      await mns.sendMessage('polled', { MessageBody: base64('delayed'), DelaySeconds: 5 });
      const pending = mns.batchReceiveMessage('polled', 4, 30);
      await vi.waitFor(() => expect(server.pendingLongPolls()).toBe(1));

      clock.advance(5 * SECOND);
      expect((await pending).body.map((message) => message.MessageBody)).toEqual([base64('delayed')]);
    });

    it('ends a long poll with MessageNotExist at the bound, and rejects waitseconds over 30', async () => {
      const shortPolls = await startMnsServer({ clock, maxPollWaitMs: 50 });
      try {
        const client = clientFor(shortPolls);
        await client.createQueue('polled');
        await expect(client.receiveMessage('polled', 30)).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
        await expect(client.receiveMessage('polled', 31)).rejects.toMatchObject({ name: 'MNSInvalidArgumentError' });
      } finally {
        await shortPolls.stop();
      }
    });
  });

  describe('topics', () => {
    beforeEach(async () => {
      await mns.createTopic('rotation-events');
    });

    it('creates, lists and describes topics', async () => {
      await mns.createTopic('audit');
      expect((await mns.createTopic('audit')).code).toBe(204);
      await expect(mns.createTopic('audit', { MaximumMessageSize: 2048 })).rejects.toMatchObject({
        name: 'MNSTopicAlreadyExistError',
      });

      const listed = await mns.listTopic();
      expect(listed.body?.map((topic) => topic.TopicURL)).toEqual([
        `${server.endpoint}/topics/audit`,
        `${server.endpoint}/topics/rotation-events`,
      ]);
      expect((await mns.getTopicAttributes('rotation-events')).body).toMatchObject({
        TopicName: 'rotation-events',
        MessageCount: '0',
      });
    });

    it('records published messages with their tag for state.published()', async () => {
      const body = base64(JSON.stringify({ type: 'Secret:RotateSecret:Success' }));
      const result = await mns.publishMessage('rotation-events', { MessageBody: body, MessageTag: 'rotation' });
      expect(result.code).toBe(201);
      expect(result.body.MessageBodyMD5).toBe(md5Upper(body));

      expect(server.state.published('rotation-events')).toEqual([
        {
          messageId: result.body.MessageId,
          body,
          bodyMd5: md5Upper(body),
          tag: 'rotation',
          publishTime: clock.now(),
        },
      ]);
      expect((await mns.getTopicAttributes('rotation-events')).body.MessageCount).toBe('1');
      await expect(mns.publishMessage('missing-topic', { MessageBody: body })).rejects.toMatchObject({
        name: 'MNSTopicNotExistError',
      });
    });

    it('pushes into a subscribed queue, honouring FilterTag and the SIMPLIFIED format', async () => {
      await mns.createQueue('subscriber');
      server.state.subscribe('rotation-events', 'to-subscriber', 'subscriber', {
        filterTag: 'rotation',
        notifyContentFormat: 'SIMPLIFIED',
      });

      await mns.publishMessage('rotation-events', { MessageBody: base64('ignored'), MessageTag: 'other' });
      await mns.publishMessage('rotation-events', { MessageBody: base64('delivered'), MessageTag: 'rotation' });

      const received = (await mns.batchReceiveMessage('subscriber', 16)).body;
      expect(received.map((message) => message.MessageBody)).toEqual([base64('delivered')]);
    });

    it('subscribes through the Subscribe REST route and delivers an XML notification by default', async () => {
      await mns.createQueue('xml-subscriber');
      const subscription =
        '<?xml version="1.0" encoding="UTF-8"?><Subscription xmlns="http://mns.aliyuncs.com/doc/v1/">' +
        `<Endpoint>acs:mns:cn-hangzhou:${server.accountId}:queues/xml-subscriber</Endpoint></Subscription>`;
      const response = await signedRequest(server, 'PUT', '/topics/rotation-events/subscriptions/xml-sub', subscription);
      expect(response.status).toBe(201);

      const published = await mns.publishMessage('rotation-events', { MessageBody: base64('hello'), MessageTag: 't' });
      const notification = (await mns.receiveMessage('xml-subscriber')).body.MessageBody ?? '';
      expect(notification).toContain('<Notification xmlns="http://mns.aliyuncs.com/doc/v1/">');
      expect(notification).toContain(`<MessageId>${published.body.MessageId}</MessageId>`);
      expect(notification).toContain(`<Message>${base64('hello')}</Message>`);
      expect(notification).toContain('<SubscriptionName>xml-sub</SubscriptionName>');
    });
  });

  describe('authentication and injected failures', () => {
    it('rejects a wrong secret with 403 SignatureDoesNotMatch and an unknown key with InvalidAccessKeyId', async () => {
      await mns.createQueue('guarded');
      const wrongSecret = clientFor(server, { accessKeySecret: 'not-the-secret' });
      const failure = wrongSecret.sendMessage('guarded', { MessageBody: base64('x') });
      await expect(failure).rejects.toMatchObject({ name: 'MNSSignatureDoesNotMatchError' });
      await expect(failure).rejects.toThrow(/failed with 403/);

      const wrongKey = clientFor(server, { accessKeyId: 'someone-else' });
      await expect(wrongKey.getQueueAttributes('guarded')).rejects.toMatchObject({ name: 'MNSInvalidAccessKeyIdError' });
      expect(server.state.messages('guarded')).toHaveLength(0);
    });

    it('rejects a request whose signed resource was altered in transit', async () => {
      await mns.createQueue('guarded');
      const body = '<?xml version="1.0" encoding="UTF-8"?><Message><MessageBody>eA==</MessageBody></Message>';
      const genuine = await signedRequest(server, 'POST', '/queues/guarded/messages', body);
      expect(genuine.status).toBe(201);

      const headers = {
        date: new Date().toUTCString(),
        'x-mns-version': '2015-06-06',
        'content-type': 'text/xml',
      };
      const signature = mnsSignature({ method: 'POST', resource: '/queues/other/messages', headers }, server.accessKeySecret);
      const tampered = await fetch(`${server.endpoint}/queues/guarded/messages`, {
        method: 'POST',
        headers: { ...headers, authorization: `MNS ${server.accessKeyId}:${signature}` },
        body,
      });
      expect(tampered.status).toBe(403);
      expect(tampered.headers.get('content-type')).toMatch(/^text\/xml/);
      expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');

      const swappedBody = await fetch(`${server.endpoint}/queues/guarded/messages`, {
        method: 'POST',
        headers: signedHeaders(server, 'POST', '/queues/guarded/messages', body),
        body: body.replace('eA==', 'eQ=='),
      });
      expect(swappedBody.status).toBe(400);
      expect(await swappedBody.text()).toContain('<Code>InvalidDegist</Code>');
      expect(server.state.messages('guarded').map((message) => message.body)).toEqual(['eA==']);
    });

    it('fails the next matching request with an injected error, once', async () => {
      await mns.createQueue('flaky');
      server.failNext('SendMessage', { httpStatus: 503, code: 'ServiceUnavailable' });

      await expect(mns.sendMessage('flaky', { MessageBody: base64('x') })).rejects.toMatchObject({
        name: 'MNSServiceUnavailableError',
      });
      expect((await mns.sendMessage('flaky', { MessageBody: base64('x') })).code).toBe(201);
      expect(() => server.failNext('SendMesage', { httpStatus: 500, code: 'InternalError' })).toThrow(/Unknown MNS route/);
    });
  });

  describe('restart', () => {
    it('keeps queues, messages and in-flight receipt handles across stop + start on the same port', async () => {
      await mns.createQueue('durable');
      await mns.sendMessage('durable', { MessageBody: base64('first') });
      await mns.sendMessage('durable', { MessageBody: base64('second') });
      const inFlight = (await mns.receiveMessage('durable')).body;
      await mns.createQueue('idle');
      const parked = mns.receiveMessage('idle', 30);
      await vi.waitFor(() => expect(server.pendingLongPolls()).toBe(1));

      const { port, state } = server;
      await server.stop();
      await expect(parked).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
      server = await startMnsServer({ clock, state, port });
      expect(server.endpoint).toBe(`http://127.0.0.1:${port}`);

      const second = (await mns.receiveMessage('durable')).body;
      expect(second.MessageBody).toBe(base64('second'));
      expect((await mns.deleteMessage('durable', inFlight.ReceiptHandle ?? '')).code).toBe(204);
      expect((await mns.deleteMessage('durable', second.ReceiptHandle ?? '')).code).toBe(204);
      expect(server.state.messages('durable')).toHaveLength(0);
    });
  });
});
