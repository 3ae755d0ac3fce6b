/**
 * Error injection for the OpenAPI test servers (RAM, RDS, ECS): the next matching requests are
 * answered as Alibaba answers a throttled or failing gateway, or held past the client's read
 * timeout. Matching is by `x-acs-action` (the SDKs send it with every V3 request).
 *
 *   server.injectFaults({ action: 'CreateAccessKey', code: 'Throttling.User', status: 400, times: 2 });
 *   server.injectFaults({ action: 'GetUser', delayMs: 5_000 });              // a timeout
 *
 * A fault with a `code` answers that error (after `delayMs`, if given) and the operation does not
 * run. A fault with only `delayMs` runs the operation at once and holds its answer: the change
 * happened, the client saw a timeout (the worst case for a retrying caller).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface FaultSpec {
  /** The API action to fail; absent: every action. */
  action?: string;
  /** The error code answered, e.g. Throttling.User, ServiceUnavailable, InternalError. */
  code?: string;
  /** HTTP status of the error answer (default: 400 for Throttling*, 503 for ServiceUnavailable, else 500). */
  status?: number;
  message?: string;
  /** How many matching requests are affected (default 1; Infinity for every one). */
  times?: number;
  /** Milliseconds the answer is held before it is sent. */
  delayMs?: number;
}

export type FaultKind = 'throttling' | '5xx' | 'timeout' | 'error';

export interface InjectedFault {
  action: string;
  kind: FaultKind;
  code: string | null;
}

/** Messages as Alibaba's gateways word them. */
const KNOWN_MESSAGES: Record<string, string> = {
  Throttling: 'Request was denied due to request throttling.',
  'Throttling.User': 'Request was denied due to user flow control.',
  'Throttling.Api': 'Request was denied due to api flow control.',
  ServiceUnavailable: 'The request has failed due to a temporary failure of the server.',
  InternalError: 'The request processing has failed due to some unknown error, exception or failure.',
};

const defaultStatus = (code: string): number => (code.startsWith('Throttling') ? 400 : code === 'ServiceUnavailable' ? 503 : 500);

export const faultKind = (spec: FaultSpec): FaultKind => {
  if (!spec.code) return 'timeout';
  if (spec.code.startsWith('Throttling')) return 'throttling';
  return (spec.status ?? defaultStatus(spec.code)) >= 500 ? '5xx' : 'error';
};

interface Plan {
  spec: FaultSpec;
  remaining: number;
}

export class OpenApiFaults {
  private plans: Plan[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Every fault served, in order. */
  readonly injected: InjectedFault[] = [];

  constructor(private readonly hostId: string) {}

  add(spec: FaultSpec): void {
    this.plans.push({ spec, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.plans = [];
  }

  /** How many faults of each kind were served. */
  counts(): Record<FaultKind, number> {
    const counts: Record<FaultKind, number> = { throttling: 0, '5xx': 0, timeout: 0, error: 0 };
    for (const f of this.injected) counts[f.kind]++;
    return counts;
  }

  private take(action: string): FaultSpec | null {
    const plan = this.plans.find((p) => p.remaining > 0 && (p.spec.action === undefined || p.spec.action === action));
    if (!plan) return null;
    plan.remaining--;
    this.plans = this.plans.filter((p) => p.remaining > 0);
    this.injected.push({ action, kind: faultKind(plan.spec), code: plan.spec.code ?? null });
    return plan.spec;
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * Called first for every request. Returns true when the fault answered it (the server must do
   * nothing more); false when the server goes on (with its answer held, for a timeout).
   */
  intercept(request: IncomingMessage, response: ServerResponse): boolean {
    const action = String(request.headers['x-acs-action'] ?? '');
    const fault = this.take(action);
    if (!fault) return false;
    if (!fault.code) {
      holdAnswer(response, fault.delayMs ?? 0, (ms, run) => this.later(ms, run));
      return false;
    }
    const { code } = fault;
    request.resume();
    const answer = () => {
      if (response.destroyed) return;
      const body = { RequestId: randomUUID().toUpperCase(), HostId: this.hostId, Code: code, Message: fault.message ?? KNOWN_MESSAGES[code] ?? `Injected ${code}.` };
      response.writeHead(fault.status ?? defaultStatus(code), { 'content-type': 'application/json;charset=utf-8' });
      response.end(JSON.stringify(body));
    };
    if (fault.delayMs) this.later(fault.delayMs, answer);
    else answer();
    return true;
  }

  /** Drops held answers (server stop). */
  cancel(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/** Node sends the head with the first body bytes, so delaying end() holds the whole answer. */
const holdAnswer = (response: ServerResponse, delayMs: number, later: (ms: number, run: () => void) => void): void => {
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  (response as { end: (...args: unknown[]) => ServerResponse }).end = (...args: unknown[]) => {
    later(delayMs, () => {
      if (!response.destroyed) end(...args);
    });
    return response;
  };
};
