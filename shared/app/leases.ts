/** Rotation leases: who drives a rotation, until when. See Lease in domain/secret.ts. */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Lease } from '../domain/secret.js';
import type { UseCaseContext } from './context.js';

/** One id per process: enough to tell, in a stored lease, which worker last moved a rotation. */
const PROCESS_WORKER_ID = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export const workerId = (ctx: UseCaseContext): string => ctx.deps.workerId ?? PROCESS_WORKER_ID;

/** A lease from `now`, running `leaseSeconds` past any queue delay the next message has. */
export const leaseFrom = (ctx: UseCaseContext, now: number, delaySeconds = 0): Lease => ({
  owner: workerId(ctx),
  expiresAt: now + (delaySeconds + ctx.deps.settings.leaseSeconds) * 1000,
});

export const random = (ctx: UseCaseContext): number => (ctx.deps.random ?? Math.random)();
