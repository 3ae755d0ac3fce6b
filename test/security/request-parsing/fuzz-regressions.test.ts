/**
 * Boundary: turning bytes into a request (see api-fuzz.test.ts for the attacker's goal).
 *
 * Defects the API fuzzer found, one test each, against the real local runtime in-process:
 *   - a V3 SignedHeaders list naming `constructor` (any Object.prototype member) was answered 500
 *   - a query parameter or header named `constructor` or `toString` had Object.prototype's function
 *     text glued to its value, so a correctly signed request failed its signature
 *   - requests Node's parser refuses, and requests without a Host header, got a bare status with no
 *     KMS-style body
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../../shared/runtime/local/runtime.js';
import { httpRequestFromEvent } from '../../../shared/runtime/trigger.js';
import { tempDir, testConfig, type TempDir } from '../../support/runtime.js';
import { kmsErrorOf } from '../support/kms-error-shape.js';
import { signedV1, signedV3, type Key } from '../support/signed-requests.js';
import { createAgent, sendHttp, sendRaw, type WireResponse } from '../support/wire.js';

let dir: TempDir;
let runtime: LocalRuntime;
let port: number;
let root: Key;
const agent = createAgent(2);

beforeAll(async () => {
  dir = tempDir('rotor-fuzz-regressions-');
  runtime = await startLocalRuntime({ config: testConfig(dir.path), env: {}, timers: false, queue: false });
  port = Number(new URL(runtime.url).port);
  root = { id: runtime.container.rootCredentials.accessKeyId, secret: runtime.container.rootCredentials.accessKeySecret };
});

afterAll(async () => {
  agent.destroy();
  await runtime?.stop();
  dir?.remove();
});

const codeOf = (res: WireResponse): string | undefined => kmsErrorOf(res)?.code;

describe('names that Object.prototype also answers to', () => {
  it.each(['constructor', 'tostring', 'hasownproperty', '__proto__'])('a V3 SignedHeaders entry "%s" that was not sent is IncompleteSignature, not a 500', async (name) => {
    const signed = signedV3('GetRandomPassword', [], root, `127.0.0.1:${port}`, false);
    const headers = { ...(signed.headers as Record<string, string>) };
    headers.authorization = (headers.authorization ?? '').replace(/SignedHeaders=([^,]+)/, `SignedHeaders=$1;${name}`);
    const res = await sendHttp(port, agent, { ...signed, headers });
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('IncompleteSignature');
  });

  it.each(['constructor', 'toString', 'valueOf'])('a signed query parameter named "%s" arrives as sent, so the signature verifies', async (name) => {
    const res = await sendHttp(port, agent, signedV1('GetRandomPassword', [[name, 'x']], root, 'query-post'));
    expect(codeOf(res)).toBeUndefined();
    expect(res.status).toBe(200);
  });

  it('a header named "constructor" arrives as sent', () => {
    const request = httpRequestFromEvent({
      version: 'v1',
      rawPath: '/',
      headers: { Constructor: 'a', 'X-Other': 'b' },
      queryParameters: {},
      body: '',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/', sourceIp: '127.0.0.1' } },
    });
    expect(request.headers.constructor).toBe('a');
    expect(request.headers['x-other']).toBe('b');
  });
});

describe('requests the HTTP parser refuses', () => {
  const raw = (text: string) => sendRaw(port, Buffer.from(text, 'latin1'));

  it.each([
    ['a request line that is not HTTP', 'GARBAGE\r\n\r\n'],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n'],
    ['a negative Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'],
    ['a bad chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ])('%s is answered 400 MalformedRequest in a KMS-style body', async (_what, text) => {
    const res = await raw(text);
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('MalformedRequest');
  });

  it('headers past the size limit are answered 431 RequestHeaderFieldsTooLarge in a KMS-style body', async () => {
    const res = await raw(`GET /?${'a'.repeat(300_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(codeOf(res)).toBe('RequestHeaderFieldsTooLarge');
  });

  it('a request without Host reaches the API and gets its error', async () => {
    const res = await raw('GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('MissingParameter');
  });

  it('serves the next connection normally afterwards', async () => {
    await raw('GARBAGE\r\n\r\n');
    const res = await sendHttp(port, agent, signedV1('GetRandomPassword', [], root, 'query-post'));
    expect(res.status).toBe(200);
  });
});
