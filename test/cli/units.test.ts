/** The CLI's pure parts, in process: rotation waiting on a manual clock, failure mapping, the event log, output. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForRotation, type RotationWaitDeps } from '../../cli/rotation-wait.js';
import { describeFailure, exitCodeForApiError, redact } from '../../cli/failure.js';
import { followLines, readLastLines } from '../../cli/event-log.js';
import { formatFields, formatTable, humanInterval } from '../../cli/output.js';
import { parseEndpoint, ROOT_CREDENTIALS_FILE } from '../../cli/settings.js';
import { EVENTS_FILE } from '../../cli/commands/events.js';
import { CliError, ExitCode } from '../../cli/exit-codes.js';
import { ROOT_CREDENTIALS_FILE as RUNTIME_ROOT_CREDENTIALS_FILE } from '../../shared/runtime/root-credentials.js';
import { EVENTS_FILE as RUNTIME_EVENTS_FILE } from '../../shared/runtime/container.js';
import { scratch, type Scratch } from './harness.js';

it('reads the files the local runtime writes', () => {
  expect(ROOT_CREDENTIALS_FILE).toBe(RUNTIME_ROOT_CREDENTIALS_FILE);
  expect(EVENTS_FILE).toBe(RUNTIME_EVENTS_FILE);
});

describe('waitForRotation', () => {
  /** DescribeSecret answers in order (the last one repeats), on a clock that only sleeping moves. */
  const scripted = (answers: Record<string, unknown>[], currentVersion: string | null) => {
    let now = 0;
    let polls = 0;
    const progress: string[] = [];
    const deps: RotationWaitDeps = {
      describeSecret: async () => answers[Math.min(polls++, answers.length - 1)] ?? {},
      listVersions: async () => ({
        VersionIds: { VersionId: currentVersion ? [{ VersionId: currentVersion, VersionStages: { VersionStage: ['ACSCurrent'] } }] : [] },
      }),
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      onProgress: ({ status, step }) => progress.push(`${status}/${step}`),
    };
    return { deps, progress };
  };
  const rotating = (step: string) => ({ RotationStatus: 'Rotating', RotationStep: step });

  it('succeeds when the status is Normal and the version is ACSCurrent, reporting each change once', async () => {
    const s = scripted([rotating('createPending'), rotating('createPending'), rotating('applyToTarget'), { RotationStatus: 'Normal' }], 'r1');
    const outcome = await waitForRotation(s.deps, { versionId: 'r1', timeoutMs: 60_000, pollMs: 1_000 });
    expect(outcome).toEqual({ status: 'Succeeded', elapsedMs: 3_000 });
    expect(s.progress).toEqual(['Rotating/createPending', 'Rotating/applyToTarget', 'Normal/undefined']);
  });

  it('fails with the service-reported error', async () => {
    const s = scripted([rotating('verify'), { RotationStatus: 'Failed', LastRotationError: { Code: 'Target.Unreachable', Message: 'no route' } }], null);
    const outcome = await waitForRotation(s.deps, { versionId: 'r1', timeoutMs: 60_000, pollMs: 1_000 });
    expect(outcome).toMatchObject({ status: 'Failed', elapsedMs: 1_000, error: { Code: 'Target.Unreachable', Message: 'no route' } });
  });

  it('fails, saying so, when the service abandoned the rotation (ACSCurrent kept)', async () => {
    const s = scripted([rotating('verify'), { RotationStatus: 'Abandoned', LastRotationError: { Code: 'Rotation.Stalled', Message: 'stalled' } }], null);
    const outcome = await waitForRotation(s.deps, { versionId: 'r1', timeoutMs: 60_000, pollMs: 1_000 });
    expect(outcome).toMatchObject({ status: 'Failed', elapsedMs: 1_000, error: { Code: 'Rotation.Stalled' }, reason: expect.stringContaining('abandoned') });
  });

  it('fails when nothing rotates and the version is not current (a VersionId used before)', async () => {
    const s = scripted([{ RotationStatus: 'Normal' }], 'other');
    const outcome = await waitForRotation(s.deps, { versionId: 'r1', timeoutMs: 60_000, pollMs: 1_000 });
    expect(outcome).toMatchObject({ status: 'Failed', reason: expect.stringContaining('not ACSCurrent') });
  });

  it('times out at the deadline, never sleeping past it', async () => {
    const s = scripted([rotating('verify')], null);
    const outcome = await waitForRotation(s.deps, { versionId: 'r1', timeoutMs: 2_500, pollMs: 1_000 });
    expect(outcome).toEqual({ status: 'TimedOut', elapsedMs: 2_500, step: 'verify' });
  });

  it('against KMS (no RotationStatus) waits for the version to become ACSCurrent', async () => {
    let listed = 0;
    const s = scripted([{ SecretName: 'x' }], null);
    s.deps.listVersions = async () => {
      listed++;
      const stages = listed >= 3 ? ['ACSCurrent'] : ['ACSPending'];
      return { VersionIds: { VersionId: [{ VersionId: 'r1', VersionStages: { VersionStage: stages } }] } };
    };
    const outcome = await waitForRotation(s.deps, { versionId: 'r1', timeoutMs: 60_000, pollMs: 500 });
    expect(outcome).toEqual({ status: 'Succeeded', elapsedMs: 1_000 });
  });
});

describe('describeFailure', () => {
  it.each([
    ['Forbidden.ResourceNotFound', 404, ExitCode.notFound],
    ['EntityNotExist.AccessKey', 404, ExitCode.notFound],
    ['InvalidAccessKeyId.NotFound', 404, ExitCode.accessDenied],
    ['Forbidden.NoPermission', 403, ExitCode.accessDenied],
    ['SignatureDoesNotMatch', 400, ExitCode.accessDenied],
    ['Rejected.ResourceExist', 409, ExitCode.conflict],
    ['Rejected.RotationInProgress', 409, ExitCode.conflict],
    ['InvalidParameter', 400, ExitCode.apiError],
    ['InvalidAction.NotFound', 404, ExitCode.apiError],
    ['InternalFailure', 500, ExitCode.apiError],
  ])('%s (%i) exits %i', (code, status, exit) => {
    expect(exitCodeForApiError(code, status)).toBe(exit);
  });

  it('describes an SDK error from its body, with the RequestId', () => {
    const sdkError = Object.assign(new Error('code: 404, ...'), {
      code: 'Forbidden.ResourceNotFoundError',
      data: { Code: 'Forbidden.ResourceNotFound', Message: 'The secret "x" does not exist.', RequestId: 'req-1', HttpStatus: 404 },
    });
    expect(describeFailure(sdkError)).toEqual({
      exitCode: ExitCode.notFound,
      message: 'Forbidden.ResourceNotFound: The secret "x" does not exist. (RequestId req-1)',
    });
  });

  it('describes a network error by its code only: its message holds the signed URL', () => {
    const networkError = Object.assign(new Error('connect ECONNREFUSED. POST http://h/?SecretData=hunter2&Signature=abc failed.'), {
      code: 'ECONNREFUSED',
    });
    expect(describeFailure(networkError, { endpoint: 'h:1' })).toEqual({ exitCode: ExitCode.connection, message: 'cannot reach h:1: ECONNREFUSED' });
  });

  it('redacts URL queries and known secrets from anything else', () => {
    const odd = new Error('boom at https://h/path?SecretData=hunter2 with hunter2 again');
    const { message, exitCode } = describeFailure(odd, { secrets: ['hunter2'] });
    expect(exitCode).toBe(ExitCode.apiError);
    expect(message).not.toContain('hunter2');
    expect(message).toContain('https://h/path?…');
    expect(redact('a secret-value b', ['secret-value'])).toBe('a *** b');
  });

  it('keeps a CliError as it is', () => {
    expect(describeFailure(new CliError(ExitCode.timeout, 'late'))).toEqual({ exitCode: ExitCode.timeout, message: 'late' });
  });
});

describe('event log', () => {
  let dir: Scratch;
  let file: string;
  beforeEach(() => {
    dir = scratch('rotor-cli-log-');
    file = join(dir.path, 'events.ndjson');
  });
  afterEach(() => dir.remove());

  it('reads the last lines across chunk boundaries, multi-byte characters intact, a partial last line left out', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ n: i, note: 'ünïcödé ✓'.repeat(3) }));
    writeFileSync(file, `${lines.join('\n')}\n{"partial":`);
    const tail = await readLastLines(file, 5);
    expect(tail.lines).toEqual(lines.slice(-5));
    expect(tail.offset).toBe(Buffer.byteLength(`${lines.join('\n')}\n`));
    expect((await readLastLines(file, Infinity)).lines).toEqual(lines);
    expect((await readLastLines(file, 0)).lines).toEqual([]);
    expect(await readLastLines(join(dir.path, 'absent'), 5)).toEqual({ lines: [], offset: 0, ino: null });
  });

  it('follows appends, completes partial lines, and starts over after truncation', async () => {
    writeFileSync(file, 'old\n');
    const stop = new AbortController();
    const seen: string[] = [];
    const start = await readLastLines(file, 0);
    const following = (async () => {
      for await (const line of followLines(file, start, { pollMs: 5, signal: stop.signal })) seen.push(line);
    })();
    const until = async (n: number) => {
      for (let i = 0; i < 2_000 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    };
    appendFileSync(file, 'one\ntw');
    await until(1);
    appendFileSync(file, 'o\n');
    await until(2);
    truncateSync(file, 0);
    appendFileSync(file, 'three\n');
    await until(3);
    stop.abort();
    await following;
    expect(seen).toEqual(['one', 'two', 'three']);
  });
});

describe('output', () => {
  it('aligns tables and neutralises control characters', () => {
    expect(formatTable(['NAME', 'TYPE'], [['a', 'Generic'], ['longer\u001b[2J', 'x']])).toBe('NAME        TYPE\na           Generic\nlonger?[2J  x\n');
  });

  it('aligns fields and leaves out empty ones', () => {
    expect(formatFields([['Name', 'x'], ['Description', undefined], ['ARN', 'acs:kms']])).toBe('Name:  x\nARN:   acs:kms\n');
  });

  it.each([
    ['604800s', '7d'],
    ['43200s', '12h'],
    ['90s', '90s'],
    ['120s', '2m'],
  ])('interval %s reads as %s', (raw, human) => {
    expect(humanInterval(raw)).toBe(human);
  });
});

describe('parseEndpoint', () => {
  it.each([
    ['127.0.0.1:9000', { endpoint: '127.0.0.1:9000' }],
    ['http://127.0.0.1:9000/', { endpoint: '127.0.0.1:9000', protocol: 'http' }],
    ['https://kms.cn-hangzhou.aliyuncs.com', { endpoint: 'kms.cn-hangzhou.aliyuncs.com', protocol: 'https' }],
  ])('%s', (raw, parsed) => {
    expect(parseEndpoint(raw)).toEqual(parsed);
  });

  it('refuses other schemes and junk', () => {
    expect(() => parseEndpoint('ftp://x')).toThrow(CliError);
    expect(() => parseEndpoint('a b')).toThrow(CliError);
  });
});
