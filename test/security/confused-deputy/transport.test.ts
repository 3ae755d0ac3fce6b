/**
 * Boundary: the connection a rotation opens, with a managing credential, to the Host and Port a
 * secret's ExtendedConfig names.
 *
 * Attacker's goal: collect a managing password by pointing a secret at a server the attacker runs
 * on loopback (a PostgreSQL asking for the password in cleartext, a MySQL switching to
 * caching_sha2_password with its own RSA key, an SSH server with another host key, or the real
 * host after its key was swapped), or use the service as a port scanner by telling "nothing
 * listens" from "wrong password" from "refused" in what DescribeSecret answers.
 *
 * Guarded by: the engines hand a password over in readable form only over TLS whose certificate
 * was verified (postgres-engine.ts PasswordGate, mysql-auth.ts), SSH requires a pinned
 * HostKeyFingerprint checked before any credential is offered (ssh-session.ts), and every failure
 * to connect or log in reaches callers as one Target.Unavailable (connect-failure.ts,
 * redacting-driver.ts) with the detail only in the operator's log.
 *
 * Each attack goes through the real HTTP surface and the local runtime's own rotation worker; the
 * positive paths rotate real PostgreSQL (SCRAM), MariaDB and OpenSSH accounts.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startEmbeddedPostgres, freePort, type PostgresServer } from '../../support/embedded-postgres.js';
import { adminQuery, connectMysqlAdmin, MYSQL_TEST_SERVER } from '../../support/mariadb.js';
import { createLinuxUser, randomUserName, sshdUnavailableReason, startSshd, type LinuxUser, type SshdServer } from '../../support/sshd.js';
import { secretScanHooks } from '../../support/secret-scan-hooks.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { startBoundaryRuntime, type BoundaryRuntime } from '../support/boundary-runtime.js';
import { startCleartextPostgres, startRsaSwitchMysql, startSshImpostor, type FakeTarget } from '../support/fake-targets.js';
import type { Pairs } from '../support/signed-requests.js';

const tally = new BoundaryTally('confused-deputy', import.meta.url);
const secret = (label: string): string => {
  const value = `${randomBytes(18).toString('base64url')}Aa1`;
  secretScanHooks.register(value, `transport ${label}`);
  return value;
};

const PG_MANAGER_SECRET = 'managers/pg';
const PG_WRONG_MANAGER_SECRET = 'managers/pg-wrong';
const MYSQL_MANAGER_SECRET = 'managers/mysql';
const SSH_KEY_MANAGER_SECRET = 'managers/ssh-key';
const SSH_PASSWORD_MANAGER_SECRET = 'managers/ssh-password';
const SSH_MANAGING_PASSWORD = secret('ssh managing password');
const MYSQL_MANAGER = { name: `mgr_${randomBytes(3).toString('hex')}`, password: secret('mysql managing password') };
const MYSQL_ACCOUNT = `app_${randomBytes(3).toString('hex')}`;
const PG_ACCOUNT = `app_${randomBytes(3).toString('hex')}`;
/** Generous: a rotation is a few queued steps, each a login; the 2-core test machine is shared. */
const SETTLE_MS = 60_000;

let rt: BoundaryRuntime;
let postgres: PostgresServer;
let pgManagingPassword: string;
const fakes: FakeTarget[] = [];
const sshSkip = sshdUnavailableReason();

const sqlConfig = (subType: 'PostgreSQL' | 'MySQL', port: number, manager: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ SecretSubType: subType, Strategy: 'SingleUser', Host: '127.0.0.1', Port: port, ManagerSecretName: manager, ...extra });

const create = (name: string, secretData: string, extendedConfig?: string) => {
  const params: Pairs = [
    ['SecretName', name],
    ['VersionId', 'v1'],
    ['SecretData', secretData],
  ];
  if (extendedConfig !== undefined) (params as [string, string][]).push(['ExtendedConfig', extendedConfig]);
  return rt.call('CreateSecret', params, rt.root);
};

const describeSecret = async (name: string): Promise<Record<string, unknown>> => rt.setup('DescribeSecret', [['SecretName', name]]);

/** Starts a rotation and waits until it has ended (one attempt per step: ROTOR_MAX_STEP_ATTEMPTS=1). */
const rotate = async (name: string, versionId: string): Promise<{ status: string; error?: { Code: string; Message: string } }> => {
  await rt.setup('RotateSecret', [['SecretName', name], ['VersionId', versionId]]);
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const described = await describeSecret(name);
    if (described.RotationStatus !== 'Rotating') {
      const error = described.LastRotationError as { Code: string; Message: string } | undefined;
      return { status: String(described.RotationStatus), ...(error ? { error } : {}) };
    }
    if (Date.now() > deadline) throw new Error(`the rotation of ${name} did not end within ${SETTLE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const current = async (name: string): Promise<string> => String((await rt.setup('GetSecretValue', [['SecretName', name]])).SecretData);

const accountValue = (name: string, password: string): string => JSON.stringify({ AccountName: name, AccountPassword: password });

/** What every failure to reach or log in to a target looks like to a caller (filled by the first attack). */
const seenFailures: { target: string; error: { Code: string; Message: string } | undefined }[] = [];

const expectNothingCaptured = (fake: FakeTarget, target: string, managing: string): void => {
  for (const text of fake.captured) {
    tally.crossed(`${target}: the fake server read a password${text === managing ? ' (the managing password)' : ''}`);
  }
  expect(fake.captured.length, `${target}: passwords the fake server read`).toBe(0); // the count only: never print them
};

beforeAll(async () => {
  rt = await startBoundaryRuntime('transport', { ROTOR_MAX_STEP_ATTEMPTS: '1', ROTOR_QUEUE_POLL_MS: '50' });
  postgres = await startEmbeddedPostgres();
  pgManagingPassword = postgres.adminPassword;
  secretScanHooks.register(pgManagingPassword, 'transport pg managing password');
  await rt.setup('CreateSecret', [['SecretName', PG_MANAGER_SECRET], ['VersionId', 'v1'], ['SecretData', accountValue(postgres.adminUser, pgManagingPassword)]]);
  await rt.setup('CreateSecret', [['SecretName', PG_WRONG_MANAGER_SECRET], ['VersionId', 'v1'], ['SecretData', accountValue(postgres.adminUser, secret('wrong pg password'))]]);
  await rt.setup('CreateSecret', [['SecretName', MYSQL_MANAGER_SECRET], ['VersionId', 'v1'], ['SecretData', accountValue(MYSQL_MANAGER.name, MYSQL_MANAGER.password)]]);
  await rt.setup('CreateSecret', [['SecretName', SSH_PASSWORD_MANAGER_SECRET], ['VersionId', 'v1'], ['SecretData', JSON.stringify({ UserName: 'root', Password: SSH_MANAGING_PASSWORD })]]);
}, 120_000);

afterAll(async () => {
  tally.write();
  await Promise.all(fakes.map((fake) => fake.stop()));
  await rt?.stop();
  await postgres?.stop();
});

describe('PostgreSQL', () => {
  it('a fake server on loopback asking for the password in cleartext gets nothing, and the caller sees Target.Unavailable', async () => {
    const fake = await startCleartextPostgres();
    fakes.push(fake);
    expect((await create('att/pg-cleartext', accountValue('victim', 'initial-value'), sqlConfig('PostgreSQL', fake.port, PG_MANAGER_SECRET))).status).toBe(200);
    tally.tried();
    const outcome = await rotate('att/pg-cleartext', 'r1');
    seenFailures.push({ target: 'fake PostgreSQL asking for cleartext', error: outcome.error });
    expect(fake.connections).toBeGreaterThan(0); // the attack really reached the fake
    expectNothingCaptured(fake, 'PostgreSQL cleartext request', pgManagingPassword);
    expect(outcome.status).toBe('Failed');
  });

  it('the real server (SCRAM, loopback, no TLS by default) still rotates', async () => {
    const initial = secret('pg initial');
    await postgres.admin.query(`CREATE ROLE ${PG_ACCOUNT} LOGIN PASSWORD '${initial}'`);
    expect((await create('app/pg', accountValue(PG_ACCOUNT, initial), sqlConfig('PostgreSQL', postgres.port, PG_MANAGER_SECRET))).status).toBe(200);
    const outcome = await rotate('app/pg', 'r1');
    expect(outcome).toEqual({ status: 'Normal' });
    const rotated = JSON.parse(await current('app/pg')) as { AccountName: string; AccountPassword: string };
    expect(rotated.AccountPassword).not.toBe(initial);
    const login = new pg.Client({ host: '127.0.0.1', port: postgres.port, user: PG_ACCOUNT, password: rotated.AccountPassword, database: 'postgres' });
    await login.connect();
    await login.end();
  });

  it('a wrong managing password and a closed port look the same as the fake server', async () => {
    expect((await create('att/pg-wrong', accountValue(PG_ACCOUNT, 'x'), sqlConfig('PostgreSQL', postgres.port, PG_WRONG_MANAGER_SECRET))).status).toBe(200);
    const closedPort = await freePort();
    expect((await create('att/pg-closed', accountValue('victim', 'x'), sqlConfig('PostgreSQL', closedPort, PG_MANAGER_SECRET))).status).toBe(200);
    tally.tried(2);
    seenFailures.push({ target: 'real PostgreSQL, wrong password', error: (await rotate('att/pg-wrong', 'r1')).error });
    seenFailures.push({ target: 'closed port', error: (await rotate('att/pg-closed', 'r1')).error });
  });
});

describe('MySQL / MariaDB', () => {
  it('a fake server switching to caching_sha2_password with its own RSA key gets nothing', async () => {
    const fake = await startRsaSwitchMysql();
    fakes.push(fake);
    expect((await create('att/mysql-rsa', accountValue('victim', 'initial-value'), sqlConfig('MySQL', fake.port, MYSQL_MANAGER_SECRET))).status).toBe(200);
    tally.tried();
    const outcome = await rotate('att/mysql-rsa', 'r1');
    seenFailures.push({ target: 'fake MySQL with its own RSA key', error: outcome.error });
    expect(fake.fullAuthAsked).toBeGreaterThan(0); // the client got as far as the switch
    expectNothingCaptured(fake, 'MySQL caching_sha2_password RSA switch', MYSQL_MANAGER.password);
    expect(outcome.status).toBe('Failed');
  });

  it('the real server still rotates', async () => {
    const admin = await connectMysqlAdmin();
    const initial = secret('mysql initial');
    try {
      await adminQuery(admin, 'CREATE USER ?@? IDENTIFIED BY ?', [MYSQL_MANAGER.name, '%', MYSQL_MANAGER.password]);
      await adminQuery(admin, 'GRANT CREATE USER ON *.* TO ?@?', [MYSQL_MANAGER.name, '%']);
      await adminQuery(admin, 'CREATE USER ?@? IDENTIFIED BY ?', [MYSQL_ACCOUNT, '%', initial]);
      expect((await create('app/mysql', accountValue(MYSQL_ACCOUNT, initial), sqlConfig('MySQL', MYSQL_TEST_SERVER.port, MYSQL_MANAGER_SECRET))).status).toBe(200);
      expect(await rotate('app/mysql', 'r1')).toEqual({ status: 'Normal' });
      expect(JSON.parse(await current('app/mysql')).AccountPassword).not.toBe(initial);
    } finally {
      for (const account of [MYSQL_ACCOUNT, MYSQL_MANAGER.name]) await adminQuery(admin, 'DROP USER IF EXISTS ?@?', [account, '%']);
      await admin.end();
    }
  });
});

describe.skipIf(sshSkip !== null)('SSH', () => {
  let sshd: SshdServer;
  let user: LinuxUser;

  beforeAll(async () => {
    sshd = await startSshd();
    user = await createLinuxUser(randomUserName(false), secret('linux initial'));
    await rt.setup('CreateSecret', [['SecretName', SSH_KEY_MANAGER_SECRET], ['VersionId', 'v1'], ['SecretData', sshd.managerValue]]);
  }, 60_000);

  afterAll(async () => {
    await user?.remove();
    await sshd?.stop();
  });

  const hostConfig = (port: number, manager: string, pin: string | undefined): string =>
    JSON.stringify({
      SecretSubType: 'LinuxPassword',
      Host: '127.0.0.1',
      Port: port,
      UserName: user.name,
      ManagerSecretName: manager,
      ...(pin === undefined ? {} : { HostKeyFingerprint: pin }),
    });

  it('a secret without a pinned host key is refused at creation, so an impostor never gets a password login', async () => {
    const impostor = await startSshImpostor();
    fakes.push(impostor);
    tally.tried();
    const answer = await create('att/ssh-unpinned', JSON.stringify({ UserName: user.name, Password: 'initial-x' }), hostConfig(impostor.port, SSH_PASSWORD_MANAGER_SECRET, undefined));
    if (answer.status === 200) await rotate('att/ssh-unpinned', 'r1'); // what the code before the pin did: go and log in
    expectNothingCaptured(impostor, 'SSH impostor, no pinned key', SSH_MANAGING_PASSWORD);
    expect(answer.status).toBe(400);
    expect(answer.body.Code).toBe('InvalidParameter');
    expect(String(answer.body.Message)).toContain('ExtendedConfig.HostKeyFingerprint');
  });

  it("rotates against the real host, then refuses the host whose key was swapped before any authentication", async () => {
    const name = 'app/ssh';
    expect((await create(name, JSON.stringify({ UserName: user.name, Password: 'initial-x' }), hostConfig(sshd.port, SSH_KEY_MANAGER_SECRET, sshd.hostKeyFingerprint))).status).toBe(200);
    expect(await rotate(name, 'r1')).toEqual({ status: 'Normal' });
    // The swap: the host's sshd goes away and another server with another key answers on its port.
    const port = sshd.port;
    await sshd.stop();
    const impostor = await startSshImpostor(port);
    fakes.push(impostor);
    tally.tried();
    const outcome = await rotate(name, 'r2');
    seenFailures.push({ target: 'SSH host with a swapped key', error: outcome.error });
    expect(impostor.connections).toBeGreaterThan(0);
    expect(impostor.attempts).toEqual([]); // not even a username reached it
    expectNothingCaptured(impostor, 'SSH host with a swapped key', SSH_MANAGING_PASSWORD);
    expect(outcome.status).toBe('Failed');
  }, 90_000);
});

describe('what callers see', () => {
  it('is one code and one text for every failure to connect or log in (no port scanning through the service)', () => {
    tally.tried(seenFailures.length);
    expect(seenFailures.length).toBeGreaterThanOrEqual(4);
    const first = seenFailures[0]?.error;
    // SingleUser and LinuxPassword change the target in place, so a failed step is reported as
    // "uncertain" naming the step's code; either way that code is the one Target.Unavailable.
    expect(`${first?.Code} ${first?.Message}`).toContain('Target.Unavailable');
    expect(`${first?.Code} ${first?.Message}`).not.toMatch(/AuthenticationFailed|Unreachable|HostKeyMismatch|Untrusted|Timeout/);
    for (const { target, error } of seenFailures) {
      if (error?.Code !== first?.Code || error?.Message !== first?.Message) tally.crossed(`${target} answered differently: ${error?.Code}`);
      expect({ target, error }).toEqual({ target, error: first });
    }
  });

  it("puts the detail in the operator's log, without any managing password", () => {
    const log = rt.runtime.stdout().toString('utf8');
    const causes = log
      .split('\n')
      .filter((line) => line.includes('"targetFailure"'))
      .map((line) => (JSON.parse(line) as { targetFailure: { cause: string } }).targetFailure.cause);
    expect(causes).toEqual(expect.arrayContaining(['Target.UntrustedTransport', 'Target.AuthenticationFailed', 'Target.Unreachable']));
    for (const managing of [pgManagingPassword, MYSQL_MANAGER.password, SSH_MANAGING_PASSWORD]) expect(log).not.toContain(managing);
  });
});

describe('TLS settings are checked at CreateSecret', () => {
  const refused = async (extra: Record<string, unknown>, host = 'db.internal'): Promise<string> => {
    tally.tried();
    const config = JSON.stringify({ SecretSubType: 'PostgreSQL', Strategy: 'SingleUser', Host: host, ManagerSecretName: PG_MANAGER_SECRET, ...extra });
    const answer = await create(`bad/tls-${randomBytes(3).toString('hex')}`, accountValue('victim', 'x'), config);
    expect(answer.status).toBe(400);
    expect(answer.body.Code).toBe('InvalidParameter');
    return String(answer.body.Message);
  };

  it('refuses require without a CA, a CA that is not a certificate, a CA with TLS disabled, and an unknown mode', async () => {
    expect(await refused({ SslMode: 'require' })).toContain('ExtendedConfig.SslCa');
    expect(await refused({ SslMode: 'verify-full', SslCa: 'not a certificate' })).toContain('ExtendedConfig.SslCa');
    expect(await refused({ SslMode: 'verify-full', SslCa: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' })).toContain('ExtendedConfig.SslCa');
    expect(await refused({ SslMode: 'disable', SslCa: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' })).toContain('ExtendedConfig.SslCa');
    expect(await refused({ SslMode: 'verify-ca' })).toContain('ExtendedConfig.SslMode');
  });
});

/** A self-signed EC certificate for `localhost` (its own CA; small enough for the 1024-character ExtendedConfig), made with the openssl CLI. */
const selfSignedLocalhost = (dir: string, name: string): { cert: string; certFile: string; keyFile: string } => {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', keyFile, '-out', certFile], {
    stdio: 'ignore',
  });
  return { cert: readFileSync(certFile, 'utf8'), certFile, keyFile };
};

describe('a real PostgreSQL over TLS', () => {
  let tlsPostgres: PostgresServer;
  let dir: string;
  let serverCert: string;
  let otherCa: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rotor-tls-'));
    chmodSync(dir, 0o755); // the server runs as the postgres OS user
    const server = selfSignedLocalhost(dir, 'server');
    serverCert = server.cert;
    otherCa = selfSignedLocalhost(dir, 'other').cert;
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(server.keyFile, uid, -1);
    chmodSync(server.keyFile, 0o600);
    tlsPostgres = await startEmbeddedPostgres({ extraFlags: ['-c', 'ssl=on', '-c', `ssl_cert_file=${server.certFile}`, '-c', `ssl_key_file=${server.keyFile}`] });
    secretScanHooks.register(tlsPostgres.adminPassword, 'transport tls pg managing password');
    await rt.setup('CreateSecret', [['SecretName', 'managers/pg-tls'], ['VersionId', 'v1'], ['SecretData', accountValue(tlsPostgres.adminUser, tlsPostgres.adminPassword)]]);
  }, 120_000);

  afterAll(async () => {
    await tlsPostgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tlsSecret = async (name: string, host: string, tls: Record<string, unknown>): Promise<void> => {
    const account = `tls_${randomBytes(3).toString('hex')}`;
    const initial = secret('tls pg initial');
    await tlsPostgres.admin.query(`CREATE ROLE ${account} LOGIN PASSWORD '${initial}'`);
    const config = JSON.stringify({ SecretSubType: 'PostgreSQL', Strategy: 'SingleUser', Host: host, Port: tlsPostgres.port, ManagerSecretName: 'managers/pg-tls', ...tls });
    const answer = await create(name, accountValue(account, initial), config);
    expect(answer, String(answer.body.Message)).toMatchObject({ status: 200 });
  };

  it('rotates with verify-full against the CA the operator gave, by host name', async () => {
    await tlsSecret('app/pg-tls-full', 'localhost', { SslMode: 'verify-full', SslCa: serverCert });
    expect(await rotate('app/pg-tls-full', 'r1')).toEqual({ status: 'Normal' });
  });

  it('rotates with require against the CA the operator gave, whatever the host name', async () => {
    await tlsSecret('app/pg-tls-require', '127.0.0.1', { SslMode: 'require', SslCa: serverCert });
    expect(await rotate('app/pg-tls-require', 'r1')).toEqual({ status: 'Normal' });
  });

  it('refuses the same server when its certificate does not chain to the given CA, or does not name the host', async () => {
    tally.tried(2);
    await tlsSecret('att/pg-tls-other-ca', 'localhost', { SslMode: 'require', SslCa: otherCa });
    await tlsSecret('att/pg-tls-wrong-name', '127.0.0.1', { SslMode: 'verify-full', SslCa: serverCert });
    for (const name of ['att/pg-tls-other-ca', 'att/pg-tls-wrong-name']) {
      const outcome = await rotate(name, 'r1');
      if (outcome.status !== 'Failed') tally.crossed(`${name}: rotated over TLS that did not verify`);
      expect(outcome.status).toBe('Failed');
      expect(`${outcome.error?.Code} ${outcome.error?.Message}`).toContain('Target.Unavailable');
    }
  });
});
