/**
 * `npm run invoke`: the FC 3.0 InvokeFunction call made with @alicloud/fc2, against the local
 * runtime's invoke path (which does not check FC signatures), and its signature checked here
 * against the FC algorithm on a capturing server.
 */
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FcInvokeError, invokeFunction, type FcTarget } from '../../scripts/invoke/fc-invoke-client.js';
import { parseInvokeCommand, UsageError } from '../../scripts/invoke/invoke-command.js';
import { PROJECT_ROOT, startLocalRuntime, type LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { tempDir, testConfig, type TempDir } from '../support/runtime.js';

const CREDENTIALS = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-invoke-test', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'invoke-test-secret' };
const sample = (name: string): Buffer => readFileSync(join(PROJECT_ROOT, 'events', name));

const targetAt = (endpoint: string, securityToken?: string): FcTarget => ({
  accountId: '1234567890123456',
  region: 'cn-hangzhou',
  endpoint,
  credentials: {
    accessKeyId: CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_ID,
    accessKeySecret: CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    ...(securityToken ? { securityToken } : {}),
  },
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as `npm run invoke` runs it (tsx), in a child process; asynchronous, as the runtime is in this one. */
const runCli = (args: string[], env: Record<string, string>): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const tsx = join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const child = spawn(process.execPath, [tsx, join('scripts', 'invoke.ts'), ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });

describe('npm run invoke, against the local runtime', () => {
  let dir: TempDir;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    dir = tempDir();
    // The invoke path takes only the root key's signature: the CLI's credentials are the root key here.
    const root = { ROTOR_ACCESS_KEY_ID: CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_ID, ROTOR_ACCESS_KEY_SECRET: CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_SECRET };
    runtime = await startLocalRuntime({ config: testConfig(dir.path, root), env: {}, timers: false, queue: false });
  }, 60_000);

  afterAll(async () => {
    await runtime?.stop();
    dir?.remove();
  });

  it('invokes the rotate function with the timer sample and prints the tick result', async () => {
    const run = await runCli(['secret-rotor-rotate', 'events/rotate-timer.json', '--endpoint', runtime.url], CREDENTIALS);
    expect(run.stderr).toMatch(/secret-rotor-rotate: done \(request id [0-9a-f-]{36}\)/);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rowsRead: 0, acted: 0, skipped: 0, deferred: 0 });
  });

  it('with --async, FC queues the event and the call returns at once', async () => {
    const outcome = await invokeFunction(targetAt(runtime.url), { functionName: 'secret-rotor-purge', event: sample('purge-timer.json'), async: true });
    expect(outcome).toEqual({ kind: 'accepted', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('reports a handler that threw (200 with x-fc-error-type) as a function error, exit status 1', async () => {
    const outcome = await invokeFunction(targetAt(runtime.url), { functionName: 'secret-rotor-api', event: sample('rotate-timer.json') });
    expect(outcome).toMatchObject({ kind: 'function-error', errorType: 'UnhandledInvocationError', body: { errorType: expect.any(String) } });

    const run = await runCli(['secret-rotor-api', 'events/rotate-timer.json', '--endpoint', runtime.url], CREDENTIALS);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('secret-rotor-api: the function failed, UnhandledInvocationError');
  });

  it('is refused with 403 when its credentials are not the root key', async () => {
    const run = await runCli(['secret-rotor-rotate', 'events/rotate-timer.json', '--endpoint', runtime.url], {
      ...CREDENTIALS,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-root-secret',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('InvokeFunction secret-rotor-rotate answered HTTP 403');
  });

  it('reports an unknown function with its HTTP status, though fc2 cannot read FC 3.0 error bodies', async () => {
    const call = invokeFunction(targetAt(runtime.url), { functionName: 'no-such-function', event: Buffer.from('{}') });
    await expect(call).rejects.toBeInstanceOf(FcInvokeError);
    await expect(call).rejects.toMatchObject({ httpStatus: 404, message: expect.stringContaining('no such function') });
  });
});

describe('the InvokeFunction request on the wire', () => {
  let server: Server;
  let endpoint: string;
  const seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/json', 'x-fc-request-id': 'req-wire-1' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** FC's signature: HMAC-SHA256 over method, Content-MD5, Content-Type, Date, the x-fc-* headers and the path. */
  const expectedSignature = (headers: IncomingHttpHeaders, path: string, secret: string): string => {
    const fcHeaders = Object.keys(headers)
      .filter((k) => k.startsWith('x-fc-'))
      .sort()
      .map((k) => `${k}:${String(headers[k])}\n`)
      .join('');
    const toSign = `POST\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${headers.date ?? ''}\n${fcHeaders}${path}`;
    return createHmac('sha256', secret).update(toSign, 'utf8').digest('base64');
  };

  it('posts the event to the FC 3.0 path, signed, with the STS token and the invocation type', async () => {
    const event = sample('rotate-timer.json');
    const outcome = await invokeFunction(targetAt(endpoint, 'sts-token-1'), { functionName: 'secret-rotor-rotate', event, async: true });
    expect(outcome).toEqual({ kind: 'accepted', requestId: 'req-wire-1' });

    const req = seen.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/2023-03-30/functions/secret-rotor-rotate/invocations');
    expect(req.body.equals(event)).toBe(true);
    expect(req.headers['content-md5']).toBe(Buffer.from(createHash('md5').update(event).digest('hex')).toString('base64'));
    expect(req.headers).toMatchObject({
      'x-fc-invocation-type': 'Async',
      'x-fc-security-token': 'sts-token-1',
      'x-fc-account-id': '1234567890123456',
    });
    const signature = expectedSignature(req.headers, req.url!, CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_SECRET);
    expect(req.headers.authorization).toBe(`FC ${CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_ID}:${signature}`);
  });

  it('returns a JSON result parsed', async () => {
    const outcome = await invokeFunction(targetAt(endpoint), { functionName: 'fn', event: Buffer.from('{}') });
    expect(outcome).toEqual({ kind: 'result', requestId: 'req-wire-1', body: { ok: true } });
  });
});

describe('parseInvokeCommand', () => {
  const env = { ...CREDENTIALS, ROTOR_FC_ACCOUNT_ID: '1234567890123456', ROTOR_FC_REGION: 'cn-shanghai' };

  it('reads the function, the event file, --async and the target from the environment', () => {
    expect(parseInvokeCommand(['secret-rotor-rotate', 'events/rotate-timer.json', '--async'], env)).toEqual({
      functionName: 'secret-rotor-rotate',
      eventFile: 'events/rotate-timer.json',
      async: true,
      target: {
        accountId: '1234567890123456',
        region: 'cn-shanghai',
        credentials: { accessKeyId: CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_ID, accessKeySecret: CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_SECRET },
      },
    });
  });

  it('takes --endpoint instead of the account and region, keeping only its origin', () => {
    const command = parseInvokeCommand(['fn', 'e.json', '--endpoint=http://127.0.0.1:9000/'], CREDENTIALS);
    expect(command.target.endpoint).toBe('http://127.0.0.1:9000');
    expect(command.async).toBe(false);
  });

  it.each([
    [['fn'], env, 'expected a function name and an event file'],
    [['fn', 'e.json', 'extra'], env, 'unexpected argument extra'],
    [['fn', 'e.json', '--sync'], env, 'unknown option --sync'],
    [['bad name!', 'e.json'], env, 'not a Function Compute function name'],
    [['fn', 'e.json', '--endpoint', 'ftp://x'], env, 'expected an http:// or https:// URL'],
    [['fn', 'e.json'], { ...env, ALIBABA_CLOUD_ACCESS_KEY_ID: '' }, 'ALIBABA_CLOUD_ACCESS_KEY_ID is not set'],
    [['fn', 'e.json'], { ...env, ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined }, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set'],
    [['fn', 'e.json'], { ...env, ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.abc' }, 'ALIBABA_CLOUD_SECURITY_TOKEN is not set'],
    [['fn', 'e.json'], { ...env, ROTOR_FC_ACCOUNT_ID: undefined }, 'ROTOR_FC_ACCOUNT_ID is not set'],
    [['fn', 'e.json'], { ...env, ROTOR_FC_REGION: undefined }, 'ROTOR_FC_REGION is not set'],
  ] as const)('refuses %j with a message naming the problem', (argv, environment, message) => {
    const parse = () => parseInvokeCommand(argv, environment);
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(message);
  });
});
