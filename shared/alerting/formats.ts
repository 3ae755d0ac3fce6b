/**
 * Webhook bodies: a generic JSON document (for Alertmanager-style receivers, Slack relays, your own
 * endpoint), and DingTalk's custom robot message, with its optional signature on the URL.
 */
import { createHmac } from 'node:crypto';
import type { Alert } from './alert.js';

export const WEBHOOK_FORMATS = ['generic', 'dingtalk'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const DINGTALK_MSGTYPES = ['markdown', 'text'] as const;
export type DingTalkMsgType = (typeof DINGTALK_MSGTYPES)[number];

/** The generic body: the alert itself, versioned so receivers can evolve with it. */
export const genericBody = (alert: Alert): Record<string, unknown> => ({ schema: 'secret-rotor.alert/1', source: 'secret-rotor', ...alert });

const SEVERITY_LABEL = { critical: 'CRITICAL', warning: 'WARNING' } as const;

const detailLines = (alert: Alert): string[] => [
  `secret: ${alert.secretName}${alert.secretType ? ` (${alert.secretType})` : ''}`,
  ...Object.entries(alert.details).map(([k, v]) => `${k}: ${String(v)}`),
  `time: ${alert.occurredAt}`,
  `event: ${alert.eventType} ${alert.eventId}`,
];

/** Markdown special characters in values are escaped so a secret name cannot restyle the message. */
const escapeMarkdown = (s: string): string => s.replace(/([\\`*_[\]#>|])/g, '\\$1');

const markdownText = (alert: Alert): string =>
  [
    `### [${SEVERITY_LABEL[alert.severity]}] ${escapeMarkdown(alert.title)}`,
    '',
    escapeMarkdown(alert.summary),
    '',
    ...detailLines(alert).map((line) => `- ${escapeMarkdown(line)}`),
  ].join('\n');

const plainText = (alert: Alert): string =>
  [`[${SEVERITY_LABEL[alert.severity]}] ${alert.title}`, alert.summary, ...detailLines(alert)].join('\n');

/** A custom robot message (msgtype markdown or text). A robot with a keyword filter needs the keyword in the title or text. */
export const dingTalkBody = (alert: Alert, msgtype: DingTalkMsgType = 'markdown'): Record<string, unknown> =>
  msgtype === 'markdown'
    ? { msgtype: 'markdown', markdown: { title: `[${SEVERITY_LABEL[alert.severity]}] ${alert.title}`, text: markdownText(alert) } }
    : { msgtype: 'text', text: { content: plainText(alert) } };

/** DingTalk's "additional signature": base64(HMAC-SHA256(key = secret, timestamp + "\n" + secret)). */
export const dingTalkSign = (secret: string, timestampMs: number): string =>
  createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');

/** The robot URL with `timestamp` and the URL-encoded `sign` appended, as DingTalk checks them (within an hour). */
export const signedDingTalkUrl = (url: string, secret: string, timestampMs: number): string => {
  const signed = new URL(url);
  signed.searchParams.set('timestamp', String(timestampMs));
  signed.searchParams.set('sign', dingTalkSign(secret, timestampMs));
  return signed.toString();
};
