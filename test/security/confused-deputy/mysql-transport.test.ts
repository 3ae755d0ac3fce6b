/**
 * Boundary: the TLS connection a MySQL/MariaDB rotation opens, with a managing credential, to the
 * Host and Port a secret's ExtendedConfig names.
 *
 * Attacker's goal: receive the managing login (the user name and the password's scramble, which a
 * man in the middle can relay to the real server) from a server that cannot prove it is that
 * Host: one whose certificate chains to another CA than the secret's SslCa, or one whose
 * certificate, from the right CA, names another host. The second includes every IP address: for
 * those the client library checked the certificate against "localhost" instead of the address.
 *
 * Guarded by: mysql2's chain check against SslCa, and the check of the certificate against Host
 * after the TLS handshake and before any credential is sent (mysql-tls.ts); every failure reaches
 * callers as one Target.Unavailable (redacting-driver.ts).
 *
 * Against a real MariaDB started by this file with TLS on (a CA and server certificate made here
 * with openssl), whose accounts all REQUIRE SSL; every request goes through the real HTTP API of a
 * local runtime process and its rotation worker. "No login happened" is proven from the server:
 * its per-account statistics for the managing account, and the target's stored password hash.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadbInstanceUnavailableReason, startMariadbInstance, type MariadbInstance } from '../../support/mariadb-instance.js';
import { secretScanHooks } from '../../support/secret-scan-hooks.js';
import { createTestCa, issueServerCert, type TestCa } from '../../support/test-ca.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { startBoundaryRuntime, type BoundaryRuntime } from '../support/boundary-runtime.js';

const tally = new BoundaryTally('confused-deputy', import.meta.url);
const secret = (label: string): string => {
  const value = `${randomBytes(18).toString('base64url')}Aa1`;
  secretScanHooks.register(value, `mysql transport ${label}`);
  return value;
};

/** The server certificate names these; 127.0.0.1, where the server listens too, it does not. */
const NAMED_HOST = 'localhost';
const NAMED_IP = '127.0.0.2';
const UNNAMED_IP = '127.0.0.1';
const MANAGER_SECRET = 'managers/mysql-tls';
const MANAGER = { name: `mgr_${randomBytes(3).toString('hex')}`, password: secret('managing password') };
/** Generous: a rotation is a few queued steps, each a login; the 2-core test machine is shared. */
const SETTLE_MS = 60_000;

// Skipped only where this file cannot start a MariaDB server of its own (no mariadbd or installer).
const unavailable = mariadbInstanceUnavailableReason();

let rt: BoundaryRuntime;
let server: MariadbInstance;
let relay: Relay | undefined;
let dir: string;
let ca: TestCa;
let otherCa: TestCa;

interface Relay {
  port: number;
  stop(): Promise<void>;
}

/** A plain TCP relay from NAMED_IP to the server: TLS stays end to end, only the address differs. */
const startRelay = (targetPort: number): Promise<Relay> =>
  new Promise((resolve, reject) => {
    const sockets = new Set<Socket>();
    const relayServer = createServer((client) => {
      const upstream = createConnection(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    const stop = (): Promise<void> =>
      new Promise((closed) => {
        relayServer.close(() => closed());
        sockets.forEach((socket) => socket.destroy()); // close() waits for open connections
      });
    relayServer.once('error', reject);
    relayServer.listen(0, NAMED_IP, () => {
      const address = relayServer.address();
      resolve({ port: typeof address === 'object' && address ? address.port : 0, stop });
    });
  });

const query = async (sql: string, values: string[] = []): Promise<Record<string, unknown>[]> => {
  const [rows] = await server.admin.query(mysql.format(sql, values));
  return rows as Record<string, unknown>[];
};

const accountValue = (name: string, password: string): string => JSON.stringify({ AccountName: name, AccountPassword: password });

const tlsConfig = (host: string, port: number, sslCa: string): string =>
  JSON.stringify({ SecretSubType: 'MySQL', Strategy: 'SingleUser', Host: host, Port: port, ManagerSecretName: MANAGER_SECRET, SslMode: 'verify-full', SslCa: sslCa });

/** A target account that, like the managing one, may log in only over TLS; returns its initial password. */
const createTarget = async (name: string, host: string, port: number, sslCa: string): Promise<{ account: string; initial: string }> => {
  const account = `app_${randomBytes(3).toString('hex')}`;
  const initial = secret(`${name} initial`);
  await query('CREATE USER ?@? IDENTIFIED BY ? REQUIRE SSL', [account, '%', initial]);
  const answer = await rt.call('CreateSecret', [['SecretName', name], ['VersionId', 'v1'], ['SecretData', accountValue(account, initial)], ['ExtendedConfig', tlsConfig(host, port, sslCa)]], rt.root);
  expect(answer, String(answer.body.Message)).toMatchObject({ status: 200 });
  return { account, initial };
};

/** Starts a rotation and waits until it has ended (one attempt per step: ROTOR_MAX_STEP_ATTEMPTS=1). */
const rotate = async (name: string, versionId: string): Promise<{ status: string; error?: { Code: string; Message: string } }> => {
  await rt.setup('RotateSecret', [['SecretName', name], ['VersionId', versionId]]);
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const described = await rt.setup('DescribeSecret', [['SecretName', name]]);
    if (described.RotationStatus !== 'Rotating') {
      const error = described.LastRotationError as { Code: string; Message: string } | undefined;
      return { status: String(described.RotationStatus), ...(error ? { error } : {}) };
    }
    if (Date.now() > deadline) throw new Error(`the rotation of ${name} did not end within ${SETTLE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const currentPassword = async (name: string): Promise<string> =>
  (JSON.parse(String((await rt.setup('GetSecretValue', [['SecretName', name]])).SecretData)) as { AccountPassword: string }).AccountPassword;

/** The stored hash: changes exactly when the account's password does. */
const storedHash = async (account: string): Promise<string> =>
  String((await query('SELECT authentication_string AS hash FROM mysql.user WHERE User = ? AND Host = ?', [account, '%']))[0]?.hash ?? '(no such account)');

interface ManagerLogins {
  logins: number;
  tlsLogins: number;
  denied: number;
  accessDenied: number;
}

/** What the server counted for the managing account (--userstat): logins, TLS logins, refusals. */
const managerLogins = async (): Promise<ManagerLogins> => {
  const [row] = await query(
    'SELECT TOTAL_CONNECTIONS AS logins, TOTAL_SSL_CONNECTIONS AS tlsLogins, DENIED_CONNECTIONS AS denied, ACCESS_DENIED AS accessDenied FROM information_schema.USER_STATISTICS WHERE USER = ?',
    [MANAGER.name],
  );
  // No row until the account's first connection.
  const count = (field: string): number => Number(row?.[field] ?? 0);
  return { logins: count('logins'), tlsLogins: count('tlsLogins'), denied: count('denied'), accessDenied: count('accessDenied') };
};

/** Connections the server dropped before a login completed (a refused TLS handshake, or a client that left after it). */
const abortedConnects = async (): Promise<number> => Number((await query("SHOW GLOBAL STATUS LIKE 'Aborted_connects'"))[0]?.Value ?? NaN);

/** Logs in as `account` over TLS verified against the test CA; returns the session's cipher. */
const tlsLogin = async (account: string, password: string): Promise<string> => {
  const conn = await mysql.createConnection({ host: NAMED_HOST, port: server.port, user: account, password, ssl: { ca: ca.cert, rejectUnauthorized: true, verifyIdentity: true } });
  try {
    const [rows] = await conn.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    return String((rows as { Value: string }[])[0]?.Value ?? '');
  } finally {
    await conn.end();
  }
};

describe.skipIf(unavailable !== null)('a real MariaDB over TLS', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rotor-mysql-tls-'));
    ca = createTestCa(dir, 'rotor');
    otherCa = createTestCa(dir, 'other');
    const serverCert = issueServerCert(ca, dir, 'mariadb', `DNS:${NAMED_HOST},IP:${NAMED_IP}`);
    server = await startMariadbInstance({ tls: { caFile: ca.certFile, ...serverCert }, extraFlags: ['--userstat=1'] });
    relay = await startRelay(server.port);
    await query('CREATE USER ?@? IDENTIFIED BY ? REQUIRE SSL', [MANAGER.name, '%', MANAGER.password]);
    await query('GRANT CREATE USER ON *.* TO ?@?', [MANAGER.name, '%']);
    rt = await startBoundaryRuntime('mysql-transport', { ROTOR_MAX_STEP_ATTEMPTS: '1', ROTOR_QUEUE_POLL_MS: '50' });
    await rt.setup('CreateSecret', [['SecretName', MANAGER_SECRET], ['VersionId', 'v1'], ['SecretData', accountValue(MANAGER.name, MANAGER.password)]]);
  }, 180_000);

  afterAll(async () => {
    tally.write();
    // Each step runs even when the one before failed: no server process or directory is left behind.
    try {
      await rt?.stop();
    } finally {
      try {
        await relay?.stop();
      } finally {
        await server?.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }
  }, 60_000);

  it('the server takes only TLS logins for these accounts (so every session below was TLS)', async () => {
    const plain = mysql.createConnection({ host: UNNAMED_IP, port: server.port, user: MANAGER.name, password: MANAGER.password });
    await expect(plain).rejects.toMatchObject({ errno: 1045 });
    expect(await tlsLogin(MANAGER.name, MANAGER.password)).not.toBe('');
  });

  it('rotates with verify-full against SslCa by the host name the certificate names, and the new password logs in over TLS', async () => {
    const before = await managerLogins();
    const { account, initial } = await createTarget('app/mysql-tls-name', NAMED_HOST, server.port, ca.cert);
    expect(await rotate('app/mysql-tls-name', 'r1')).toEqual({ status: 'Normal' });
    const rotated = await currentPassword('app/mysql-tls-name');
    expect(rotated).not.toBe(initial);
    expect(await tlsLogin(account, rotated)).toMatch(/^TLS_|^ECDHE|AES|CHACHA/);
    await expect(tlsLogin(account, initial)).rejects.toMatchObject({ errno: 1045 });
    const after = await managerLogins();
    expect(after.logins).toBeGreaterThan(before.logins); // the managing account really logged in ...
    expect(after.tlsLogins - before.tlsLogins).toBe(after.logins - before.logins); // ... every time over TLS
  });

  it('rotates with verify-full by an IP address the certificate names', async () => {
    await createTarget('app/mysql-tls-ip', NAMED_IP, (relay as Relay).port, ca.cert);
    expect(await rotate('app/mysql-tls-ip', 'r1')).toEqual({ status: 'Normal' });
  });

  const refusedBeforeLogin = async (name: string, host: string, sslCa: string, what: string): Promise<void> => {
    const { account, initial } = await createTarget(name, host, server.port, sslCa);
    const hash = await storedHash(account);
    const logins = await managerLogins();
    const aborted = await abortedConnects();
    tally.tried();
    const outcome = await rotate(name, 'r1');
    if (outcome.status !== 'Failed') tally.crossed(`${what}: rotated over TLS that did not verify`);
    expect(outcome.status).toBe('Failed');
    expect(`${outcome.error?.Code} ${outcome.error?.Message}`).toContain('Target.Unavailable');
    expect(await abortedConnects()).toBeGreaterThan(aborted); // the rotation did reach the server ...
    const loginsAfter = await managerLogins();
    if (JSON.stringify(loginsAfter) !== JSON.stringify(logins)) tally.crossed(`${what}: the managing account's login reached the server`);
    expect(loginsAfter).toEqual(logins); // ... and no login (not even a refused one) came with it
    expect(await storedHash(account)).toBe(hash);
    expect(await currentPassword(name)).toBe(initial);
    expect(await tlsLogin(account, initial)).not.toBe('');
  };

  it('refuses the server when its certificate does not chain to the SslCa the secret names, before any login', async () => {
    await refusedBeforeLogin('att/mysql-tls-other-ca', NAMED_HOST, otherCa.cert, 'certificate from another CA');
  });

  it('refuses the server when its certificate, from the right CA, does not name the IP address the secret names, before any login', async () => {
    await refusedBeforeLogin('att/mysql-tls-unnamed-ip', UNNAMED_IP, ca.cert, 'certificate naming another host');
  });

  it("puts why in the operator's log, without the managing password", () => {
    const log = rt.runtime.stdout().toString('utf8');
    const details = log
      .split('\n')
      .filter((line) => line.includes('"targetFailure"'))
      .map((line) => (JSON.parse(line) as { targetFailure: { cause: string; detail: string } }).targetFailure);
    expect(details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ detail: expect.stringMatching(/certificate/i) }),
        expect.objectContaining({ cause: 'Target.UntrustedTransport', detail: expect.stringContaining(`does not name ${UNNAMED_IP}`) }),
      ]),
    );
    expect(log).not.toContain(MANAGER.password);
  });
});
