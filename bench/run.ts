/**
 * `npm run bench`: measures, then writes BENCHMARKS.md. Ratios are taken within one run because
 * the machines are noisy. Prints each stage as it starts and the elapsed time; the whole run is
 * meant to finish within 10 minutes on a 2-core machine.
 *
 *   BENCH_SECONDS        load duration per HTTP server (default 10)
 *   BENCH_COLD_RUNS      fresh processes per bundle for the cold start (default 15)
 *   BENCH_LARGE_SECRETS  the large store of the scheduler and memory figures (default 1000000)
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { faultSection } from './fault-report.js';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchColdStart, coldStartSection } from './cold-start.js';
import { benchHttpRead } from './http-read.js';
import { benchReadCost } from './read-cost.js';
import { benchRuntimeMemory, type MemoryResult } from './memory.js';
import { benchRotations } from './rotations.js';
import { READ_SECRET, benchScheduler, rearmDue } from './scheduler.js';
import { benchZeroDowntime, zeroDowntimeSection } from './zero-downtime.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const coldRuns = Number(process.env.BENCH_COLD_RUNS ?? 15);
const largeSecrets = Number(process.env.BENCH_LARGE_SECRETS ?? 1_000_000);
const smallSecrets = 10_000;
const due = 1_000;
const connections = 50;
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

const started = performance.now();
const stage = (text: string) => console.log(`[${fmt((performance.now() - started) / 1000, 0)} s] ${text}`);

stage(`GetSecretValue over HTTP, ${connections} connections, ${seconds} s per server ...`);
const dir = mkdtempSync(join(tmpdir(), 'rotor-bench-http-'));
const http = await benchHttpRead(dir, connections, seconds);
rmSync(dir, { recursive: true, force: true });
console.log(http);

stage('Where a read spends its CPU: the layers in process ...');
const readCost = await benchReadCost(5_000, connections);
console.log(readCost);

stage('Generic rotations end to end ...');
const rotations = await benchRotations(500);
console.log(rotations);

stage(`Scheduler and purge ticks at ${smallSecrets} secrets ...`);
const small = await benchScheduler(smallSecrets, due);
console.log(small);
stage(`Scheduler and purge ticks at ${largeSecrets} secrets (seeding first), then the runtime's memory on that store ...`);
let memory: MemoryResult | undefined;
const large = await benchScheduler(largeSecrets, due, async (dataDir) => {
  // The in-process ticks took the due rows; put as many back, for the runtime's own ticks.
  rearmDue(join(dataDir, 'secrets.db'), largeSecrets, due, Date.now());
  stage('  runtime process: start, one rotate and one purge tick, then signed reads ...');
  memory = await benchRuntimeMemory(dataDir, largeSecrets, READ_SECRET, Math.min(seconds, 5));
});
console.log(large, memory);

stage(`Cold start: building the bundles, ${coldRuns} fresh processes per bundle ...`);
const coldStart = await benchColdStart(coldRuns);
console.log(coldStart);

stage('Zero downtime: logins during managed RDS rotations ...');
const zeroDowntime = await benchZeroDowntime();
console.log(zeroDowntime);

/**
 * Every row a tick reads: the due rows, and (where the tick also does them) the expired leases the
 * reconciler reads and the drift checks, each through its own index.
 */
const rowsReadBy = (tick: object): number => {
  const t = tick as { rowsRead?: number; reconcile?: { expiredRead?: number }; drift?: { rowsRead?: number } };
  return (t.rowsRead ?? 0) + (t.reconcile?.expiredRead ?? 0) + (t.drift?.rowsRead ?? 0);
};

const share = (http.rotor.rps / http.baseline.rps) * 100;

/**
 * What the layers say about the throughput target: a server that did nothing but the KMS core on
 * top of what the bare server does would still spend bare + core CPU per request.
 */
function readCostReading(): string {
  const [core, withoutAudit, handler, sharedFile] = readCost.layers.map((l) => l.cpuUsPerRequest);
  const bare = http.baseline.serverCpuUsPerRequest;
  if (core === undefined || withoutAudit === undefined || handler === undefined || sharedFile === undefined || bare === undefined) return '';
  const ceiling = (bare / (bare + core)) * 100;
  return `Reading: the audit record and its event are ${fmt(core - withoutAudit, 0)} µs of the core's ${fmt(core, 0)} µs; holding the store file
exclusively (the default) saves ${fmt(sharedFile - core, 0)} µs of the core against a file shared with other programs; the FC event and
the middleware stack add ${fmt(handler - core, 0)} µs (in-process figures moved by about ±30% between runs on this machine); the rest
of the ${fmt(http.rotor.serverCpuUsPerRequest ?? NaN, 0)} µs measured over HTTP is Node's HTTP server and sharing two cores with the load generator. A server
whose only work beyond the bare one were this core (${fmt(bare, 0)} + ${fmt(core, 0)} µs per request) would reach at most about
${fmt(ceiling, 0)}% of the bare server's throughput when CPU-bound: the ≥ 50% target asks for everything a read adds to cost no
more than the bare server's own ${fmt(bare, 0)} µs, which a verified, audited, decrypted read on one Node thread does not.`;
}
const rotateRatio = large.rotateMs / small.rotateMs;
const purgeRatio = large.purgeMs / small.purgeMs;
const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const memoryTable = memory
  ? `| secrets in the store | RSS after start MiB | RSS after one rotate and one purge tick MiB | RSS after ${memory.reads.requests} signed reads MiB | rows read by the ticks (rotate / purge) |
|---:|---:|---:|---:|---:|
| ${memory.secrets} | ${fmt(memory.rssAfterStartMiB)} | ${fmt(memory.rssAfterTicksMiB)} | ${fmt(memory.rssAfterReadsMiB)} | ${memory.tickRowsRead.rotate} / ${memory.tickRowsRead.purge} |`
  : '(not measured)';

const md = `# Benchmarks

Produced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; machine: ${machine}; the whole run took
${fmt((performance.now() - started) / 1000, 0)} s. All figures of one table come from the same run; compare ratios, not
absolute numbers across runs. Figures taken while other work shares the machine are lower and noisier than on
a quiet one; the team re-measures on a quiet machine before quoting them.

## Targets

| figure | target | this run | |
|---|---|---|---|
| GetSecretValue throughput, share of a bare node http server | ≥ 50% | ${fmt(share)}% | ${verdict(share >= 50)} |
| GetSecretValue p99 at ${connections} connections | ≤ 10 ms | ${http.rotor.p99} ms | ${verdict(http.rotor.p99 <= 10)} |
| rotate tick rows read at ${largeSecrets} secrets, ${due} due | ≤ 1,100 | ${rowsReadBy(large.rotate)} | ${verdict(rowsReadBy(large.rotate) <= 1100)} |
| rotate tick time, ${largeSecrets} vs ${smallSecrets} secrets, equal due | ≤ 1.5x | ${fmt(rotateRatio, 2)}x | ${verdict(rotateRatio <= 1.5)} |
| purge tick rows read at ${largeSecrets} secrets, ${due} due | ≤ 1,100 | ${rowsReadBy(large.purge)} | ${verdict(rowsReadBy(large.purge) <= 1100)} |
| purge tick time, ${largeSecrets} vs ${smallSecrets} secrets, equal due | ≤ 1.5x | ${fmt(purgeRatio, 2)}x | ${verdict(purgeRatio <= 1.5)} |
| Generic rotations end to end | ≥ 200/s | ${fmt(rotations.perSecond)}/s | ${verdict(rotations.perSecond >= 200)} |
| orchestration overhead per rotation (driver time excluded) | ≤ 5 ms | ${fmt(rotations.overheadMsPerRotation, 2)} ms | ${verdict(rotations.overheadMsPerRotation <= 5)} |

## GetSecretValue over HTTP (signed, through the whole local runtime)

Load: autocannon in a separate process, ${connections} connections, ${seconds} s per server. Every secret-rotor
request carries a fresh V1 signature and nonce, so each one is verified (HMAC-SHA1, timestamp window), its
nonce checked and claimed, authorized, its value decrypted, and the call written to the audit log and published
as an event before it is answered. The request goes through the local runtime as \`npm start\` serves it: the
HTTP server builds the FC HTTP event and invokes the api function's handler (its middleware stack included),
logging at level \`silent\`. The bare server is Node's \`http\` returning the very bytes of one real
GetSecretValue response. CPU per request is the server process's own CPU time (user + system) during the load
divided by the requests served: less sensitive to other load on the machine than requests/s.

| server | requests | req/s | p50 ms | p99 ms | errors | non-2xx | server CPU µs per request |
|---|---:|---:|---:|---:|---:|---:|---:|
| secret-rotor local runtime | ${http.rotor.requests} | ${fmt(http.rotor.rps)} | ${http.rotor.p50} | ${http.rotor.p99} | ${http.rotor.errors} | ${http.rotor.non2xx} | ${fmt(http.rotor.serverCpuUsPerRequest ?? NaN, 0)} |
| bare node http | ${http.baseline.requests} | ${fmt(http.baseline.rps)} | ${http.baseline.p50} | ${http.baseline.p99} | ${http.baseline.errors} | ${http.baseline.non2xx} | ${fmt(http.baseline.serverCpuUsPerRequest ?? NaN, 0)} |

secret-rotor serves **${fmt(share)}%** of the bare server's throughput.

With fewer requests in flight: the same runtime loaded again with fewer connections, ${Math.max(1, Math.round(seconds / 2))} s each. Every
connection sends its next request as soon as the last is answered, so the latency is the time to serve one read
plus the wait behind the others in flight.

| connections | req/s | p50 ms | p99 ms | errors | non-2xx | server CPU µs per request |
|---:|---:|---:|---:|---:|---:|---:|
${http.byConnections.map((r) => `| ${r.connections} | ${fmt(r.result.rps)} | ${r.result.p50} | ${r.result.p99} | ${r.result.errors} | ${r.result.non2xx} | ${fmt(r.result.serverCpuUsPerRequest ?? NaN, 0)} |`).join('\n')}

Where the CPU of a read goes, layer by layer: each layer called in process with ${fmt(readCost.layers[0]?.requests ?? 0, 0)} fresh signed
requests, ${readCost.concurrency} at a time (no HTTP, no load generator on the machine; warmed up first). The KMS core
is everything a read must do whatever serves it: parse and verify the V1 signature, claim the nonce, authorize,
read the secret and its version, decrypt, render the answer, and write the audit record and its event.

| layer | CPU µs per request |
|---|---:|
${readCost.layers.map((l) => `| ${l.layer} | ${fmt(l.cpuUsPerRequest, 0)} |`).join('\n')}

${readCostReading()}

What was taken out of a read so far: the store file's tables share one SQLite connection, held in exclusive
locking mode while the runtime runs, so no statement pays for shared-memory locks; nonces are decided in process (a primary-key read, no commit) and written
to SQLite in batches every 20 ms and at shutdown; audit records are group-committed (the records of concurrent
calls share one transaction, each call still answered only after its own record is committed) into a table whose
unique key leads with the time, so inserts land at the end of its indexes instead of at a random page; the event file
stays open and takes one write per turn of the event loop; unwrapped data keys are reused for 60 s from a
bounded in-memory cache (1,000 keys, wiped on eviction); the version is read once per read; the HTTP event
reaches the handler as an object instead of JSON text; a request without a body is not read as a stream;
per-invocation child loggers are made only when something is logged.

## Generic rotations end to end

${rotations.secrets} Generic secrets with a generated password, rotated once each: RotateSecret, then the four
steps (create pending, apply, verify, promote) and the finalize after the promote run from the persistent
SQLite queue, every step a conditional write and an event, every value envelope-encrypted. In process, no HTTP.
Every driver call is timed; the overhead is the elapsed time minus the time inside the driver, per rotation.

| rotations | steps run | elapsed ms | rotations/s | ms per rotation | driver calls | driver ms per rotation | orchestration overhead ms per rotation |
|---:|---:|---:|---:|---:|---:|---:|---:|
| ${rotations.secrets} | ${rotations.steps} | ${fmt(rotations.elapsedMs)} | ${fmt(rotations.perSecond)} | ${fmt(rotations.msPerRotation, 2)} | ${rotations.driverCalls} | ${fmt(rotations.driverMsPerRotation, 3)} | ${fmt(rotations.overheadMsPerRotation, 2)} |

## Scheduler and purge ticks

A SQLite store of \`secrets\` rows: half with rotation enabled (\`due\` of them due now), half pending deletion
(\`due\` of them past their window). The store is seeded straight into its file (the same row image the store
writes, one prepared statement in one transaction); seeding time is shown but is not part of any tick. A
rotate-timer tick (reads due rows through the index, claims each, queues its first step) and a purge tick
(reads expired rows through the index, deletes each), in process; each timed three times with the due rows
put back in between, the median shown. Rows read count every row a tick reads
through any index (due rotations, and where the tick does them, expired leases and drift checks).

| secrets | due | seed s | rotate tick rows read | rotations started | rotate tick ms | purge rows read | purged | purge tick ms |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${[small, large]
  .map(
    (r) =>
      `| ${r.total} | ${r.due} | ${fmt(r.seedMs / 1000)} | ${rowsReadBy(r.rotate)} | ${r.rotate.acted} | ${fmt(r.rotateMs)} | ${rowsReadBy(r.purge)} | ${r.purge.acted} | ${fmt(r.purgeMs)} |`,
  )
  .join('\n')}

Rotate tick at ${large.total} vs ${small.total} secrets with equal due: **${fmt(rotateRatio, 2)}x**;
purge tick: **${fmt(purgeRatio, 2)}x**.

## Memory: the local runtime over a ${largeSecrets}-secret store

The local runtime started as \`npm start\` starts it (its own process, log level \`warn\`) on the data directory
of the large scheduler run, after ${due} rotation-due and ${due} purge-due rows were put back. Resident set size
(VmRSS) of that process after start; after one rotate-timer and one purge-timer invocation (through the FC
invoke path, as the timers call them; the rotations they start then run from the queue); and after
${Math.min(seconds, 5)} s of signed GetSecretValue load (autocannon, ${connections} connections).

${memoryTable}

${coldStartSection(coldStart)}
${zeroDowntimeSection(zeroDowntime)}`;
writeFileSync('BENCHMARKS.md', `${md.replace(/\n*$/, '\n\n')}${faultSection()}`);
stage('wrote BENCHMARKS.md');
