/** Judging fuzz answers and counting them, for the assertions and for fuzz.json. */
import { isFcInvocationError, kmsErrorOf } from './kms-error-shape.js';
import type { FuzzCase, FuzzStep } from './fuzz-cases.js';
import type { HttpShape, WireResponse } from './wire.js';

export interface Finding {
  category: string;
  action: string;
  problem: string;
  status: number;
  code?: string;
  request: string;
}

const MAX_FINDINGS_KEPT = 40;
const FINDINGS_KEPT_PER_PROBLEM = 8;

/** Hostile action names such as `constructor` are counted too, so own properties only. */
const bump = (counts: Record<string, number>, key: string, by = 1): void => {
  counts[key] = (Object.hasOwn(counts, key) ? (counts[key] as number) : 0) + by;
};

/** A short, printable picture of what was sent, for a finding; never more than a line. */
const describeWire = (wire: HttpShape | Buffer): string => {
  if (Buffer.isBuffer(wire)) return JSON.stringify(wire.toString('latin1').slice(0, 300));
  const headers = Object.entries(wire.headers).map(([k, v]) => `${k}: ${String(v).slice(0, 80)}`).join(' | ');
  const body = wire.body === undefined ? '' : ` body ${Buffer.from(wire.body).toString('latin1').slice(0, 120)}`;
  return JSON.stringify(`${wire.method} ${wire.path.slice(0, 300)} [${headers.slice(0, 400)}]${body}`);
};

export class FuzzTally {
  requests = 0;
  cases = 0;
  serverErrors = 0;
  unanswered = 0;
  readonly byCategory: Record<string, number> = {};
  readonly byAction: Record<string, number> = {};
  readonly statuses: Record<string, number> = {};
  readonly codes: Record<string, number> = {};
  readonly problems: Record<string, number> = {};
  readonly findings: Finding[] = [];

  private find(c: FuzzCase, problem: string, res: WireResponse, wire: HttpShape | Buffer, code?: string): void {
    bump(this.problems, problem);
    if (this.findings.length < MAX_FINDINGS_KEPT && (this.problems[problem] ?? 0) <= FINDINGS_KEPT_PER_PROBLEM) {
      this.findings.push({ category: c.category, action: c.action, problem, status: res.status, ...(code ? { code } : {}), request: describeWire(wire) });
    }
  }

  /** Counts one answer and records whatever is wrong with it. */
  judge(c: FuzzCase, step: FuzzStep, res: WireResponse): void {
    this.requests++;
    bump(this.byCategory, c.category);
    if (c.action) bump(this.byAction, c.action);
    bump(this.statuses, String(res.status));
    if (res.status === 0) {
      this.unanswered++;
      if (!c.mayGoUnanswered) this.find(c, 'no answer', res, step.wire);
      return;
    }
    if (res.status >= 500) {
      this.serverErrors++;
      this.find(c, 'status >= 500', res, step.wire, kmsErrorOf(res)?.code);
    }
    const method = Buffer.isBuffer(step.wire) ? '' : step.wire.method.toUpperCase();
    const error = res.status >= 400 ? kmsErrorOf(res) : null;
    if (error) bump(this.codes, error.code);
    if (res.status >= 400 && method !== 'HEAD' && !error) this.find(c, 'error is not KMS-style', res, step.wire);
    if (step.expect === 'refused' && res.status < 400) this.find(c, 'accepted a request that must be refused', res, step.wire);
    // A request too large for the front door never reaches the check that would name another code.
    const refusedAtTheDoor = res.status === 431 || res.status === 413;
    if (step.expectCode && error && !refusedAtTheDoor && !step.expectCode.includes(error.code)) this.find(c, `code is not ${step.expectCode.join(' or ')}`, res, step.wire, error.code);
    if (c.front === 'invoke' && res.headers['x-fc-error-type'] !== undefined && !isFcInvocationError(res)) {
      this.find(c, 'invocation error not in FC shape', res, step.wire);
    }
  }

  /** The fuzzer's own bug: counted as a problem so the run fails, and the rest still runs. */
  generatorFailed(c: FuzzCase, error: unknown): void {
    bump(this.problems, 'fuzzer failed to build a request');
    if (this.findings.length < MAX_FINDINGS_KEPT) {
      this.findings.push({ category: c.category, action: c.action, problem: `fuzzer failed: ${String(error).slice(0, 200)}`, status: 0, request: '' });
    }
  }

  get problemCount(): number {
    return Object.values(this.problems).reduce((a, b) => a + b, 0);
  }
}
