/**
 * Delivers an alert to one webhook: POST JSON with a timeout per attempt, retried with backoff on
 * network errors, timeouts, 429 and 5xx (and DingTalk's "too fast" answers). Webhook URLs often
 * carry a token (DingTalk's access_token), so errors and logs name the target by its label only.
 */
import { createHash } from 'node:crypto';
import type { Alert } from './alert.js';
import { dingTalkBody, genericBody, signedDingTalkUrl, type DingTalkMsgType, type WebhookFormat } from './formats.js';

export interface WebhookTarget {
  url: string;
  format: WebhookFormat;
  /** DingTalk robots with "additional signature" security: the SEC... secret. */
  dingTalkSecret?: string;
  dingTalkMsgType?: DingTalkMsgType;
}

export interface DeliveryPolicy {
  timeoutMs: number;
  maxAttempts: number;
  /** First pause between attempts; doubled each time. */
  backoffMs: number;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  /** The last HTTP status, when there was an answer. */
  status?: number;
  /** Why it failed, without the URL. */
  reason?: string;
}

export interface DeliveryDeps {
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The host and a short hash of the whole URL: tells targets apart in logs and keys without revealing tokens. */
export const targetLabel = (url: string): string => {
  let host = 'invalid-url';
  try {
    host = new URL(url).host;
  } catch {
    // labelled as invalid; the hash still tells such targets apart
  }
  return `${host}#${createHash('sha256').update(url).digest('hex').slice(0, 8)}`;
};

interface Attempt {
  ok: boolean;
  retryable: boolean;
  status?: number;
  reason?: string;
}

/** DingTalk answers 200 with errcode; 130101 (sending too fast) and -1 (busy) are worth another try. */
const DINGTALK_RETRYABLE = new Set([130101, -1]);

const judge = async (target: WebhookTarget, res: Response): Promise<Attempt> => {
  const status = res.status;
  const body = await res.text().catch(() => '');
  if (status === 429 || status >= 500) return { ok: false, retryable: true, status, reason: `HTTP ${status}` };
  if (status < 200 || status >= 300) return { ok: false, retryable: false, status, reason: `HTTP ${status}` };
  if (target.format !== 'dingtalk') return { ok: true, retryable: false, status };
  let errcode: unknown;
  try {
    errcode = (JSON.parse(body) as { errcode?: unknown }).errcode;
  } catch {
    return { ok: false, retryable: false, status, reason: 'the answer is not DingTalk JSON' };
  }
  if (errcode === 0) return { ok: true, retryable: false, status };
  const code = typeof errcode === 'number' ? errcode : NaN;
  return { ok: false, retryable: DINGTALK_RETRYABLE.has(code), status, reason: `DingTalk errcode ${String(errcode)}` };
};

const requestFor = (target: WebhookTarget, alert: Alert, now: number): { url: string; body: string } => {
  if (target.format === 'generic') return { url: target.url, body: JSON.stringify(genericBody(alert)) };
  const url = target.dingTalkSecret ? signedDingTalkUrl(target.url, target.dingTalkSecret, now) : target.url;
  return { url, body: JSON.stringify(dingTalkBody(alert, target.dingTalkMsgType)) };
};

const attempt = async (target: WebhookTarget, alert: Alert, policy: DeliveryPolicy, now: number): Promise<Attempt> => {
  // Signed per attempt: DingTalk refuses a timestamp more than an hour old.
  const { url, body } = requestFor(target, alert, now);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'secret-rotor-alerts' },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(policy.timeoutMs),
    });
    return await judge(target, res);
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    // The fetch error's message may quote the URL: only its kind is kept.
    return { ok: false, retryable: true, reason: timedOut ? `no answer within ${policy.timeoutMs} ms` : 'network error' };
  }
};

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const deliverAlert = async (
  target: WebhookTarget,
  alert: Alert,
  policy: DeliveryPolicy,
  deps: DeliveryDeps,
): Promise<DeliveryResult> => {
  const sleep = deps.sleep ?? defaultSleep;
  let last: Attempt = { ok: false, retryable: false, reason: 'not attempted' };
  for (let n = 1; n <= policy.maxAttempts; n++) {
    last = await attempt(target, alert, policy, deps.now());
    if (last.ok) return { ok: true, attempts: n, ...(last.status !== undefined ? { status: last.status } : {}) };
    if (!last.retryable || n === policy.maxAttempts) {
      return { ok: false, attempts: n, ...(last.status !== undefined ? { status: last.status } : {}), ...(last.reason ? { reason: last.reason } : {}) };
    }
    await sleep(policy.backoffMs * 2 ** (n - 1));
  }
  return { ok: false, attempts: policy.maxAttempts, ...(last.reason ? { reason: last.reason } : {}) };
};
