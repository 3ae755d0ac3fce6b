/**
 * Reads s.yaml (fc3 component, edition 3.0.0) the way Serverless Devs does, as far as our file
 * needs: `${vars.x}` and `${env('X', 'default')}` expressions, and `extend:` merging of a
 * `template:` entry into a resource's props. The result is the functions and their triggers
 * the local runtime serves.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

export interface HttpTriggerSpec {
  type: 'http';
  name: string;
  methods: string[];
  authType: string;
}

export interface TimerTriggerSpec {
  type: 'timer';
  name: string;
  cronExpression: string;
  enable: boolean;
  payload: string;
}

export interface QueueTriggerSpec {
  type: 'mns-queue';
  name: string;
  queueName: string;
  /** event-streaming delivers an array per batch; event-driven one CloudEvent per message. */
  mode: 'event-streaming' | 'event-driven';
  /** Most messages per delivery (batchWindow.CountBasedWindow; 1 when event-driven). */
  batchSize: number;
  /** Whether EventBridge base64-decodes message bodies before delivery. */
  isBase64Decode: boolean;
  eventSchema: 'CloudEvents' | 'RawData';
}

/** An mns_topic trigger: a subscription to an MNS topic that pushes each message to the function. */
export interface TopicTriggerSpec {
  type: 'mns-topic';
  name: string;
  /** From sourceArn acs:mns:<region>:<account>:/topics/<name>. */
  topicName: string;
  /** Only messages with this MessageTag are pushed; absent means all. */
  filterTag: string | null;
  /** JSON: a notification object per message; STREAM: the raw message body. */
  notifyContentFormat: 'JSON' | 'STREAM';
}

/** Triggers the local runtime does not emulate (OSS, log, other event sources...). */
export interface OtherTriggerSpec {
  type: 'other';
  name: string;
  triggerType: string;
}

export type TriggerSpec = HttpTriggerSpec | TimerTriggerSpec | QueueTriggerSpec | TopicTriggerSpec | OtherTriggerSpec;

export interface FunctionSpec {
  /** The resource's key in s.yaml. */
  resource: string;
  functionName: string;
  /** `code:` as written, e.g. ./dist/rotate */
  code: string;
  /** Absolute path of the TypeScript module that `code` is built from. */
  source: string;
  /** The export `handler:` names. */
  exportName: string;
  handler: string;
  memorySize: number;
  timeout: number;
  triggers: TriggerSpec[];
}

export interface ServerlessSpec {
  name: string;
  file: string;
  vars: Record<string, unknown>;
  functions: FunctionSpec[];
  /** `${...}` expressions left as written (not needed locally, e.g. config('AccountID')). */
  unresolved: string[];
}

export class ServerlessSpecError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'ServerlessSpecError';
  }
}

// ---------------------------------------------------------------- variables

const EXPRESSION = /\$\{([^{}]+)\}/g;
const ENV_CALL = /^env\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])([^'"]*)\3\s*)?\)$/;
const VARS_REF = /^vars\.([A-Za-z0-9_.-]+)$/;

interface Scope {
  vars: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  unresolved: Set<string>;
}

const NOT_RESOLVED = Symbol('not resolved');

const evaluate = (expr: string, scope: Scope): unknown => {
  const e = expr.trim();
  const env = ENV_CALL.exec(e);
  if (env) return scope.env[env[2] ?? ''] ?? env[4] ?? '';
  const ref = VARS_REF.exec(e);
  if (ref) {
    let value: unknown = scope.vars;
    for (const key of (ref[1] ?? '').split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
    if (value !== undefined) return value;
  }
  scope.unresolved.add(`\${${e}}`);
  return NOT_RESOLVED;
};

/** A string that is one whole expression keeps the value's type (a number stays a number). */
const resolveString = (text: string, scope: Scope): unknown => {
  const whole = /^\$\{([^{}]+)\}$/.exec(text);
  if (whole) {
    const value = evaluate(whole[1] ?? '', scope);
    return value === NOT_RESOLVED ? text : value;
  }
  return text.replace(EXPRESSION, (match, expr: string) => {
    const value = evaluate(expr, scope);
    return value === NOT_RESOLVED ? match : String(value);
  });
};

const resolveDeep = (value: unknown, scope: Scope): unknown => {
  if (typeof value === 'string') return resolveString(value, scope);
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, scope));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, scope)]));
  return value;
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Props win; objects merge key by key; arrays and scalars are replaced whole. */
export const deepMerge = (base: unknown, over: unknown): unknown => {
  if (!isRecord(base) || !isRecord(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
};

// ---------------------------------------------------------------- schemas

const documentSchema = z.object({
  edition: z.literal('3.0.0', { error: 'edition must be 3.0.0' }),
  name: z.string().min(1),
  vars: z.record(z.string(), z.unknown()).default({}),
  template: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  resources: z.record(
    z.string(),
    z.object({
      component: z.string(),
      extend: z.object({ name: z.string(), ignore: z.array(z.string()).default([]) }).optional(),
      props: z.record(z.string(), z.unknown()).default({}),
    }),
  ),
});

const triggerBase = z.object({ triggerName: z.string().min(1), triggerType: z.string().min(1) });

const httpConfig = z.object({ authType: z.string(), methods: z.array(z.string()).min(1) });
const timerConfig = z.object({
  cronExpression: z.string().min(1),
  enable: z.boolean(),
  payload: z.string().default(''),
});
const eventBridgeConfig = z.object({
  eventSinkConfig: z
    .object({ deliveryOption: z.object({ mode: z.string().optional(), eventSchema: z.string().optional() }).loose() })
    .optional(),
  runOptions: z
    .object({
      mode: z.string().optional(),
      batchWindow: z.object({ CountBasedWindow: z.number().int().min(1).optional() }).loose().optional(),
    })
    .loose()
    .optional(),
  eventSourceConfig: z.object({
    eventSourceType: z.string(),
    eventSourceParameters: z
      .object({
        sourceMNSParameters: z
          .object({ QueueName: z.string().min(1), IsBase64Decode: z.boolean().default(true) })
          .loose()
          .optional(),
      })
      .loose(),
  }),
});

const topicTrigger = z.object({
  sourceArn: z.string().regex(/^acs:mns:[^:]*:[^:]*:\/topics\/[A-Za-z0-9-]+$/, { error: 'expected acs:mns:<region>:<account>:/topics/<name>' }),
  triggerConfig: z
    .object({ notifyContentFormat: z.enum(['JSON', 'STREAM']).default('STREAM'), filterTag: z.string().max(16).optional() })
    .loose(),
});

const functionProps = z.object({
  functionName: z.string().min(1),
  code: z.string().min(1),
  handler: z.string().regex(/^[^.]+\.[A-Za-z_$][\w$]*$/, { error: 'expected <file>.<export>' }),
  memorySize: z.number().int().default(512),
  timeout: z.number().int().min(1).default(3),
  triggers: z.array(z.unknown()).default([]),
});

const issuesOf = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');

const parseWith = <S extends z.ZodType>(schema: S, value: unknown, file: string, where: string): z.output<S> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ServerlessSpecError(file, `${where}: ${issuesOf(parsed.error)}`);
  return parsed.data;
};

// ---------------------------------------------------------------- functions and triggers

const toTrigger = (raw: unknown, file: string, where: string): TriggerSpec => {
  const base = parseWith(triggerBase, raw, file, where);
  const config = (raw as { triggerConfig?: unknown }).triggerConfig;
  const at = `${where} (${base.triggerName}).triggerConfig`;
  switch (base.triggerType) {
    case 'http': {
      const c = parseWith(httpConfig, config, file, at);
      return { type: 'http', name: base.triggerName, methods: c.methods.map((m) => m.toUpperCase()), authType: c.authType };
    }
    case 'timer': {
      const c = parseWith(timerConfig, config, file, at);
      return { type: 'timer', name: base.triggerName, ...c };
    }
    case 'eventbridge': {
      const c = parseWith(eventBridgeConfig, config, file, at);
      const mns = c.eventSourceConfig.eventSourceParameters.sourceMNSParameters;
      if (c.eventSourceConfig.eventSourceType !== 'MNS' || !mns) {
        return { type: 'other', name: base.triggerName, triggerType: `eventbridge/${c.eventSourceConfig.eventSourceType}` };
      }
      const mode = c.runOptions?.mode ?? c.eventSinkConfig?.deliveryOption.mode ?? 'event-driven';
      const streaming = mode === 'event-streaming';
      return {
        type: 'mns-queue',
        name: base.triggerName,
        queueName: mns.QueueName,
        mode: streaming ? 'event-streaming' : 'event-driven',
        batchSize: streaming ? (c.runOptions?.batchWindow?.CountBasedWindow ?? 1) : 1,
        isBase64Decode: mns.IsBase64Decode,
        eventSchema: c.eventSinkConfig?.deliveryOption.eventSchema === 'RawData' ? 'RawData' : 'CloudEvents',
      };
    }
    case 'mns_topic': {
      const t = parseWith(topicTrigger, raw, file, `${where} (${base.triggerName})`);
      return {
        type: 'mns-topic',
        name: base.triggerName,
        topicName: t.sourceArn.slice(t.sourceArn.lastIndexOf('/') + 1),
        filterTag: t.triggerConfig.filterTag || null,
        notifyContentFormat: t.triggerConfig.notifyContentFormat,
      };
    }
    default:
      return { type: 'other', name: base.triggerName, triggerType: base.triggerType };
  }
};

/** `code: ./dist/<name>` is the build output of functions/<name>/; that is what runs locally. */
const sourceOf = (code: string, handler: string, root: string, file: string, where: string): string => {
  const m = /^(?:\.\/)?dist\/([A-Za-z0-9_-]+)\/?$/.exec(code);
  if (!m) throw new ServerlessSpecError(file, `${where}.code: expected ./dist/<function folder>, got ${code}`);
  const moduleFile = handler.slice(0, handler.lastIndexOf('.'));
  return join(root, 'functions', m[1] ?? '', `${moduleFile}.ts`);
};

const toFunction = (resource: string, props: unknown, root: string, file: string): FunctionSpec => {
  const where = `resources.${resource}.props`;
  const p = parseWith(functionProps, props, file, where);
  return {
    resource,
    functionName: p.functionName,
    code: p.code,
    source: sourceOf(p.code, p.handler, root, file, where),
    exportName: p.handler.slice(p.handler.lastIndexOf('.') + 1),
    handler: p.handler,
    memorySize: p.memorySize,
    timeout: p.timeout,
    triggers: p.triggers.map((t, i) => toTrigger(t, file, `${where}.triggers[${i}]`)),
  };
};

const withoutKeys = (o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

export const parseServerlessSpec = (text: string, file: string, env: NodeJS.ProcessEnv = process.env): ServerlessSpec => {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new ServerlessSpecError(file, `not valid YAML: ${(e as Error).message}`);
  }
  const doc = parseWith(documentSchema, raw, file, 'document');
  const scope: Scope = { vars: {}, env, unresolved: new Set() };
  // Each var sees the ones above it, as they are resolved in order.
  for (const [k, v] of Object.entries(doc.vars)) scope.vars[k] = resolveDeep(v, scope);

  const root = dirname(file);
  const functions = Object.entries(doc.resources)
    .filter(([, r]) => r.component === 'fc3' || r.component.startsWith('fc3@'))
    .map(([name, r]) => {
      let props: unknown = r.props;
      if (r.extend) {
        const template = doc.template[r.extend.name];
        if (!template) throw new ServerlessSpecError(file, `resources.${name}.extend: no template "${r.extend.name}"`);
        props = deepMerge(withoutKeys(template, r.extend.ignore), r.props);
      }
      return toFunction(name, resolveDeep(props, scope), root, file);
    });
  return { name: doc.name, file, vars: scope.vars, functions, unresolved: [...scope.unresolved] };
};

export const loadServerlessSpec = (file: string, env: NodeJS.ProcessEnv = process.env): ServerlessSpec =>
  parseServerlessSpec(readFileSync(file, 'utf8'), file, env);
