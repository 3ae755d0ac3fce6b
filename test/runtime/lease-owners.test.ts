/**
 * The local runtime's check of a lease holder (shared/runtime/local/lease-owners.ts): only a
 * holder on this host whose process is provably gone counts as dead; everything it cannot tell
 * about counts as alive, so its lease is trusted until it runs out.
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseWorkerId, PROCESS_WORKER_ID } from '../../shared/app/leases.js';
import { isProcessRunning, localLeaseOwnerCheck } from '../../shared/runtime/local/lease-owners.js';

/** The pid of a process that has exited (and was reaped) by the time this returns. */
const exitedPid = (): number => {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
};

describe('lease holder names', () => {
  it('this process’s own parses to this host and pid; an injected name parses to nothing', () => {
    expect(parseWorkerId(PROCESS_WORKER_ID)).toEqual({ host: hostname(), pid: process.pid });
    expect(parseWorkerId('host:with:colons:12:0badf00d')).toEqual({ host: 'host:with:colons', pid: 12 });
    for (const name of ['worker-a', 'h:12', 'h:x:0badf00d', 'h:0:0badf00d', 'h:12:0BADF00D', ':12:0badf00d']) expect(parseWorkerId(name)).toBeNull();
  });
});

describe('the local lease holder check', () => {
  const host = hostname();

  it('a process that has exited is not running; this one and its parent are', () => {
    expect(isProcessRunning(exitedPid())).toBe(false);
    expect(isProcessRunning(process.pid)).toBe(true);
    expect(isProcessRunning(process.ppid)).toBe(true);
  });

  it('counts as dead only a holder on this host whose process is gone, or an earlier process with this pid', () => {
    const alive = localLeaseOwnerCheck();
    expect(alive(PROCESS_WORKER_ID)).toBe(true);
    expect(alive(`${host}:${process.ppid}:0badf00d`)).toBe(true);
    expect(alive(`${host}:${exitedPid()}:0badf00d`)).toBe(false);
    // A restarted container often gets the same pid back: the suffix tells the earlier process apart.
    const earlierSelf = `${host}:${process.pid}:${PROCESS_WORKER_ID.endsWith('0badf00d') ? 'f00dbad0' : '0badf00d'}`;
    expect(alive(earlierSelf)).toBe(false);
  });

  it('counts as alive whatever it cannot tell about: another host, a name not its own format', () => {
    const alive = localLeaseOwnerCheck({ isRunning: () => false });
    expect(alive(`${host}-other:${process.ppid}:0badf00d`)).toBe(true);
    expect(alive('worker-a')).toBe(true);
    expect(alive(`${host}:77:0badf00d`)).toBe(false);
  });
});
