import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FcContext, FcHttpEvent } from '../../shared/runtime/fc-types.js';
import { buildFcHttpEvent, type RawHttpRequest } from '../../shared/runtime/local/http-event.js';
import { Invoker, type LoadedFunction } from '../../shared/runtime/local/invoker.js';
import type { FunctionSpec } from '../../shared/runtime/local/s-yaml.js';
import { createLocalServer } from '../../shared/runtime/local/server.js';
import { decodeEventPayload } from '../../shared/runtime/middleware/decode-fc-event.js';
import { classifyTrigger } from '../../shared/runtime/trigger.js';
import { captureLogs } from '../support/runtime.js';
import { signedInvoke } from '../support/signed-invoke.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0, 345);
const INVOKE_KEY = { accessKeyId: 'LTAIinvoketestkey', accessKeySecret: 'invoke-test-secret-0123456789' };

const raw = (over: Partial<RawHttpRequest> = {}): RawHttpRequest => ({
  method: 'POST',
  url: '/a%2Fb/c?Action=Get&x=1&x=2&e=%C3%A9',
  rawHeaders: ['Host', 'fn.example', 'Content-Type', 'application/x-www-form-urlencoded', 'X-Dup', 'a', 'x-dup', 'b', 'User-Agent', 'ua/1'],
  body: Buffer.from('SecretName=db&SecretData=p%40ss'),
  sourceIp: '10.9.8.7',
  httpVersion: '1.1',
  ...over,
});

describe('buildFcHttpEvent', () => {
  it('builds the FC3 HTTP v1 event', () => {
    const event = buildFcHttpEvent(raw(), { requestId: 'r1', accountId: '42', now: NOW });
    expect(event).toEqual({
      version: 'v1',
      rawPath: '/a%2Fb/c',
      headers: { Host: 'fn.example', 'Content-Type': 'application/x-www-form-urlencoded', 'X-Dup': 'a,b', 'User-Agent': 'ua/1' },
      queryParameters: { Action: 'Get', x: '1,2', e: 'é' },
      body: 'SecretName=db&SecretData=p%40ss',
      isBase64Encoded: false,
      requestContext: {
        accountId: '42',
        domainName: 'fn.example',
        domainPrefix: 'fn',
        requestId: 'r1',
        time: '2026-03-01T12:00:00Z',
        timeEpoch: String(NOW),
        http: { method: 'POST', path: '/a/b/c', protocol: 'HTTP/1.1', sourceIp: '10.9.8.7', userAgent: 'ua/1' },
      },
    });
  });

  it('base64-encodes a binary body', () => {
    const body = Buffer.from([0xff, 0x00, 0x10]);
    const event = buildFcHttpEvent(raw({ rawHeaders: ['Content-Type', 'application/octet-stream'], body }), { requestId: 'r', accountId: '1', now: NOW });
    expect(event).toMatchObject({ body: body.toString('base64'), isBase64Encoded: true });
  });

  it('round-trips through the trigger unwrapping into the request that was sent', () => {
    for (const request of [raw(), raw({ rawHeaders: ['content-type', 'image/png'], body: Buffer.from([1, 2, 3, 250]) }), raw({ method: 'GET', url: '/', body: Buffer.alloc(0), rawHeaders: [] })]) {
      const event = buildFcHttpEvent(request, { requestId: 'r', accountId: '1', now: NOW });
      const trigger = classifyTrigger(decodeEventPayload(Buffer.from(JSON.stringify(event))));
      if (trigger.kind !== 'http') throw new Error('not http');
      expect(trigger.request.method).toBe(request.method);
      expect(trigger.request.body.equals(request.body)).toBe(true);
      expect(trigger.request.sourceIp).toBe(request.sourceIp);
      const sentHeaders: Record<string, string> = {};
      for (let i = 0; i < request.rawHeaders.length; i += 2) {
        const k = request.rawHeaders[i]!.toLowerCase();
        sentHeaders[k] = sentHeaders[k] ? `${sentHeaders[k]},${request.rawHeaders[i + 1]}` : request.rawHeaders[i + 1]!;
      }
      expect(trigger.request.headers).toEqual(sentHeaders);
      const query = new URL(request.url, 'http://x').searchParams;
      expect(Object.keys(trigger.request.query).sort()).toEqual([...new Set(query.keys())].sort());
    }
  });
});

describe('the local server', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  const spec = (resource: string, triggers: FunctionSpec['triggers']): FunctionSpec => ({
    resource,
    functionName: `secret-rotor-${resource}`,
    code: `./dist/${resource}`,
    source: '',
    exportName: 'handler',
    handler: 'index.handler',
    memorySize: 512,
    timeout: 30,
    triggers,
  });

  /** Records what each function receives; answers as an HTTP trigger function would. */
  const serve = async () => {
    const received: { fn: string; event: unknown; context: FcContext }[] = [];
    const recorder =
      (name: string, answer: (event: unknown) => unknown) =>
      async (event: Buffer | object, context: FcContext): Promise<unknown> => {
        // HTTP trigger events arrive as the object in process; invocations as FC's JSON bytes.
        const decoded = Buffer.isBuffer(event) ? (JSON.parse(event.toString('utf8')) as unknown) : event;
        received.push({ fn: name, event: decoded, context });
        return answer(decoded);
      };
    const http = { type: 'http' as const, name: 'http', methods: ['GET', 'POST'], authType: 'anonymous' };
    const functions: LoadedFunction[] = [
      {
        spec: spec('api', [http]),
        handler: recorder('api', () => ({ statusCode: 201, headers: { 'x-answer': 'yes', 'content-length': '999' }, body: Buffer.from('bin\u0000').toString('base64'), isBase64Encoded: true })),
      },
      { spec: spec('create', [http]), handler: recorder('create', () => ({ statusCode: 200, headers: {}, body: 'created', isBase64Encoded: false })) },
      { spec: spec('purge', []), handler: recorder('purge', (e) => ({ echoed: e })) },
      {
        spec: spec('rotate', []),
        handler: async () => {
          throw new TypeError('no luck');
        },
      },
    ];
    const invoker = new Invoker(functions, { region: 'cn-hangzhou', accountId: '42', logger: captureLogs().logger });
    const server = createLocalServer({ invoker, logger: captureLogs().logger, accountId: '42', invokeKey: INVOKE_KEY });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
  };

  it('delivers POST / to the api function as the HTTP v1 event of that request, and writes its result back', async () => {
    const { url, received } = await serve();
    const res = await fetch(`${url}/?Action=ListSecrets&Version=2016-01-20`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Custom': 'v' },
      body: 'PageSize=5',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-answer')).toBe('yes');
    expect(res.headers.get('x-fc-request-id')).toBe(received[0]?.context.requestId);
    expect(Buffer.from(await res.arrayBuffer()).toString('latin1')).toBe('bin\u0000');

    expect(received).toHaveLength(1);
    const event = received[0]?.event as FcHttpEvent;
    expect(event).toMatchObject({ version: 'v1', rawPath: '/', body: 'PageSize=5', isBase64Encoded: false, queryParameters: { Action: 'ListSecrets', Version: '2016-01-20' } });
    expect(event.requestContext.http).toMatchObject({ method: 'POST', path: '/', sourceIp: '127.0.0.1' });
    expect(event.requestContext.requestId).toBe(received[0]?.context.requestId);
    const trigger = classifyTrigger(event);
    expect(trigger).toMatchObject({ kind: 'http', request: { method: 'POST', path: '/', headers: { 'x-custom': 'v', 'content-type': 'application/x-www-form-urlencoded' } } });
    expect(received[0]?.context.function).toEqual({ name: 'secret-rotor-api', handler: 'index.handler', memory: 512, timeout: 30 });
  });

  it('routes /fn/<name>/... to that function with the rest of the path, by function name or resource key', async () => {
    const { url, received } = await serve();
    expect(await (await fetch(`${url}/fn/secret-rotor-create/x/y?z=1`, { method: 'POST' })).text()).toBe('created');
    expect((await fetch(`${url}/fn/create`)).status).toBe(200);
    expect(received.map((r) => (r.event as FcHttpEvent).rawPath)).toEqual(['/x/y', '/']);
    expect(received.map((r) => r.fn)).toEqual(['create', 'create']);
  });

  it('refuses methods the HTTP trigger does not list, functions without one, and unknown functions', async () => {
    const { url, received } = await serve();
    expect((await fetch(`${url}/fn/create`, { method: 'DELETE' })).status).toBe(405);
    expect(await (await fetch(`${url}/fn/purge`)).json()).toMatchObject({ Code: 'TriggerNotFound' });
    expect((await fetch(`${url}/fn/nope`)).status).toBe(404);
    expect(received).toHaveLength(0);
  });

  it('invokes a function with the raw body as its event on the FC invoke path', async () => {
    const { url, received } = await serve();
    const event = { triggerTime: '2026-03-01T12:00:00Z', triggerName: 'purge', payload: '' };
    const res = await signedInvoke(url, INVOKE_KEY, 'secret-rotor-purge', JSON.stringify(event));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ echoed: event });
    expect(received[0]?.event).toEqual(event);
  });

  it('reports a handler error on the invoke path the way FC does', async () => {
    const { url } = await serve();
    const res = await signedInvoke(url, INVOKE_KEY, 'rotate', '{}');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-fc-error-type')).toBe('UnhandledInvocationError');
    expect(await res.json()).toEqual({ errorMessage: 'no luck', errorType: 'TypeError' });
  });

  it('answers 404 for an unknown function on the invoke path', async () => {
    const { url } = await serve();
    const res = await signedInvoke(url, INVOKE_KEY, 'nope', '{}');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ Code: 'FunctionNotFound' });
  });
});
