/**
 * The real service (SQLite store and queue, local master key, queue pump) rotating a PostgreSQL
 * DoubleUsers secret against a real server, with the managing credential read from another secret
 * of the same service. After each rotation ACSCurrent and ACSPrevious log in; the value before
 * ACSPrevious does not.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDriver } from '../../shared/adapters/drivers/sql/drivers.js';
import { requireAccountCredential } from '../../shared/domain/database-accounts.js';
import { startEmbeddedPostgres, type PostgresServer } from '../support/embedded-postgres.js';
import { createHarness, type Harness } from '../support/service-harness.js';
import { randomSecret } from '../support/sql-driver-fixtures.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

let server: PostgresServer;
let h: Harness;
const manager = { AccountName: 'rotor_manager', AccountPassword: randomSecret() };
const initial = { AccountName: 'orders_app', AccountPassword: randomSecret() };
const GROUP = 'orders_rw';

const logsIn = async (value: string): Promise<boolean> => {
  const { AccountName, AccountPassword } = requireAccountCredential(value, 'value');
  const client = new pg.Client({ host: server.host, port: server.port, user: AccountName, password: AccountPassword, database: 'postgres' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT count(*) FROM orders');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '28P01') return false;
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
};

beforeAll(async () => {
  server = await startEmbeddedPostgres();
  await server.admin.query(`CREATE ROLE ${ident(manager.AccountName)} LOGIN CREATEROLE PASSWORD ${literal(manager.AccountPassword)}`);
  const asManager = new pg.Client({ host: server.host, port: server.port, user: manager.AccountName, password: manager.AccountPassword, database: 'postgres' });
  await asManager.connect();
  await asManager.query(`CREATE ROLE ${ident(initial.AccountName)} LOGIN PASSWORD ${literal(initial.AccountPassword)}`);
  await asManager.query(`CREATE ROLE ${ident(GROUP)} NOLOGIN`);
  await asManager.end();
  await server.admin.query('CREATE TABLE orders (id int)');
  await server.admin.query(`GRANT SELECT ON orders TO ${ident(GROUP)}`);

  const driver = createPostgresDriver({
    resolveSecret: async (name) => (await h.service.getSecretValue({ secretName: secretIdOf(name) })).secretData,
  });
  h = await createHarness({ drivers: [driver] });
  await h.service.createSecret({ secretName: 'db/manager', versionId: 'm1', secretData: JSON.stringify(manager) });
  await h.service.createSecret({
    secretName: 'db/orders',
    versionId: 'v0',
    secretData: JSON.stringify(initial),
    extendedConfig: JSON.stringify({
      SecretSubType: 'PostgreSQL',
      Strategy: 'DoubleUsers',
      Host: server.host,
      Port: server.port,
      ManagerSecretName: 'db/manager',
      Role: GROUP,
    }),
  });
});

afterAll(async () => {
  await h?.close();
  await server?.stop();
});

const valueAt = async (versionStage: string) => (await h.service.getSecretValue({ secretName: secretIdOf('db/orders'), versionStage })).secretData;

describe('the rotation engine with the PostgreSQL DoubleUsers driver', () => {
  it('rotates three times; ACSCurrent and ACSPrevious always log in, the value before them does not', async () => {
    const history = [JSON.stringify(initial)];
    for (let i = 1; i <= 3; i++) {
      const started = await h.service.rotateSecret({ secretName: secretIdOf('db/orders'), versionId: `r${i}` });
      expect(started.started).toBe(true);
      expect(await h.pump()).toBe(5); // four steps, then the finalize after the promote
      expect((await h.service.describeSecret(secretIdOf('db/orders'))).lastRotation).toMatchObject({ versionId: `r${i}`, status: 'Succeeded' });

      const current = await valueAt('ACSCurrent');
      const previous = await valueAt('ACSPrevious');
      expect(previous).toBe(history.at(-1));
      history.push(current);
      const accountOf = (v: string) => requireAccountCredential(v, 'value').AccountName;
      expect(accountOf(current)).toBe(i % 2 === 1 ? `${initial.AccountName}_clone` : initial.AccountName);
      expect(accountOf(previous)).not.toBe(accountOf(current));

      expect(await logsIn(current)).toBe(true);
      expect(await logsIn(previous)).toBe(true);
      if (i >= 2) expect(await logsIn(history[i - 2] as string)).toBe(false);
    }

    const published = JSON.stringify(h.events.events);
    for (const value of history) expect(published).not.toContain(requireAccountCredential(value, 'value').AccountPassword);
    expect(published).not.toContain(manager.AccountPassword);
  });
});
