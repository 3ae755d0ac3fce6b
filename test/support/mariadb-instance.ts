/**
 * A MariaDB server of a test file's own, next to the shared one of test/support/mariadb.ts: for
 * settings that one cannot have (TLS with a certificate the test made, per-account statistics).
 * It runs /usr/sbin/mariadbd on 127.0.0.1 and a free port, with a fresh data directory and socket
 * under the OS temp dir and no option files read, and is administered through that socket by an
 * account made at start-up. Start it once per file (a few seconds); stop it in afterAll, which
 * also removes the data.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort } from './embedded-postgres.js';

const run = promisify(execFile);

export const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = 'mariadb-install-db';
/** Generous: start-up competes with the rest of the suite for two cores. */
const START_TIMEOUT_MS = 90_000;
const PORT_ATTEMPTS = 3;

/** Null when the binaries are there; otherwise why a suite that needs its own server cannot run. */
export const mariadbInstanceUnavailableReason = (): string | null => {
  if (process.platform !== 'linux') return 'a MariaDB server of its own is started only on Linux';
  if (!existsSync(MARIADBD)) return `${MARIADBD} is missing; run scripts/ensure-mariadb.sh`;
  const installer = ['/usr/bin', '/usr/local/bin', '/usr/sbin'].some((dir) => existsSync(join(dir, INSTALL_DB)));
  return installer ? null : `${INSTALL_DB} is missing; run scripts/ensure-mariadb.sh`;
};

export interface MariadbTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface MariadbInstanceOptions {
  tls?: MariadbTls;
  /** More server options, e.g. ['--userstat=1']. */
  extraFlags?: string[];
}

export interface MariadbInstance {
  host: '127.0.0.1';
  port: number;
  /** An administrator session over the server's socket (no TLS needed, no TCP account). */
  admin: mysql.Connection;
  /** What the server wrote to stderr. */
  log: string[];
  stop(): Promise<void>;
}

/** mariadbd refuses to run as root unless told to; any other user runs it as itself. */
const asUser = (): string[] => (process.getuid?.() === 0 ? ['--user=root'] : []);

const serverFlags = (dir: string, port: number, adminInit: string, options: MariadbInstanceOptions): string[] => [
  '--no-defaults', // must come first: the machine's option files (user, log paths, port) do not apply
  ...asUser(),
  `--datadir=${join(dir, 'data')}`,
  `--socket=${join(dir, 'mysqld.sock')}`,
  `--pid-file=${join(dir, 'mysqld.pid')}`,
  `--port=${port}`,
  '--bind-address=127.0.0.1',
  '--skip-name-resolve',
  `--init-file=${adminInit}`,
  '--innodb-buffer-pool-size=16M',
  '--innodb-log-file-size=8M',
  ...(options.tls ? [`--ssl-ca=${options.tls.caFile}`, `--ssl-cert=${options.tls.certFile}`, `--ssl-key=${options.tls.keyFile}`] : []),
  ...(options.extraFlags ?? []),
];

/** Collects stderr into `log`; resolves once the server says it accepts connections, rejects if it exits first. */
const ready = (child: ChildProcess, log: string[]): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mariadbd did not start within ${START_TIMEOUT_MS} ms: ${log.join('').slice(-800)}`)), START_TIMEOUT_MS);
    let started = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      log.push(chunk.toString());
      if (!started && /ready for connections/.test(log.join(''))) {
        started = true;
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`mariadbd exited (${code ?? signal}): ${log.join('').slice(-800)}`));
    });
  });

const stopProcess = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(forced);
};

export const startMariadbInstance = async (options: MariadbInstanceOptions = {}): Promise<MariadbInstance> => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-mariadb-'));
  let child: ChildProcess | undefined;
  try {
    mkdirSync(join(dir, 'data'));
    await run(INSTALL_DB, ['--no-defaults', ...asUser(), `--datadir=${join(dir, 'data')}`, '--skip-test-db', '--innodb-log-file-size=8M'], { timeout: START_TIMEOUT_MS });
    const adminUser = 'rotor_admin';
    const adminPassword = randomBytes(18).toString('base64url');
    const adminInit = join(dir, 'admin.sql');
    writeFileSync(
      adminInit,
      `CREATE USER IF NOT EXISTS '${adminUser}'@'localhost' IDENTIFIED BY '${adminPassword}';\nGRANT ALL PRIVILEGES ON *.* TO '${adminUser}'@'localhost' WITH GRANT OPTION;\n`,
      { mode: 0o600 },
    );
    const log: string[] = [];
    let port = 0;
    for (let attempt = 1; !child; attempt++) {
      port = await freePort(); // another process may take it before mariadbd binds: then try another
      log.length = 0;
      const candidate = spawn(MARIADBD, serverFlags(dir, port, adminInit, options), { stdio: ['ignore', 'ignore', 'pipe'] });
      try {
        await ready(candidate, log);
        child = candidate;
      } catch (error) {
        await stopProcess(candidate);
        if (attempt >= PORT_ATTEMPTS || !/Bind on TCP\/IP port|Address already in use/.test(log.join(''))) throw error;
      }
    }
    const server = child;
    const admin = await mysql.createConnection({ socketPath: join(dir, 'mysqld.sock'), user: adminUser, password: adminPassword, multipleStatements: false });
    admin.on('error', () => undefined);
    return {
      host: '127.0.0.1',
      port,
      admin,
      log,
      stop: async () => {
        await admin.end().catch(() => admin.destroy());
        await stopProcess(server);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (child) await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
};
