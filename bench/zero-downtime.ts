/**
 * Zero downtime of managed RDS secrets: clients read ACSCurrent through GetSecretValue and log in
 * to a real PostgreSQL (behind the RDS OpenAPI test server) while the service rotates the secret,
 * DoubleUsers and SingleUser. `npx tsx bench/zero-downtime.ts` measures and rewrites only this
 * section of BENCHMARKS.md; `npm run bench` includes it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startRdsTestbed } from '../test/support/rds-testbed.js';
import { LOAD_SCRAM_ITERATIONS, measureZeroDowntime, type ZeroDowntimeResult } from '../test/support/zero-downtime.js';

export interface ZeroDowntimeBench {
  dual: ZeroDowntimeResult;
  single: ZeroDowntimeResult;
}

export const benchZeroDowntime = async (rotations = 50, clients = 8): Promise<ZeroDowntimeBench> => {
  const bed = await startRdsTestbed({ scramIterations: LOAD_SCRAM_ITERATIONS });
  try {
    const dual = await measureZeroDowntime(bed, { strategy: 'DoubleUsers', rotations, clients });
    const single = await measureZeroDowntime(bed, { strategy: 'SingleUser', rotations, clients });
    return { dual, single };
  } finally {
    await bed.stop();
  }
};

const HEADING = '## Zero downtime: logging in while managed RDS secrets rotate';

const row = (r: ZeroDowntimeResult): string =>
  `| ${r.strategy} | ${r.rotations} | ${r.clients} | ${r.logins} | **${r.failedLogins}** | ${((r.failedLogins / r.logins) * 100).toFixed(1)}% | ${r.loginsPerSecond.toFixed(0)} | ${r.fewestLoginsDuringARotation} | ${r.seconds.toFixed(1)} | ${r.failedProbes} of ${r.probes} |`;

export const zeroDowntimeSection = ({ dual, single }: ZeroDowntimeBench): string => `${HEADING}

A \`Rds\` secret over an embedded PostgreSQL 18 behind the RDS OpenAPI test server (official
\`@alicloud/rds20140815\` SDK, signed calls, every password reset applied to the real server). Client loops
read ACSCurrent with the service's GetSecretValue, log in with it (SCRAM-SHA-256 with ${LOAD_SCRAM_ITERATIONS} iterations
instead of PostgreSQL's 4096, so this small shared machine sustains the rate), run \`SELECT 1\` and disconnect,
without pause, while the service runs back-to-back rotations (RotateSecret, then create pending, apply =
ResetAccountPassword, verify = a real login, promote). A failed login is one the server refused. Probes: one
more read-and-login after every rotation step, so each point between steps is checked, not left to timing.

| strategy | rotations | client loops | logins | failed logins | failed share | logins/s | fewest logins during one rotation | seconds | failed probes |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${row(dual)}
${row(single)}

DoubleUsers resets the account in ACSPrevious and then swaps, so a client holding ACSCurrent is never cut
off. SingleUser resets the one account in place: from the reset until the promote (the verify step), the
ACSCurrent a client reads no longer logs in (failed probes: after apply ${single.failedProbesAfter.applyToTarget ?? 0}, after verify ${single.failedProbesAfter.verify ?? 0}).
Back-to-back rotations are far more frequent than any real schedule (KMS allows 50 an hour), which makes the
SingleUser failure share large; the cut-off window per rotation is what counts.
`;

/** Replaces this section of BENCHMARKS.md (or appends it), leaving every other section as it is. */
const spliceSection = (markdown: string, section: string): string => {
  const start = markdown.indexOf(HEADING);
  if (start < 0) return `${markdown.trimEnd()}\n\n${section}`;
  const next = markdown.indexOf('\n## ', start + HEADING.length);
  return markdown.slice(0, start) + section + (next < 0 ? '' : `\n${markdown.slice(next + 1)}`);
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await benchZeroDowntime();
  console.log(result);
  writeFileSync('BENCHMARKS.md', spliceSection(readFileSync('BENCHMARKS.md', 'utf8'), zeroDowntimeSection(result)));
  console.log('wrote the zero-downtime section of BENCHMARKS.md');
}
