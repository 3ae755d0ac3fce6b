/** Rotation leases: who drives a rotation, until when. See Lease in domain/secret.ts. */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isLeaseExpired } from '../domain/rotation.js';
import type { Lease, RotationJob } from '../domain/secret.js';
import type { UseCaseContext } from './context.js';

/**
 * One id per process: enough to tell, in a stored lease, which worker last moved a rotation. The
 * random part tells this process from an earlier one that had the same pid (a restarted container).
 */
export const PROCESS_WORKER_ID = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export const workerId = (ctx: UseCaseContext): string => ctx.deps.workerId ?? PROCESS_WORKER_ID;

export interface WorkerIdParts {
  host: string;
  pid: number;
}

/** Host and pid of a lease owner named like PROCESS_WORKER_ID; null for any other name (an injected workerId). */
export const parseWorkerId = (owner: string): WorkerIdParts | null => {
  const match = /^(.+):(\d+):[0-9a-f]{8}$/.exec(owner);
  if (!match) return null;
  const pid = Number(match[2]);
  return Number.isSafeInteger(pid) && pid > 0 ? { host: match[1] as string, pid } : null;
};

/** Where the runtime can tell (ServiceDeps.isLeaseOwnerAlive): the worker holding the lease is gone, so nothing else will move it. */
const isOwnerGone = (ctx: UseCaseContext, lease: Lease | undefined): boolean => {
  const alive = ctx.deps.isLeaseOwnerAlive;
  return lease !== undefined && alive !== undefined && lease.owner !== workerId(ctx) && !alive(lease.owner);
};

/** A lease the reconciler may take over now: it ran out, or its holder is gone. */
export const isLeaseAbandoned = (ctx: UseCaseContext, lease: Lease, now: number): boolean => lease.expiresAt <= now || isOwnerGone(ctx, lease);

/** A lease from `now`, running `leaseSeconds` past any queue delay the next message has. */
export const leaseFrom = (ctx: UseCaseContext, now: number, delaySeconds = 0): Lease => ({
  owner: workerId(ctx),
  expiresAt: now + (delaySeconds + ctx.deps.settings.leaseSeconds) * 1000,
});

export const random = (ctx: UseCaseContext): number => (ctx.deps.random ?? Math.random)();

/** isLeaseAbandoned for a rotation in flight (a job without a lease is due from its step's start). */
export const isJobAbandoned = (ctx: UseCaseContext, job: RotationJob, now: number): boolean => isLeaseExpired(job, now) || isOwnerGone(ctx, job.lease);
