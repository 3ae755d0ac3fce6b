/**
 * The alerts function's wiring: its settings from ROTOR_ALERT_* variables, and the topic trigger
 * turned into alerts over the container's dedup store. With no webhook configured it sends nothing
 * and says so in its result (the local runtime pushes it every alerting event either way).
 */
import { z } from 'zod';
import { handleEvents, type AlertingSettings, type EventOutcome } from '../alerting/consumer.js';
import { DINGTALK_MSGTYPES, WEBHOOK_FORMATS } from '../alerting/formats.js';
import type { WebhookTarget } from '../alerting/webhook.js';
import { ConfigError } from './config.js';
import { getContainer } from './container.js';
import type { RotorContext } from './fc-types.js';
import type { Trigger } from './trigger.js';

export interface AlertingConfig {
  targets: WebhookTarget[];
  settings: AlertingSettings;
}

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };

/** N[d|h|m|s] (seconds without a unit), as KMS writes intervals. */
const duration = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,9}[dhms]?$/, { error: 'expected a whole number followed by d, h, m or s, e.g. 30m' })
    .transform((v) => Number(v.replace(/[dhms]$/, '')) * (UNIT_MS[v.slice(-1)] ?? 1_000))
    .refine((ms) => ms >= min && ms <= max, { error: `expected between ${min / 1000} s and ${max / 86_400_000} d` });

const integer = (min: number, max: number) =>
  z.coerce
    .number({ error: 'expected a number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `expected at least ${min}` })
    .max(max, { error: `expected at most ${max}` });

/** One or more http(s) URLs, separated by commas or spaces. */
const webhookUrls = z
  .string()
  .transform((v) => v.split(/[\s,]+/).filter(Boolean))
  .pipe(
    z.array(
      z.string().refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), {
        error: 'expected http(s) URLs separated by commas or spaces',
      }),
    ),
  );

const alertEnvSchema = z.object({
  ROTOR_ALERT_WEBHOOK_URL: webhookUrls.default([]),
  ROTOR_ALERT_FORMAT: z.enum(WEBHOOK_FORMATS, { error: `expected one of ${WEBHOOK_FORMATS.join(', ')}` }).default('generic'),
  ROTOR_ALERT_DINGTALK_SECRET: z.string().min(1).optional(),
  ROTOR_ALERT_DINGTALK_MSGTYPE: z.enum(DINGTALK_MSGTYPES, { error: `expected one of ${DINGTALK_MSGTYPES.join(', ')}` }).default('markdown'),
  ROTOR_ALERT_OVERDUE_THRESHOLD: duration(0, 365 * 86_400_000).default(3_600_000),
  ROTOR_ALERT_DEDUP_WINDOW: duration(1_000, 30 * 86_400_000).default(86_400_000),
  ROTOR_ALERT_TIMEOUT_MS: integer(100, 60_000).default(5_000),
  ROTOR_ALERT_MAX_ATTEMPTS: integer(1, 10).default(3),
  ROTOR_ALERT_RETRY_BASE_MS: integer(1, 60_000).default(500),
});

const withoutEmptyValues = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));

/** Throws ConfigError naming each bad variable (never its value: URLs and the secret are credentials). */
export const loadAlertingConfig = (env: NodeJS.ProcessEnv = process.env): AlertingConfig => {
  const parsed = alertEnvSchema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0] ?? 'environment')}: ${i.message}`));
  const e = parsed.data;
  const targets = e.ROTOR_ALERT_WEBHOOK_URL.map(
    (url): WebhookTarget => ({
      url,
      format: e.ROTOR_ALERT_FORMAT,
      ...(e.ROTOR_ALERT_FORMAT === 'dingtalk'
        ? { dingTalkMsgType: e.ROTOR_ALERT_DINGTALK_MSGTYPE, ...(e.ROTOR_ALERT_DINGTALK_SECRET ? { dingTalkSecret: e.ROTOR_ALERT_DINGTALK_SECRET } : {}) }
        : {}),
    }),
  );
  return {
    targets,
    settings: {
      overdueThresholdMs: e.ROTOR_ALERT_OVERDUE_THRESHOLD,
      dedupWindowMs: e.ROTOR_ALERT_DEDUP_WINDOW,
      delivery: { timeoutMs: e.ROTOR_ALERT_TIMEOUT_MS, maxAttempts: e.ROTOR_ALERT_MAX_ATTEMPTS, backoffMs: e.ROTOR_ALERT_RETRY_BASE_MS },
    },
  };
};

export interface AlertsResult {
  /** False when no webhook is configured: nothing was sent. */
  configured: boolean;
  events: EventOutcome[];
}

type TopicTrigger = Extract<Trigger, { kind: 'topic' }>;

export const runAlerts = async (trigger: TopicTrigger, context: RotorContext): Promise<AlertsResult> => {
  const container = await getContainer();
  const log = context.log ?? container.logger;
  const config = loadAlertingConfig();
  if (config.targets.length === 0) {
    log.debug({ events: trigger.events.length }, 'alerting not configured (ROTOR_ALERT_WEBHOOK_URL): nothing sent');
    return { configured: false, events: [] };
  }
  const events = await handleEvents(trigger.events, {
    dedup: container.alertDedup,
    targets: config.targets,
    settings: config.settings,
    now: () => container.clock.now(),
    log,
  });
  context.logFields = { ...context.logFields, alerts: events.map((e) => ({ event: e.eventType, alert: e.alert, deliveries: e.deliveries })) };
  return { configured: true, events };
};
