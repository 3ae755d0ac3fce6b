/**
 * `npm run bench`: measures, then writes BENCHMARKS.md. Ratios are taken within one run because
 * the machines are noisy. BENCH_SECONDS (default 10) sets the load duration per server.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchColdStart, coldStartSection } from './cold-start.js';
import { benchHttpRead } from './http-read.js';
import { benchRotations } from './rotations.js';
import { benchScheduler } from './scheduler.js';
import { benchZeroDowntime, zeroDowntimeSection } from './zero-downtime.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = 50;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

const dir = mkdtempSync(join(tmpdir(), 'rotor-bench-http-'));
console.log(`GetSecretValue over HTTP, ${connections} connections, ${seconds} s per server ...`);
const http = await benchHttpRead(dir, connections, seconds);
rmSync(dir, { recursive: true, force: true });
console.log(http);

console.log('Generic rotations end to end ...');
const rotations = await benchRotations(500);
console.log(rotations);

console.log('Scheduler and purge ticks ...');
const small = await benchScheduler(10_000, 1_000);
const large = await benchScheduler(100_000, 1_000);
console.log({ small, large });

const coldRuns = Number(process.env.BENCH_COLD_RUNS ?? 15);
console.log(`Cold start: building the bundles, ${coldRuns} fresh processes per bundle ...`);
const coldStart = await benchColdStart(coldRuns);
console.log(coldStart);

console.log('Zero downtime: logins during managed RDS rotations ...');
const zeroDowntime = await benchZeroDowntime();
console.log(zeroDowntime);

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const md = `# Benchmarks

Produced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; machine: ${machine}.
All figures of one table come from the same run; compare ratios, not absolute numbers across runs.

## GetSecretValue over HTTP (signed, through the whole local runtime)

Load: autocannon in a separate process, ${connections} connections, ${seconds} s per server. Every secret-rotor
request carries a fresh V1 signature and nonce (so each one is verified, authorized, its nonce recorded in
SQLite, the value decrypted with its own data key, and the call written to the audit log and published as an
event). The bare server is Node's \`http\` returning the very bytes of one
real GetSecretValue response.

| server | requests | req/s | p50 ms | p99 ms | errors | non-2xx |
|---|---:|---:|---:|---:|---:|---:|
| secret-rotor local runtime | ${http.rotor.requests} | ${fmt(http.rotor.rps)} | ${http.rotor.p50} | ${http.rotor.p99} | ${http.rotor.errors} | ${http.rotor.non2xx} |
| bare node http | ${http.baseline.requests} | ${fmt(http.baseline.rps)} | ${http.baseline.p50} | ${http.baseline.p99} | ${http.baseline.errors} | ${http.baseline.non2xx} |

secret-rotor serves **${fmt((http.rotor.rps / http.baseline.rps) * 100)}%** of the bare server's throughput.

## Generic rotations end to end

${rotations.secrets} Generic secrets with a generated password, rotated once each: RotateSecret, then the four
steps (create pending, apply, verify, promote) and the finalize after the promote run from the persistent
SQLite queue, every step a conditional write and an event, every value envelope-encrypted. In process, no HTTP.

| rotations | steps run | elapsed ms | rotations/s | ms per rotation |
|---:|---:|---:|---:|---:|
| ${rotations.secrets} | ${rotations.steps} | ${fmt(rotations.elapsedMs)} | ${fmt(rotations.perSecond)} | ${fmt(rotations.msPerRotation, 2)} |

The driver is a no-op, so the time per rotation is all orchestration.

## Scheduler and purge ticks

Secrets with rotation enabled (of which \`due\` are due), plus as many pending deletion (of which \`due\` are past
their window). One rotate-timer tick (reads due rows through the index, claims each, queues its first step)
and one purge tick (reads expired rows through the index, deletes each).

| secrets per kind | due | rotate tick rows read | rotations started | rotate tick ms | purge rows read | purged | purge tick ms |
|---:|---:|---:|---:|---:|---:|---:|---:|
| ${small.total} | ${small.due} | ${small.rotate.rowsRead} | ${small.rotate.acted} | ${fmt(small.rotateMs)} | ${small.purge.rowsRead} | ${small.purge.acted} | ${fmt(small.purgeMs)} |
| ${large.total} | ${large.due} | ${large.rotate.rowsRead} | ${large.rotate.acted} | ${fmt(large.rotateMs)} | ${large.purge.rowsRead} | ${large.purge.acted} | ${fmt(large.purgeMs)} |

Rotate tick at ${large.total} vs ${small.total} secrets with equal due: **${fmt(large.rotateMs / small.rotateMs, 2)}x**;
purge tick: **${fmt(large.purgeMs / small.purgeMs, 2)}x**.

${coldStartSection(coldStart)}
${zeroDowntimeSection(zeroDowntime)}`;
writeFileSync('BENCHMARKS.md', md);
console.log('wrote BENCHMARKS.md');
