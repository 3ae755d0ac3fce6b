/**
 * The same bounds on the FC HTTP trigger path, the cloud's: FC hands a function its HTTP request as
 * an event, a Buffer of JSON with the body base64-encoded or as text, and no server of ours has seen
 * the request before. Hostile events (oversized bodies, as text and base64, too many or too long
 * parameters, too many or too large headers, JSON too large or too deep to parse) go to the real
 * handlers of api (KMS budget, HTTP only), console (its own budget) and rotate (HTTP, timer and queue
 * triggers), as a Buffer the way FC delivers them and, where that shows something else, as the
 * decoded object the local runtime passes. Each is answered with the 4xx naming its limit (or, for
 * an event that is no HTTP request, refused as an invalid event) within the bounds of
 * local-server.test.ts: the event loop at most 50 ms late, memory up by at most 64 MB (the event
 * itself, which FC holds anyway, is built before the measurement starts), and cheap signed calls to
 * the api handler answered meanwhile. The legit requests at KMS's limits are served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as apiHandler } from '../../../functions/api/index.js';
import { handler as consoleHandler } from '../../../functions/console/index.js';
import { handler as rotateHandler } from '../../../functions/rotate/index.js';
import { MAX_DESCRIPTION_CHARS, MAX_SECRET_DATA_BYTES, MAX_TAG_CHARS, MAX_TAGS } from '../../../shared/domain/validation.js';
import { CONSOLE_BUDGET, KMS_API_BUDGET, MAX_EVENT_BYTES, MAX_HEADER_COUNT, MAX_REQUEST_HEAD_BYTES, maxHttpEventBytes } from '../../../shared/http/request-limits.js';
import { createContainer, provideContainer, type Container } from '../../../shared/runtime/container.js';
import type { FcHttpEvent, FcHttpResult } from '../../../shared/runtime/fc-types.js';
import { asBuffer, fcContext, httpEvent } from '../../support/fc-events.js';
import { signedV1Params } from '../../support/request-signers.js';
import { tempDir, testConfig, type TempDir } from '../../support/runtime.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { buildPayload } from './support/hostile-client.js';
import { measureCost, startTraffic, stopCostProbe, type Cost, type TrafficStats } from './support/cost-probe.js';

const MAX_LOOP_DELAY_MS = 50;
const MAX_GROWTH_MB = 64;
const MAX_CHEAP_LATENCY_MS = 250;
const CHEAP_EVERY_MS = 10;
const MIN_WINDOW_MS = 150;
/** As in local-server.test.ts: a shared machine's noise differs between attempts, a request's own cost does not. */
const ATTEMPTS = 5;

const KMS = KMS_API_BUDGET.maxBodyBytes;
const CONSOLE = CONSOLE_BUDGET.maxBodyBytes;
const MB31 = 31_000_000;

type Handler = (event: unknown, context: ReturnType<typeof fcContext>) => Promise<unknown>;
const HANDLERS: Record<string, { handler: Handler; fn: string }> = {
  api: { handler: apiHandler as unknown as Handler, fn: 'secret-rotor-api' },
  console: { handler: consoleHandler as unknown as Handler, fn: 'secret-rotor-console' },
  rotate: { handler: rotateHandler as unknown as Handler, fn: 'secret-rotor-rotate' },
};

/** What came back: an HTTP result's status and KMS code, or the code of a thrown (non-HTTP) error. */
interface Outcome {
  status?: number;
  code?: string;
  thrown?: string;
}

const outcomeOf = async (run: () => Promise<unknown>): Promise<Outcome> => {
  try {
    const result = (await run()) as FcHttpResult;
    let code: string | undefined;
    try {
      code = (JSON.parse(result.body) as { Code?: string }).Code;
    } catch {
      code = undefined; // the console answers in HTML
    }
    return { status: result.statusCode, ...(code ? { code } : {}) };
  } catch (e) {
    return { thrown: (e as { code?: string }).code ?? (e as Error).name };
  }
};

/** An HTTP v1 event with a body, as text (form) or base64. */
const withBody = (body: Buffer, base64: boolean, query: Record<string, string> = {}): FcHttpEvent => ({
  ...httpEvent(query, base64 ? body.toString('base64') : body.toString('latin1')),
  isBase64Encoded: base64,
});

const manyQuery = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, '1']));

interface Scenario {
  name: string;
  target: keyof typeof HANDLERS;
  /** Built before the measurement; `buffer` delivers it as FC does, JSON bytes. */
  event: () => unknown;
  buffer: boolean;
  expect: Outcome;
}

const pairs = (bytes: number, repeatedName?: string): Buffer => buildPayload({ kind: 'pairs', bytes, ...(repeatedName ? { repeatedName } : {}) });

const SCENARIOS: Scenario[] = [
  // api: HTTP only, the KMS budget. FC delivers a Buffer; the event cap is maxHttpEventBytes(KMS).
  { name: 'api: the 31 MB form of ~3 million pairs as text', target: 'api', buffer: true, event: () => withBody(pairs(MB31), false), expect: { status: 413, code: 'RequestBodyTooLarge' } },
  { name: 'api: the 31 MB form base64-encoded', target: 'api', buffer: true, event: () => withBody(pairs(MB31), true), expect: { status: 413, code: 'RequestBodyTooLarge' } },
  { name: 'api: the 31 MB form base64-encoded, as a decoded object', target: 'api', buffer: false, event: () => withBody(pairs(MB31), true), expect: { status: 413, code: 'RequestBodyTooLarge' } },
  { name: 'api: a body one byte over the budget, base64', target: 'api', buffer: true, event: () => withBody(Buffer.alloc(KMS + 1, 'a'), true), expect: { status: 413, code: 'RequestBodyTooLarge' } },
  { name: 'api: a body one byte over the budget, as text', target: 'api', buffer: true, event: () => withBody(Buffer.alloc(KMS + 1, 'a'), false), expect: { status: 413, code: 'RequestBodyTooLarge' } },
  { name: 'api: a body at the budget of ~40,000 tiny pairs, base64', target: 'api', buffer: true, event: () => withBody(pairs(KMS), true), expect: { status: 400, code: 'TooManyParameters' } },
  { name: 'api: a body at the budget of one name repeated, as text', target: 'api', buffer: true, event: () => withBody(pairs(KMS, 'SecretData'), false), expect: { status: 400, code: 'TooManyParameters' } },
  { name: 'api: a body with a 200,000-character name', target: 'api', buffer: true, event: () => withBody(Buffer.from(`${'N'.repeat(200_000)}=1`), false), expect: { status: 400, code: 'ParameterNameTooLong' } },
  { name: 'api: 100,000 query parameters, as a decoded object', target: 'api', buffer: false, event: () => httpEvent(manyQuery(100_000)), expect: { status: 400, code: 'TooManyParameters' } },
  { name: 'api: 20,000 query parameters (JSON too complex to parse)', target: 'api', buffer: true, event: () => httpEvent(manyQuery(20_000)), expect: { status: 400, code: 'TooManyParameters' } },
  { name: 'api: 65 query parameters, one past the count', target: 'api', buffer: true, event: () => httpEvent(manyQuery(65)), expect: { status: 400, code: 'TooManyParameters' } },
  { name: 'api: one query name with 100,000 values (multi-value array)', target: 'api', buffer: false, event: () => ({ ...httpEvent({}), queryParameters: { a: Array.from({ length: 100_000 }, () => '1') } }), expect: { status: 400, code: 'TooManyParameters' } },
  { name: 'api: a 200-character query name', target: 'api', buffer: true, event: () => httpEvent({ [`${'N'.repeat(200)}`]: '1' }), expect: { status: 400, code: 'ParameterNameTooLong' } },
  { name: 'api: query and headers past 256 KiB', target: 'api', buffer: true, event: () => ({ ...httpEvent({ SecretData: 'x'.repeat(MAX_REQUEST_HEAD_BYTES) }) }), expect: { status: 431, code: 'RequestHeaderFieldsTooLarge' } },
  { name: `api: ${MAX_HEADER_COUNT + 1} headers, as a decoded object`, target: 'api', buffer: false, event: () => ({ ...httpEvent({}), headers: Object.fromEntries(Array.from({ length: MAX_HEADER_COUNT + 1 }, (_, i) => [`x-h${i}`, '1'])) }), expect: { status: 431, code: 'RequestHeaderFieldsTooLarge' } },
  { name: 'api: 256 KiB of nested arrays instead of an event', target: 'api', buffer: true, event: () => '['.repeat(KMS / 2) + ']'.repeat(KMS / 2), expect: { status: 400, code: 'TooManyParameters' } },

  // console: HTTP only, its own budget (512 KiB of form).
  { name: 'console: the 31 MB form as text', target: 'console', buffer: true, event: () => ({ ...withBody(pairs(MB31), false), rawPath: '/signin' }), expect: { status: 413, code: 'RequestBodyTooLarge' } },
  { name: 'console: a body one byte over its budget, base64, as a decoded object', target: 'console', buffer: false, event: () => ({ ...withBody(Buffer.alloc(CONSOLE + 1, 'a'), true), rawPath: '/signin' }), expect: { status: 413, code: 'RequestBodyTooLarge' } },
  { name: 'console: a sign-in form at its budget of ~80,000 pairs (an HTML 400)', target: 'console', buffer: true, event: () => ({ ...withBody(pairs(CONSOLE), false), rawPath: '/signin' }), expect: { status: 400 } },

  // rotate: HTTP, timer and queue triggers; events up to MAX_EVENT_BYTES are parsed.
  { name: 'rotate: the 31 MB form as text (too large to parse, recognised as HTTP)', target: 'rotate', buffer: true, event: () => withBody(pairs(MB31), false), expect: { status: 413, code: 'RequestBodyTooLarge' } },
  { name: 'rotate: a 2 MB form body, base64 (parsed, then refused)', target: 'rotate', buffer: true, event: () => withBody(pairs(2_000_000), true), expect: { status: 413, code: 'RequestBodyTooLarge' } },
  { name: 'rotate: 5 MB of queue-like JSON (no HTTP request: an invalid event)', target: 'rotate', buffer: true, event: () => [{ data: { messageBody: 'x'.repeat(5_000_000) } }], expect: { thrown: 'Rotor.InvalidEvent' } },
  { name: 'rotate: 1 MB of nested arrays (an invalid event, not parsed)', target: 'rotate', buffer: true, event: () => '['.repeat(500_000) + ']'.repeat(500_000), expect: { thrown: 'Rotor.InvalidEvent' } },
];

let dir: TempDir;
let container: Container;
let restore: () => void;
let key: { accessKeyId: string; secret: string };
const tally = new BoundaryTally('request-parsing', import.meta.url);
const rows: string[] = [];

const callApi = (event: unknown): Promise<unknown> => HANDLERS.api!.handler(event, fcContext('secret-rotor-api'));
const signedEvent = (params: Record<string, string>): FcHttpEvent => httpEvent(signedV1Params(params, key));

const cheapCall = async (): Promise<number> => ((await callApi(asBuffer(signedEvent({ Action: 'GetSecretValue', SecretName: 'rp/app' })))) as FcHttpResult).statusCode;

beforeAll(async () => {
  dir = tempDir('rotor-request-parsing-fc-');
  container = await createContainer(testConfig(dir.path));
  restore = provideContainer(container);
  key = { accessKeyId: container.rootCredentials.accessKeyId, secret: container.rootCredentials.accessKeySecret };
  const created = (await callApi(asBuffer(signedEvent({ Action: 'CreateSecret', SecretName: 'rp/app', VersionId: 'v1', SecretData: 'rp-initial-value' })))) as FcHttpResult;
  expect(created.statusCode).toBe(200);
  for (let i = 0; i < 20; i++) expect(await cheapCall()).toBe(200);
});

afterAll(async () => {
  restore?.();
  await container?.close();
  dir?.remove();
  if (rows.length > 0) console.log(`[request-parsing] FC HTTP trigger path, per event (best attempt):\n${rows.join('\n')}`);
  tally.write();
  await stopCostProbe();
});

const boundsBroken = (cost: Cost, traffic: TrafficStats): string[] => {
  const broken: string[] = [];
  if (cost.maxLoopDelayMs > MAX_LOOP_DELAY_MS) broken.push(`event loop ${cost.maxLoopDelayMs.toFixed(1)} ms late`);
  if (cost.rssGrowthMb > MAX_GROWTH_MB) broken.push(`RSS +${cost.rssGrowthMb.toFixed(1)} MB`);
  if (cost.heapGrowthMb > MAX_GROWTH_MB) broken.push(`heap +${cost.heapGrowthMb.toFixed(1)} MB`);
  if (traffic.answered < 2 || Object.keys(traffic.failures).length > 0) broken.push(`cheap calls: ${traffic.answered} answered, failures ${JSON.stringify(traffic.failures)}`);
  if (traffic.maxLatencyMs > MAX_CHEAP_LATENCY_MS) broken.push(`a cheap call took ${traffic.maxLatencyMs.toFixed(0)} ms`);
  return broken;
};

/** Up to ATTEMPTS measured calls, until one stays within the bounds; every outcome is returned. */
const measured = async (name: string, makeEvent: () => unknown, run: (event: unknown) => Promise<Outcome>): Promise<{ outcomes: Outcome[]; broken: string[] }> => {
  const outcomes: Outcome[] = [];
  let broken: string[] = [];
  for (let i = 0; i < ATTEMPTS; i++) {
    let event: unknown = makeEvent();
    let traffic: TrafficStats | undefined;
    const { value, cost } = await measureCost(async () => {
      const cheap = startTraffic(cheapCall, CHEAP_EVERY_MS);
      try {
        const ev = event;
        event = undefined;
        return await run(ev);
      } finally {
        await new Promise((resolve) => setTimeout(resolve, MIN_WINDOW_MS / 2));
        traffic = await cheap.stop();
      }
    }, MIN_WINDOW_MS);
    outcomes.push(value);
    broken = boundsBroken(cost, traffic!);
    if (broken.length === 0 || i === ATTEMPTS - 1) {
      rows.push(`  ${JSON.stringify(value).padEnd(52)} loop ${cost.maxLoopDelayMs.toFixed(1).padStart(5)} ms (gc ${cost.maxGcPauseMs.toFixed(1).padStart(4)})  rss +${cost.rssGrowthMb.toFixed(1).padStart(5)} MB  heap +${cost.heapGrowthMb.toFixed(1).padStart(5)} MB  cheap ${String(traffic!.answered).padStart(3)} ok  attempt ${i + 1}  ${name}`);
      break;
    }
  }
  for (const b of broken) tally.crossed(`${name}: ${b}`);
  return { outcomes, broken };
};

describe('hostile FC HTTP trigger events, handed to the real handlers', () => {
  it('caps raw events to what each function can legitimately receive', () => {
    expect(maxHttpEventBytes(KMS_API_BUDGET)).toBeLessThan(1024 * 1024);
    expect(maxHttpEventBytes(CONSOLE_BUDGET)).toBeLessThan(1.5 * 1024 * 1024);
    expect(MAX_EVENT_BYTES).toBe(4 * 1024 * 1024);
  });

  for (const { name, target, event, buffer, expect: expected } of SCENARIOS) {
    it(name, async () => {
      const { handler, fn } = HANDLERS[target]!;
      const { outcomes, broken } = await measured(
        name,
        () => {
          tally.tried();
          const built = event();
          return buffer ? (typeof built === 'string' ? Buffer.from(built) : asBuffer(built)) : built;
        },
        (ev) => outcomeOf(() => handler(ev, fcContext(fn))),
      );
      for (const outcome of outcomes) {
        if (JSON.stringify(outcome) !== JSON.stringify(expected)) tally.crossed(`${name}: ${JSON.stringify(outcome)}`);
        expect(outcome).toEqual(expected);
      }
      expect(broken).toEqual([]);
    });
  }
});

describe('legit requests at KMS limits through the api handler', () => {
  const euro = (n: number): string => '€'.repeat(n);

  it.each([
    ['a form body as text', false],
    ['a form body base64-encoded', true],
  ] as const)('serves a CreateSecret at every limit in %s', async (_what, base64) => {
    let n = 0;
    const { outcomes, broken } = await measured(
      `legit: CreateSecret at every limit, ${base64 ? 'base64' : 'text'}`,
      () => {
        const params = signedV1Params(
          {
            Action: 'CreateSecret',
            SecretName: `rp/limits-${base64 ? 'b64' : 'text'}-${n++}`,
            VersionId: 'v1',
            SecretData: euro(MAX_SECRET_DATA_BYTES / 3),
            Description: euro(MAX_DESCRIPTION_CHARS),
            Tags: JSON.stringify(Array.from({ length: MAX_TAGS }, (_, i) => ({ TagKey: `k${String(i).padStart(2, '0')}${euro(MAX_TAG_CHARS - 3)}`, TagValue: euro(MAX_TAG_CHARS) }))),
          },
          key,
        );
        const body = Buffer.from(new URLSearchParams(params).toString());
        expect(body.length).toBeGreaterThan(140_000);
        expect(body.length).toBeLessThanOrEqual(KMS);
        return asBuffer(withBody(body, base64));
      },
      (ev) => outcomeOf(() => callApi(ev)),
    );
    for (const outcome of outcomes) expect(outcome).toEqual({ status: 200 });
    expect(broken).toEqual([]);
  });

  it('serves a PutSecretValue of 30,720 bytes in the query parameters, as SDK 1.2.0 sends it', async () => {
    let n = 0;
    const { outcomes, broken } = await measured(
      'legit: PutSecretValue of 30,720 bytes in the query',
      () => asBuffer(signedEvent({ Action: 'PutSecretValue', SecretName: 'rp/app', VersionId: `v-max-${n++}`, SecretData: euro(MAX_SECRET_DATA_BYTES / 3) })),
      (ev) => outcomeOf(() => callApi(ev)),
    );
    for (const outcome of outcomes) expect(outcome).toEqual({ status: 200 });
    expect(broken).toEqual([]);
  });
});
