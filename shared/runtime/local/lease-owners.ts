/**
 * Whether the worker holding a rotation lease still runs, as far as the local runtime can tell.
 * The local backend's SQLite files are shared only by processes on this host, so a lease owner on
 * this host whose process is gone (kill -9, a crash, a restarted container that reused its pid)
 * will never move its rotation again: the reconciler may take it over without waiting out the lease.
 * Anything it cannot tell (another host, an owner not named by PROCESS_WORKER_ID) counts as alive.
 */
import { hostname } from 'node:os';
import { parseWorkerId, PROCESS_WORKER_ID } from '../../app/leases.js';

/** Signal 0 checks that the pid exists without touching it; EPERM means it exists as another user. */
export const isProcessRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

export interface LeaseOwnerCheckOptions {
  /** This process's worker id. Default PROCESS_WORKER_ID. */
  self?: string;
  host?: string;
  isRunning?: (pid: number) => boolean;
}

export const localLeaseOwnerCheck = (options: LeaseOwnerCheckOptions = {}): ((owner: string) => boolean) => {
  const self = options.self ?? PROCESS_WORKER_ID;
  const host = options.host ?? hostname();
  const isRunning = options.isRunning ?? isProcessRunning;
  const selfPid = parseWorkerId(self)?.pid;
  return (owner) => {
    if (owner === self) return true;
    const parts = parseWorkerId(owner);
    if (!parts || parts.host !== host) return true;
    // Our own pid under another suffix: an earlier process that had this pid, so not running.
    if (parts.pid === selfPid) return false;
    return isRunning(parts.pid);
  };
};
