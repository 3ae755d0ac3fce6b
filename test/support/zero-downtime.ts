/**
 * The zero-downtime measurement for managed RDS secrets: clients that read ACSCurrent through the
 * secret service's GetSecretValue and log in to the real database with it, continuously, while the
 * service rotates the secret again and again. Two views of the same run:
 * - load: `clients` concurrent loops (read, log in, disconnect) for the whole run;
 * - probes: after every rotation step, one more read-and-login, so every point between steps
 *   (pending created, applied, verified, promoted) is checked, not left to timing.
 * A login counts as failed when the database refuses the password; any other error aborts.
 */
import { performance } from 'node:perf_hooks';
import type { AccountStrategy } from '../../shared/domain/database-accounts.js';
import { rdsPassword, uniqueTag, type RdsTestbed } from './rds-testbed.js';
import { createHarness } from './service-harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

/** SCRAM iterations for load runs (PostgreSQL's default is 4096): see RdsTestbedOptions.scramIterations. */
export const LOAD_SCRAM_ITERATIONS = 1024;

export interface ZeroDowntimeOptions {
  strategy: AccountStrategy;
  rotations: number;
  clients: number;
}

export interface ZeroDowntimeResult {
  strategy: AccountStrategy;
  rotations: number;
  clients: number;
  logins: number;
  /** The fewest client logins that ended while one rotation ran: the load was there throughout. */
  fewestLoginsDuringARotation: number;
  failedLogins: number;
  seconds: number;
  loginsPerSecond: number;
  probes: number;
  failedProbes: number;
  /** Which step a failed probe followed, e.g. {"applyToTarget": 50}. */
  failedProbesAfter: Record<string, number>;
}

export const measureZeroDowntime = async (bed: RdsTestbed, options: ZeroDowntimeOptions): Promise<ZeroDowntimeResult> => {
  const h = await createHarness({ drivers: [bed.driver()], settings: { rotationsPerHour: 1_000_000 } });
  const secretName = `rds/zero-downtime/${uniqueTag()}`;
  const account = `zd_${uniqueTag()}`;
  const accounts = options.strategy === 'DoubleUsers' ? [account, `${account}_clone`] : [account];
  try {
    const imported = [];
    for (const name of accounts) {
      const password = rdsPassword();
      await bed.createAccount('PostgreSQL', name, password);
      imported.push({ AccountName: name, AccountPassword: password });
    }
    await h.service.createSecret({
      secretName,
      versionId: 'v0',
      secretType: 'Rds',
      secretData: JSON.stringify({ Accounts: imported }),
      extendedConfig: JSON.stringify({ SecretSubType: options.strategy, DBInstanceId: bed.instanceOf('PostgreSQL') }),
    });

    /** What an application does: fetch ACSCurrent, then log in with it. */
    const readAndLogIn = async (): Promise<boolean> => {
      const { secretData } = await h.service.getSecretValue({ secretName: secretIdOf(secretName) });
      return bed.logsIn('PostgreSQL', secretData);
    };

    let logins = 0;
    let failedLogins = 0;
    let running = true;
    const client = async () => {
      while (running) {
        const ok = await readAndLogIn();
        logins++;
        if (!ok) failedLogins++;
      }
    };

    let probes = 0;
    const failedProbesAfter: Record<string, number> = {};
    const rotateOnce = async (versionId: string) => {
      const started = await h.service.rotateSecret({ secretName: secretIdOf(secretName), versionId });
      if (!started.started) throw new Error(`rotation ${versionId} did not start`);
      for (;;) {
        const [leased] = await h.queue.receive(1, 30);
        if (!leased) break;
        await h.service.runRotationStep(leased.body);
        await h.queue.delete(leased.receiptHandle);
        probes++;
        if (!(await readAndLogIn())) {
          const { step } = leased.body;
          failedProbesAfter[step] = (failedProbesAfter[step] ?? 0) + 1;
        }
      }
      const status = (await h.service.describeSecret(secretIdOf(secretName))).lastRotation?.status;
      if (status !== 'Succeeded') throw new Error(`rotation ${versionId} ended ${status ?? 'without a status'}`);
    };

    const startedAt = performance.now();
    const loops = Array.from({ length: options.clients }, client);
    let fewestLoginsDuringARotation = Number.POSITIVE_INFINITY;
    try {
      for (let i = 1; i <= options.rotations; i++) {
        const loginsBefore = logins;
        await rotateOnce(`r${i}`);
        fewestLoginsDuringARotation = Math.min(fewestLoginsDuringARotation, logins - loginsBefore);
      }
    } finally {
      running = false;
      await Promise.all(loops);
    }
    const seconds = (performance.now() - startedAt) / 1000;
    return {
      strategy: options.strategy,
      rotations: options.rotations,
      clients: options.clients,
      logins,
      fewestLoginsDuringARotation,
      failedLogins,
      seconds,
      loginsPerSecond: logins / seconds,
      probes,
      failedProbes: Object.values(failedProbesAfter).reduce((a, b) => a + b, 0),
      failedProbesAfter,
    };
  } finally {
    await h.close();
    for (const name of accounts) await bed.dropAccount('PostgreSQL', name).catch(() => undefined);
  }
};
