/** The console's pure parts: sessions, CSRF tokens, sealed drafts, escaping, settings, the rotation timeline. */
import { createHmac } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NdjsonEventReader } from '../../shared/adapters/local-events/ndjson-event-reader.js';
import { tempDir } from '../support/runtime.js';
import { draftFromCredentialsForm, draftWithRotation, emptyDraft, toCreateInput } from '../../shared/console/create-draft.js';
import { openDraft, sealDraft } from '../../shared/console/draft-seal.js';
import { rotationTimeline } from '../../shared/console/history.js';
import { csrfTokenFor, csrfTokenMatches, deriveSessionKeys, issueSession, keyStateOf, openSession, readCookie } from '../../shared/console/session.js';
import { html } from '../../shared/console/views/html.js';
import { MAX_FAILURES, SignInLimiter, WINDOW_MS } from '../../shared/console/sign-in-limiter.js';
import { consoleSettingsFromEnv } from '../../shared/console/wiring.js';
import { makeEvent, EventTypes } from '../../shared/domain/events.js';
import { ConfigError } from '../../shared/runtime/config.js';

const keys = deriveSessionKeys('root:a-test-root-secret');
const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('console sessions', () => {
  it('opens a token it issued until it expires', () => {
    const { token, session } = issueSession(keys, 'LTAIexample', '1.state', NOW + 60_000);
    expect(openSession(keys, token, NOW)).toEqual(session);
    expect(openSession(keys, token, NOW + 60_000)).toBeNull();
  });

  it('refuses a token changed in any way, or signed with another key', () => {
    const { token } = issueSession(keys, 'LTAIexample', '1.state', NOW + 60_000);
    const [payload, mac] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ k: 'LTAIroot', e: NOW + 60_000, s: 'x' })).toString('base64url');
    expect(openSession(keys, `${forged}.${mac}`, NOW)).toBeNull();
    expect(openSession(keys, `${payload}.${mac.slice(1)}A`, NOW)).toBeNull();
    expect(openSession(keys, `${token}.extra`, NOW)).toBeNull();
    expect(openSession(deriveSessionKeys('root:another-secret'), token, NOW)).toBeNull();
    expect(openSession(keys, '', NOW)).toBeNull();
  });

  it('carries the key state it was issued under, and refuses a token without one (issued before sessions had it)', () => {
    const { token } = issueSession(keys, 'LTAIexample', '7.abc', NOW + 60_000);
    expect(openSession(keys, token, NOW)?.keyState).toBe('7.abc');
    const payload = Buffer.from(JSON.stringify({ k: 'LTAIexample', e: NOW + 60_000, s: 'x' })).toString('base64url');
    const tag = createHmac('sha256', keys.mac).update(`session.${payload}`).digest('base64url');
    expect(openSession(keys, `${payload}.${tag}`, NOW)).toBeNull();
  });

  it('states a key by its revision and its secret, without showing the secret', () => {
    const key = { accessKeySecret: 'a-key-secret-123456', revision: 3 };
    expect(keyStateOf(keys, key)).toBe(keyStateOf(keys, { ...key }));
    expect(keyStateOf(keys, { ...key, revision: 4 })).not.toBe(keyStateOf(keys, key));
    expect(keyStateOf(keys, { ...key, accessKeySecret: 'another-secret-0000' })).not.toBe(keyStateOf(keys, key));
    expect(keyStateOf(keys, key)).not.toContain(key.accessKeySecret);
  });

  it('ties the CSRF token to the session', () => {
    const a = issueSession(keys, 'LTAIexample', '1.state', NOW + 60_000).session;
    const b = issueSession(keys, 'LTAIexample', '1.state', NOW + 60_000).session;
    expect(csrfTokenMatches(keys, a, csrfTokenFor(keys, a))).toBe(true);
    expect(csrfTokenMatches(keys, a, csrfTokenFor(keys, b))).toBe(false);
    expect(csrfTokenMatches(keys, a, undefined)).toBe(false);
    expect(csrfTokenMatches(keys, a, '')).toBe(false);
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(readCookie('a=1; rotor_console=tok.en; b=2', 'rotor_console')).toBe('tok.en');
    expect(readCookie(undefined, 'rotor_console')).toBeUndefined();
  });
});

describe('sealed wizard drafts', () => {
  it('hold no plaintext and open only in the session that sealed them', () => {
    const sealed = sealDraft(keys.seal, 'session-a', { value: 'the-secret-value' });
    expect(sealed).not.toContain('the-secret-value');
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('the-secret-value');
    expect(openDraft(keys.seal, 'session-a', sealed)).toEqual({ value: 'the-secret-value' });
    expect(openDraft(keys.seal, 'session-b', sealed)).toBeNull();
    expect(openDraft(keys.seal, 'session-a', `${sealed.slice(0, -2)}AA`)).toBeNull();
  });
});

describe('html', () => {
  it('escapes every interpolated value, but not markup built with it', () => {
    const name = '<script>alert("x")</script>&\'';
    expect(html`<td>${name}</td>`.text).toBe('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</td>');
    expect(html`<p>${html`<b>${name}</b>`}</p>`.text).toContain('<b>&lt;script&gt;');
    expect(html`${[1, null, false, undefined, 'a']}`.text).toBe('1a');
  });
});

describe('console settings', () => {
  it('defaults, and names the variable of a bad value', () => {
    expect(consoleSettingsFromEnv({})).toEqual({ sessionKey: null, sessionTtlMs: 30 * 60_000 });
    expect(() => consoleSettingsFromEnv({ ROTOR_CONSOLE_SESSION_KEY: 'short' })).toThrow(/ROTOR_CONSOLE_SESSION_KEY/);
    expect(() => consoleSettingsFromEnv({ ROTOR_CONSOLE_SESSION_MINUTES: '1' })).toThrow(ConfigError);
    expect(consoleSettingsFromEnv({ ROTOR_CONSOLE_SESSION_MINUTES: '60' }).sessionTtlMs).toBe(3_600_000);
  });
});

describe('rotation timeline', () => {
  const secret = { name: 'db', type: 'Generic' as const };
  const at = (s: number) => NOW + s * 1000;
  it('groups the events of each rotation with its steps, newest rotation first', () => {
    const events = [
      makeEvent(EventTypes.rotationStarted, secret, at(0), { versionId: 'v2', trigger: 'manual', customValue: false }),
      makeEvent(EventTypes.stepStarted, secret, at(1), { versionId: 'v2', step: 'createPending', attempt: 1 }),
      makeEvent(EventTypes.stepFailed, secret, at(2), { versionId: 'v2', step: 'createPending', attempt: 1, durationMs: 900, error: { code: 'Target.Timeout' } }),
      makeEvent(EventTypes.rotationFailed, secret, at(3), { versionId: 'v2', durationMs: 3000, error: { code: 'Target.Timeout' } }),
      makeEvent(EventTypes.rotationStarted, secret, at(10), { versionId: 'v3', trigger: 'schedule', customValue: false }),
      makeEvent(EventTypes.stepStarted, secret, at(11), { versionId: 'v3', step: 'createPending', attempt: 1 }),
      makeEvent(EventTypes.secretUpdated, secret, at(12)),
    ];
    const [running, failed] = rotationTimeline(events);
    expect(running).toMatchObject({ versionId: 'v3', outcome: 'running', trigger: 'schedule', steps: [{ step: 'createPending', outcome: 'started' }] });
    expect(failed).toMatchObject({
      versionId: 'v2',
      outcome: 'failed',
      durationMs: 3000,
      errorCode: 'Target.Timeout',
      steps: [{ step: 'createPending', attempt: 1, outcome: 'failed', durationMs: 900, errorCode: 'Target.Timeout' }],
    });
  });
});

describe('the NDJSON event log, read back', () => {
  it('reads only its tail, skipping the line the tail cuts, and filters by time and subject', async () => {
    const dir = tempDir('rotor-events-');
    try {
      const file = join(dir.path, 'events.ndjson');
      const reader = new NdjsonEventReader(file, 600);
      expect(await reader.recent({ sinceMs: 0 })).toEqual([]);
      const events = Array.from({ length: 10 }, (_, i) =>
        makeEvent(EventTypes.secretUpdated, { name: i % 2 ? 'odd' : 'even', type: 'Generic' }, NOW + i * 1000),
      );
      appendFileSync(file, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
      const tail = await reader.recent({ sinceMs: 0 });
      expect(tail.length).toBeGreaterThan(0);
      expect(tail.length).toBeLessThan(10);
      expect(tail.map((e) => e.id)).toEqual(events.slice(10 - tail.length).map((e) => e.id));
      const all = new NdjsonEventReader(file);
      expect((await all.recent({ sinceMs: NOW + 5000 })).map((e) => e.time)).toHaveLength(5);
      expect((await all.recent({ sinceMs: 0, subject: 'odd' })).every((e) => e.subject === 'odd')).toBe(true);
      expect(await all.recent({ sinceMs: 0, subject: 'odd' })).toHaveLength(5);
    } finally {
      dir.remove();
    }
  });
});

describe('the Create Secret draft', () => {
  const step1 = (form: Record<string, string>) => draftFromCredentialsForm(form, emptyDraft('cn-hangzhou'));
  const input = (form: Record<string, string>, rotation: Record<string, string> = { rotation: 'off' }) =>
    toCreateInput(draftWithRotation(rotation, step1(form)), 'v1');

  it('writes each type in the SecretData and ExtendedConfig formats the drivers read', () => {
    expect(input({ type: 'ECS', name: 'e', ecs_instance: 'i-1', ecs_region: 'cn-shanghai', ecs_user: 'root', ecs_kind: 'Password', ecs_password: 'pw' })).toMatchObject({
      secretType: 'ECS',
      secretData: '{"UserName":"root","Password":"pw"}',
      extendedConfig: '{"SecretSubType":"Password","RegionId":"cn-shanghai","InstanceId":"i-1"}',
    });
    expect(input({ type: 'RAMCredentials', ram_user: 'alice', ram_key_id: 'LTAIk', ram_key_secret: 's' })).toMatchObject({
      secretName: '$Auto',
      secretData: '{"AccessKeys":[{"AccessKeyId":"LTAIk","AccessKeySecret":"s"}]}',
      extendedConfig: '{"SecretSubType":"RamUserAccessKey","UserName":"alice"}',
    });
    expect(
      input({ type: 'Rds', name: 'r', rds_instance: 'rm-1', rds_strategy: 'SingleUser', rds_mode: 'import', rds_import_name1: 'app', rds_import_password1: 'p' }),
    ).toMatchObject({
      secretData: '{"Accounts":[{"AccountName":"app","AccountPassword":"p"}]}',
      extendedConfig: '{"SecretSubType":"SingleUser","DBInstanceId":"rm-1"}',
    });
    expect(
      input({ type: 'Rds', name: 'r', rds_instance: 'rm-1', rds_strategy: 'SingleUser', rds_mode: 'create', rds_account: 'ops', rds_account_type: 'Super' }, { rotation: 'on', period: '12', unit: 'h' }),
    ).toMatchObject({
      secretData: '{"Accounts":[]}',
      extendedConfig: '{"SecretSubType":"SingleUser","DBInstanceId":"rm-1","CreateAccounts":{"AccountName":"ops","AccountType":"Super"}}',
      enableAutomaticRotation: true,
      rotationInterval: '12h',
    });
  });

  it('keeps a secret entered before when the edited form leaves it blank', () => {
    const first = step1({ type: 'Generic', name: 'g', generic_value: 'kept-value' });
    const edited = draftFromCredentialsForm({ type: 'Generic', name: 'g2', generic_value: '' }, first);
    expect(edited.generic.value).toBe('kept-value');
    expect(edited.name).toBe('g2');
  });
});

describe('the sign-in limiter', () => {
  it('blocks an address after too many failures within the window, and only that address', () => {
    let now = NOW;
    const limiter = new SignInLimiter(() => now);
    for (let i = 0; i < MAX_FAILURES - 1; i++) limiter.recordFailure('10.0.0.1');
    expect(limiter.isBlocked('10.0.0.1')).toBe(false);
    limiter.recordFailure('10.0.0.1');
    expect(limiter.isBlocked('10.0.0.1')).toBe(true);
    expect(limiter.isBlocked('10.0.0.2')).toBe(false);
    now += WINDOW_MS + 1;
    expect(limiter.isBlocked('10.0.0.1')).toBe(false);
  });
});
