/**
 * The MariaDB (or MySQL) server the tests use: the one on 127.0.0.1:3306 that scripts/ensure-mariadb.sh
 * starts, reached as an administrator over TCP. ROTOR_TEST_MYSQL_HOST/PORT/USER/PASSWORD point the
 * tests elsewhere. Tests create uniquely named accounts and remove them.
 */
import mysql from 'mysql2/promise';

export const MYSQL_TEST_SERVER = {
  host: process.env.ROTOR_TEST_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.ROTOR_TEST_MYSQL_PORT ?? 3306),
  user: process.env.ROTOR_TEST_MYSQL_USER ?? 'root',
  password: process.env.ROTOR_TEST_MYSQL_PASSWORD ?? '',
};

export const connectMysqlAdmin = async (): Promise<mysql.Connection> => {
  try {
    const conn = await mysql.createConnection({ ...MYSQL_TEST_SERVER, multipleStatements: false });
    conn.on('error', () => undefined);
    return conn;
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unknown error';
    throw new Error(
      `MariaDB is not reachable as ${MYSQL_TEST_SERVER.user}@${MYSQL_TEST_SERVER.host}:${MYSQL_TEST_SERVER.port} (${code}); run scripts/ensure-mariadb.sh`,
    );
  }
};

/** Runs one statement with values spliced by mysql2's escaping. */
export const adminQuery = async (conn: mysql.Connection, sql: string, values: string[] = []): Promise<void> => {
  await conn.query(mysql.format(sql, values));
};
