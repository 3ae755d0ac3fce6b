import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../shared/runtime/local/runtime.js';
import { parseFcSchedule } from '../../shared/runtime/local/schedule.js';
import {
  deepMerge,
  loadServerlessSpec,
  parseServerlessSpec,
  ServerlessSpecError,
  type FunctionSpec,
  type TriggerSpec,
} from '../../shared/runtime/local/s-yaml.js';

const S_YAML = join(PROJECT_ROOT, 's.yaml');
const spec = loadServerlessSpec(S_YAML, {});
const fn = (resource: string): FunctionSpec => {
  const found = spec.functions.find((f) => f.resource === resource);
  if (!found) throw new Error(`no resource ${resource}`);
  return found;
};
const kinds = (triggers: TriggerSpec[]): string[] => triggers.map((t) => `${t.type}:${t.name}`);

describe('s.yaml, as the local runtime reads it', () => {
  it('declares its functions, each built from its own folder under functions/', () => {
    expect(spec.functions.map((f) => f.resource)).toEqual(['api', 'console', 'create', 'rotate', 'schedule-delete', 'purge', 'restore', 'alerts']);
    for (const f of spec.functions) {
      expect(f.functionName).toBe(`secret-rotor-${f.resource}`);
      expect(f.code).toBe(`./dist/${f.resource}`);
      expect(f.handler).toBe('index.handler');
      expect(f.exportName).toBe('handler');
      expect(f.source).toBe(join(PROJECT_ROOT, 'functions', f.resource, 'index.ts'));
      expect(existsSync(f.source)).toBe(true);
    }
  });

  it('gives each function its triggers', () => {
    expect(kinds(fn('api').triggers)).toEqual(['http:http']);
    expect(kinds(fn('create').triggers)).toEqual(['http:http']);
    expect(kinds(fn('rotate').triggers)).toEqual(['http:http', 'timer:schedule', 'mns-queue:rotation-steps']);
    expect(kinds(fn('schedule-delete').triggers)).toEqual(['http:http']);
    expect(kinds(fn('purge').triggers)).toEqual(['timer:purge']);
    expect(kinds(fn('restore').triggers)).toEqual(['http:http']);
  });

  it('has HTTP triggers the KMS SDK can reach (GET and POST, signature as the only auth)', () => {
    for (const f of spec.functions) {
      for (const t of f.triggers.filter((t) => t.type === 'http')) {
        expect(t).toMatchObject({ methods: ['GET', 'POST'], authType: 'anonymous' });
      }
    }
  });

  it('runs rotate every minute and purge every 10 minutes, in 6-field cron that croner reads with seconds', () => {
    const timers = spec.functions.flatMap((f) => f.triggers.filter((t) => t.type === 'timer'));
    expect(timers.map((t) => t.type === 'timer' && t.cronExpression)).toEqual(['0 */1 * * * *', '0 */10 * * * *']);
    const from = new Date('2026-03-01T10:00:30Z');
    for (const t of timers) {
      if (t.type !== 'timer') continue;
      expect(t.enable).toBe(true);
      expect(t.cronExpression.split(' ')).toHaveLength(6);
      const croner = new Cron(t.cronExpression, { mode: '6-part', timezone: 'Etc/UTC', paused: true });
      expect(parseFcSchedule(t.cronExpression).nextAfter(from)).toEqual(croner.nextRun(from));
    }
    expect(parseFcSchedule('0 */1 * * * *').nextAfter(from)?.toISOString()).toBe('2026-03-01T10:01:00.000Z');
    expect(parseFcSchedule('0 */10 * * * *').nextAfter(from)?.toISOString()).toBe('2026-03-01T10:10:00.000Z');
  });

  it('feeds rotate from the rotation queue in batches, bodies left base64-encoded', () => {
    const queue = fn('rotate').triggers.find((t) => t.type === 'mns-queue');
    expect(queue).toEqual({
      type: 'mns-queue',
      name: 'rotation-steps',
      queueName: 'secret-rotor-rotation',
      mode: 'event-streaming',
      batchSize: 10,
      isBase64Decode: false,
      eventSchema: 'CloudEvents',
    });
  });

  it('merges the template into every function and lets props override it', () => {
    expect(fn('api').timeout).toBe(30);
    expect(fn('rotate').timeout).toBe(300);
    expect(fn('purge').memorySize).toBe(512);
  });

  it('resolves vars and env() with their defaults, leaving nothing unresolved', () => {
    expect(spec.unresolved).toEqual([]);
    expect(spec.vars).toMatchObject({ region: 'cn-hangzhou', rotationQueue: 'secret-rotor-rotation' });
    const custom = loadServerlessSpec(S_YAML, { ROTOR_QUEUE_NAME: 'q2', ROTOR_REGION: 'cn-beijing' });
    expect(custom.vars).toMatchObject({ region: 'cn-beijing', rotationQueue: 'q2' });
    expect(custom.functions.find((f) => f.resource === 'rotate')?.triggers[2]).toMatchObject({ queueName: 'q2' });
  });
});

/** The fc3 component's schema, as recorded in the team's platform notes (not the schema file itself). */
describe('s.yaml against the fc3 schema facts', () => {
  const doc = parse(readFileSync(S_YAML, 'utf8')) as {
    edition: string;
    template: Record<string, Record<string, unknown>>;
    actions: Record<string, { run?: string; path?: string }[]>;
    resources: Record<string, { component: string; extend?: { name: string }; props: Record<string, unknown> }>;
  };
  const propsOf = (name: string): Record<string, unknown> => {
    const r = doc.resources[name];
    if (!r) throw new Error(name);
    return deepMerge(r.extend ? doc.template[r.extend.name] : {}, r.props) as Record<string, unknown>;
  };

  it('is edition 3.0.0 with fc3 resources and builds before deploying', () => {
    expect(doc.edition).toBe('3.0.0');
    expect(Object.values(doc.resources).every((r) => r.component === 'fc3')).toBe(true);
    expect(doc.actions['pre-deploy']).toEqual([{ run: 'npm run build', path: './' }]);
  });

  it.each(['api', 'create', 'rotate', 'schedule-delete', 'purge', 'restore'])('%s has valid function props', (name) => {
    const p = propsOf(name);
    for (const key of ['functionName', 'region', 'runtime', 'code', 'handler']) expect(p[key], key).toBeTruthy();
    expect(p.runtime).toBe('nodejs20');
    expect(Number(p.memorySize) % 64).toBe(0);
    expect(Number(p.memorySize)).toBeGreaterThanOrEqual(128);
    expect(Number.isInteger(p.timeout) && Number(p.timeout) >= 1 && Number(p.timeout) <= 86400).toBe(true);
    expect([512, 10240]).toContain(p.diskSize);
    for (const v of Object.values(p.environmentVariables as Record<string, unknown>)) expect(typeof v).toBe('string');

    for (const t of p.triggers as { triggerName: string; triggerType: string; triggerConfig: Record<string, unknown> }[]) {
      expect(t.triggerName).toBeTruthy();
      expect(['oss', 'log', 'timer', 'eventbridge', 'http', 'mns_topic', 'cdn_events', 'tablestore']).toContain(t.triggerType);
      const c = t.triggerConfig;
      if (t.triggerType === 'http') {
        expect(['anonymous', 'function', 'jwt']).toContain(c.authType);
        expect(Array.isArray(c.methods)).toBe(true);
      }
      if (t.triggerType === 'timer') {
        expect(typeof c.cronExpression).toBe('string');
        expect(typeof c.enable).toBe('boolean');
        if ('payload' in c) expect(typeof c.payload).toBe('string');
      }
      if (t.triggerType === 'eventbridge') {
        for (const key of ['triggerEnable', 'asyncInvocationType', 'eventRuleFilterPattern', 'eventSinkConfig', 'eventSourceConfig', 'runOptions']) {
          expect(c, key).toHaveProperty(key);
        }
        expect(c.eventSinkConfig).toHaveProperty('deliveryOption');
        expect(c.eventSourceConfig).toHaveProperty('eventSourceType', 'MNS');
        expect(c.eventSourceConfig).toHaveProperty('eventSourceParameters.sourceMNSParameters.IsBase64Decode', false);
      }
    }
  });
});

describe('parseServerlessSpec', () => {
  const doc = (body: string): string => `edition: 3.0.0\nname: t\n${body}`;
  const oneFunction = (props: string, extra = ''): string =>
    doc(`${extra}resources:\n  f:\n    component: fc3\n    props:\n      functionName: fn\n      code: ./dist/f\n      handler: index.handler\n${props}`);

  it('resolves env() with and without defaults, vars that use env, and interpolation inside strings', () => {
    const text = oneFunction(
      '      description: ${vars.who}-${env(\'SUFFIX\', "x")}\n      timeout: ${vars.t}\n',
      "vars:\n  who: ${env('WHO', 'nobody')}\n  t: 9\n",
    );
    const spec = parseServerlessSpec(text, '/p/s.yaml', { WHO: 'me' });
    expect(spec.vars).toEqual({ who: 'me', t: 9 });
    expect(spec.functions[0]?.timeout).toBe(9);
    expect(spec.unresolved).toEqual([]);
  });

  it('leaves expressions it does not know as written and lists them', () => {
    const spec = parseServerlessSpec(oneFunction("      role: ${config('AccountID')}\n"), '/p/s.yaml', {});
    expect(spec.unresolved).toEqual(["${config('AccountID')}"]);
  });

  it('honours extend.ignore', () => {
    const text = doc(
      'template:\n  base:\n    timeout: 77\n    memorySize: 1024\nresources:\n  f:\n    component: fc3\n    extend:\n      name: base\n      ignore: [timeout]\n    props:\n      functionName: fn\n      code: ./dist/f\n      handler: index.handler\n',
    );
    const f = parseServerlessSpec(text, '/p/s.yaml', {}).functions[0];
    expect(f?.memorySize).toBe(1024);
    expect(f?.timeout).toBe(3);
  });

  it('reads event-driven queue triggers as one message per delivery, and other event sources as not emulated', () => {
    const text = oneFunction(`      triggers:
        - triggerName: q
          triggerType: eventbridge
          triggerConfig:
            eventSourceConfig:
              eventSourceType: MNS
              eventSourceParameters:
                sourceMNSParameters: { QueueName: jobs }
        - triggerName: k
          triggerType: eventbridge
          triggerConfig:
            eventSourceConfig:
              eventSourceType: Kafka
              eventSourceParameters: {}
        - triggerName: o
          triggerType: oss
          triggerConfig: {}
`);
    expect(parseServerlessSpec(text, '/p/s.yaml', {}).functions[0]?.triggers).toEqual([
      { type: 'mns-queue', name: 'q', queueName: 'jobs', mode: 'event-driven', batchSize: 1, isBase64Decode: true, eventSchema: 'CloudEvents' },
      { type: 'other', name: 'k', triggerType: 'eventbridge/Kafka' },
      { type: 'other', name: 'o', triggerType: 'oss' },
    ]);
  });

  it.each([
    ['a timer without enable', "      triggers:\n        - triggerName: t\n          triggerType: timer\n          triggerConfig: { cronExpression: '0 * * * * *' }\n", /triggers\[0\] \(t\)\.triggerConfig: enable/],
    ['code outside dist', '', /code: expected \.\/dist/],
  ])('reports %s with the path of the problem', (_name, props, error) => {
    const text = _name === 'code outside dist' ? oneFunction('').replace('./dist/f', './src') : oneFunction(props);
    expect(() => parseServerlessSpec(text, '/p/s.yaml', {})).toThrow(ServerlessSpecError);
    expect(() => parseServerlessSpec(text, '/p/s.yaml', {})).toThrow(error);
  });

  it('names a missing template', () => {
    const text = doc('resources:\n  f:\n    component: fc3\n    extend: { name: nope }\n    props: {}\n');
    expect(() => parseServerlessSpec(text, '/p/s.yaml', {})).toThrow(/no template "nope"/);
  });
});
