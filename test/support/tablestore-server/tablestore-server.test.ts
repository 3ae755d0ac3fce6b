/**
 * The Tablestore test server, exercised only through the real `tablestore` SDK (and raw HTTP where
 * the SDK cannot produce the request, e.g. a body that does not match its MD5).
 */
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTablestoreServer, type TablestoreTestServer } from './index.js';
import { mainCodec } from './sdk.js';
import { sign, stringToSign } from './signature.js';

const require = createRequire(import.meta.url);
// The SDK ships no type declarations; the tests drive it untyped, as plain JavaScript would.
const TableStore: any = require('tablestore');
const {
  Long,
  Condition,
  RowExistenceExpectation: REE,
  SingleColumnCondition,
  CompositeCondition,
  ComparatorType: CT,
  LogicalOperator: LO,
  ReturnType,
  Direction,
  INF_MIN,
  INF_MAX,
} = TableStore;

type Client = any;
type SdkRow = any;

const newClient = (server: TablestoreTestServer, overrides: Record<string, unknown> = {}): Client =>
  new TableStore.Client({ ...server.clientConfig, ...overrides });

let tableCount = 0;
const uniqueName = (prefix: string): string => `${prefix}_${++tableCount}`;

interface TableSetup {
  primaryKey: Array<{ name: string; type: string }>;
  definedColumn?: Array<{ name: string; type: number }>;
  tableOptions?: Record<string, unknown>;
  indexMetas?: Array<{ name: string; primaryKey: string[]; definedColumn: string[] }>;
}

const createTable = (client: Client, tableName: string, setup: TableSetup) =>
  client.createTable({
    tableMeta: { tableName, primaryKey: setup.primaryKey, ...(setup.definedColumn ? { definedColumn: setup.definedColumn } : {}) },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: -1, maxVersions: 1, ...setup.tableOptions },
    ...(setup.indexMetas ? { indexMetas: setup.indexMetas } : {}),
  });

const ignore = () => new Condition(REE.IGNORE, null);
const expectExist = (columnCondition: unknown = null) => new Condition(REE.EXPECT_EXIST, columnCondition);
const expectNotExist = () => new Condition(REE.EXPECT_NOT_EXIST, null);

const rejectionOf = async (promise: Promise<unknown>): Promise<{ code: unknown; message: string }> => {
  try {
    await promise;
  } catch (error) {
    return error as { code: unknown; message: string };
  }
  throw new Error('expected the call to be rejected');
};

/** The SDK puts the HTTP status in err.code and the raw protobuf Error bytes in err.message. */
const expectOtsError = async (promise: Promise<unknown>, status: number, code: string, message?: string) => {
  const error = await rejectionOf(promise);
  expect(error.code).toBe(status);
  expect(error.message).toContain(code);
  if (message) expect(error.message).toContain(message);
};

const attributesOf = (row: SdkRow): Record<string, unknown> =>
  Object.fromEntries(row.attributes.map((cell: SdkRow) => [cell.columnName, cell.columnValue]));

const keyOf = (row: SdkRow): string[] => row.primaryKey.map((column: SdkRow) => `${column.name}=${String(column.value)}`);

describe('Tablestore test server', () => {
  let server: TablestoreTestServer;
  let client: Client;

  beforeAll(async () => {
    server = await startTablestoreServer();
    client = newClient(server);
  });
  afterAll(async () => {
    await server.stop();
  });

  describe('tables', () => {
    it('creates, lists, describes and deletes a table', async () => {
      const name = uniqueName('tables');
      await createTable(client, name, {
        primaryKey: [
          { name: 'id', type: 'STRING' },
          { name: 'seq', type: 'INTEGER' },
        ],
        definedColumn: [{ name: 'status', type: TableStore.DefinedColumnType.DCT_STRING }],
        tableOptions: { maxVersions: 2 },
      });

      expect((await client.listTable({})).tableNames).toContain(name);
      const described = await client.describeTable({ tableName: name });
      expect(described.tableMeta.primaryKey.map((column: SdkRow) => [column.name, column.type])).toEqual([
        ['id', TableStore.PrimaryKeyType.STRING],
        ['seq', TableStore.PrimaryKeyType.INTEGER],
      ]);
      expect(described.tableMeta.definedColumn.map((column: SdkRow) => column.name)).toEqual(['status']);
      expect(described.tableOptions.maxVersions).toBe(2);
      expect(described.tableOptions.timeToLive).toBe(-1);

      await client.deleteTable({ tableName: name });
      expect((await client.listTable({})).tableNames).not.toContain(name);
      await expectOtsError(client.describeTable({ tableName: name }), 404, 'OTSObjectNotExist', 'Requested table does not exist.');
    });

    it('refuses to create a table twice', async () => {
      const name = uniqueName('twice');
      await createTable(client, name, { primaryKey: [{ name: 'id', type: 'STRING' }] });
      await expectOtsError(
        createTable(client, name, { primaryKey: [{ name: 'other', type: 'STRING' }] }),
        409,
        'OTSObjectAlreadyExist',
        'Requested table already exists.',
      );
    });

    it('rejects invalid table definitions with OTSParameterInvalid', async () => {
      await expectOtsError(
        createTable(client, uniqueName('dup_pk'), {
          primaryKey: [
            { name: 'id', type: 'STRING' },
            { name: 'id', type: 'INTEGER' },
          ],
        }),
        400,
        'OTSParameterInvalid',
        'The name of primary key must be unique.',
      );
      await expectOtsError(
        createTable(client, uniqueName('index_ttl'), {
          primaryKey: [{ name: 'id', type: 'STRING' }],
          definedColumn: [{ name: 'status', type: TableStore.DefinedColumnType.DCT_STRING }],
          tableOptions: { timeToLive: 86400 },
          indexMetas: [{ name: uniqueName('idx'), primaryKey: ['status'], definedColumn: [] }],
        }),
        400,
        'OTSParameterInvalid',
        "Don't support allow update operation on table with index and ttl",
      );
    });

    it('adds an index over existing rows with CreateIndex and removes it with DropIndex', async () => {
      const name = uniqueName('late_index');
      const index = `${name}_by_kind`;
      await createTable(client, name, {
        primaryKey: [{ name: 'id', type: 'STRING' }],
        definedColumn: [{ name: 'kind', type: TableStore.DefinedColumnType.DCT_STRING }],
      });
      await client.putRow({ tableName: name, condition: ignore(), primaryKey: [{ id: 'a' }], attributeColumns: [{ kind: 'k' }] });

      await client.createIndex({ mainTableName: name, indexMeta: { name: index, primaryKey: ['kind'], definedColumn: [] }, includeBaseData: true });
      expect(server.rows(index).map((row) => row.primaryKey)).toEqual([{ kind: 'k', id: 'a' }]);

      await client.dropIndex({ mainTableName: name, indexName: index });
      expect((await client.describeTable({ tableName: name })).indexMetas).toEqual([]);
      expect(() => server.rows(index)).toThrow();
    });

    it('answers operations on a missing table with OTSObjectNotExist', async () => {
      await expectOtsError(
        client.putRow({ tableName: 'no_such_table', condition: ignore(), primaryKey: [{ id: 'x' }], attributeColumns: [] }),
        404,
        'OTSObjectNotExist',
      );
    });
  });

  describe('single-row operations', () => {
    const table = uniqueName('rows');
    const key = (id: string) => [{ id }, { seq: Long.fromNumber(1) }];

    beforeAll(async () => {
      await createTable(client, table, {
        primaryKey: [
          { name: 'id', type: 'STRING' },
          { name: 'seq', type: 'INTEGER' },
        ],
        tableOptions: { maxVersions: 3 },
      });
    });

    it('round-trips every column type, integers exactly', async () => {
      await client.putRow({
        tableName: table,
        condition: ignore(),
        primaryKey: key('types'),
        attributeColumns: [
          { text: 'héllo' },
          { big: Long.fromString('9007199254740993') },
          { negative: Long.fromString('-42') },
          { ratio: 2.5 },
          { plainNumber: 7 },
          { flag: true },
          { blob: Buffer.from([0, 1, 255]) },
        ],
      });

      const { row } = await client.getRow({ tableName: table, primaryKey: key('types') });
      expect(keyOf(row)).toEqual(['id=types', 'seq=1']);
      const attributes = attributesOf(row);
      expect(attributes.text).toBe('héllo');
      expect((attributes.big as { toString(): string }).toString()).toBe('9007199254740993');
      expect((attributes.negative as { toNumber(): number }).toNumber()).toBe(-42);
      expect(attributes.ratio).toBe(2.5);
      expect(attributes.flag).toBe(true);
      expect(Buffer.from(attributes.blob as Buffer)).toEqual(Buffer.from([0, 1, 255]));

      // A JS number is a DOUBLE on the wire; only Long values are INTEGER.
      const stored = server.rows(table).find((r) => r.primaryKey.id === 'types')!;
      expect(stored.attributes.plainNumber).toBe(7);
      expect(stored.attributes.big).toBe(9007199254740993n);
      expect(stored.primaryKey.seq).toBe(1n);
    });

    it('returns an empty row for a missing key', async () => {
      const { row } = await client.getRow({ tableName: table, primaryKey: key('missing') });
      expect(row).toEqual({});
    });

    it('returns only the columns asked for, and no row when it has none of them', async () => {
      await client.putRow({
        tableName: table,
        condition: ignore(),
        primaryKey: key('columns'),
        attributeColumns: [{ a: '1' }, { b: '2' }, { c: '3' }],
      });
      const { row } = await client.getRow({ tableName: table, primaryKey: key('columns'), columnsToGet: ['a', 'c', 'absent'] });
      expect(keyOf(row)).toEqual(['id=columns', 'seq=1']);
      expect(attributesOf(row)).toEqual({ a: '1', c: '3' });

      const none = await client.getRow({ tableName: table, primaryKey: key('columns'), columnsToGet: ['absent'] });
      expect(none.row).toEqual({});
    });

    it('keeps versions up to the table maxVersions and returns maxVersions newest first', async () => {
      await client.putRow({
        tableName: table,
        condition: ignore(),
        primaryKey: key('versions'),
        attributeColumns: [
          { v: 'one', timestamp: 1000 },
          { v: 'two', timestamp: 2000 },
          { v: 'three', timestamp: 3000 },
        ],
      });
      await client.updateRow({
        tableName: table,
        condition: ignore(),
        primaryKey: key('versions'),
        updateOfAttributeColumns: [{ PUT: [{ v: 'four', timestamp: 4000 }] }],
      });

      const latest = await client.getRow({ tableName: table, primaryKey: key('versions') });
      expect(latest.row.attributes.map((cell: SdkRow) => [cell.columnValue, Number(cell.timestamp)])).toEqual([['four', 4000]]);

      const two = await client.getRow({ tableName: table, primaryKey: key('versions'), maxVersions: 2 });
      expect(two.row.attributes.map((cell: SdkRow) => cell.columnValue)).toEqual(['four', 'three']);

      const all = await client.getRow({ tableName: table, primaryKey: key('versions'), maxVersions: 10 });
      expect(all.row.attributes.map((cell: SdkRow) => cell.columnValue)).toEqual(['four', 'three', 'two']);
    });

    it('replaces the whole row on PutRow', async () => {
      await client.putRow({ tableName: table, condition: ignore(), primaryKey: key('replace'), attributeColumns: [{ a: '1' }, { b: '2' }] });
      await client.putRow({ tableName: table, condition: ignore(), primaryKey: key('replace'), attributeColumns: [{ c: '3' }] });
      const { row } = await client.getRow({ tableName: table, primaryKey: key('replace') });
      expect(attributesOf(row)).toEqual({ c: '3' });
    });

    it('applies UpdateRow PUT, DELETE_ALL, DELETE of one version and INCREMENT', async () => {
      await client.putRow({
        tableName: table,
        condition: ignore(),
        primaryKey: key('update'),
        attributeColumns: [{ a: '1' }, { b: '2' }, { n: Long.fromNumber(5) }, { v: 'old', timestamp: 1000 }, { v: 'new', timestamp: 2000 }],
      });

      await client.updateRow({
        tableName: table,
        condition: expectExist(),
        primaryKey: key('update'),
        updateOfAttributeColumns: [
          { PUT: [{ a: 'x' }] },
          { DELETE_ALL: ['b'] },
          { INCREMENT: [{ n: Long.fromNumber(3) }, { fresh: Long.fromNumber(1) }] },
          { DELETE: [{ v: Long.fromNumber(2000) }] },
        ],
      });

      // maxVersions 1: an older "v" is visible only because the newer version was deleted
      const { row } = await client.getRow({ tableName: table, primaryKey: key('update') });
      const cells = row.attributes.map((cell: SdkRow) => [cell.columnName, String(cell.columnValue)]);
      expect(cells).toEqual([
        ['a', 'x'],
        ['fresh', '1'],
        ['n', '8'],
        ['v', 'old'],
      ]);
    });

    it('returns the modified columns with ReturnType.AfterModify and the key with Primarykey', async () => {
      const put = await client.putRow({
        tableName: table,
        condition: ignore(),
        primaryKey: key('returns'),
        attributeColumns: [{ counter: Long.fromNumber(10) }],
        returnContent: { returnType: ReturnType.Primarykey },
      });
      expect(keyOf(put.row)).toEqual(['id=returns', 'seq=1']);

      const updated = await client.updateRow({
        tableName: table,
        condition: ignore(),
        primaryKey: key('returns'),
        updateOfAttributeColumns: [{ INCREMENT: [{ counter: Long.fromNumber(-3) }] }],
        returnContent: { returnType: ReturnType.AfterModify, returnColumns: ['counter'] },
      });
      expect(updated.row.attributes.map((cell: SdkRow) => [cell.columnName, cell.columnValue.toString()])).toEqual([['counter', '7']]);
    });

    it('deletes a row, and deleting a missing row with IGNORE succeeds', async () => {
      await client.putRow({ tableName: table, condition: ignore(), primaryKey: key('delete'), attributeColumns: [{ a: '1' }] });
      await client.deleteRow({ tableName: table, condition: expectExist(), primaryKey: key('delete') });
      expect((await client.getRow({ tableName: table, primaryKey: key('delete') })).row).toEqual({});
      await client.deleteRow({ tableName: table, condition: ignore(), primaryKey: key('delete') });
    });

    it('rejects keys that do not match the schema with OTSInvalidPK', async () => {
      await expectOtsError(
        client.getRow({ tableName: table, primaryKey: [{ id: 'x' }] }),
        400,
        'OTSInvalidPK',
        'Validate PK size fail. Input: 1, Meta: 2.',
      );
      await expectOtsError(
        client.putRow({ tableName: table, condition: ignore(), primaryKey: [{ id: 'x' }, { seq: 'not-a-number' }], attributeColumns: [] }),
        400,
        'OTSInvalidPK',
        'Validate PK type fail. Input: VT_STRING, Meta: VT_INTEGER.',
      );
    });
  });

  describe('conditions', () => {
    const table = uniqueName('conditions');
    const key = (id: string) => [{ id }];
    const seed = async (id: string) =>
      client.putRow({
        tableName: table,
        condition: ignore(),
        primaryKey: key(id),
        attributeColumns: [{ status: 'NEW' }, { version: Long.fromNumber(1) }],
      });
    const updateWith = (id: string, condition: unknown) =>
      client.updateRow({
        tableName: table,
        condition,
        primaryKey: key(id),
        updateOfAttributeColumns: [{ PUT: [{ touched: true }] }],
      });
    const single = (column: string, value: unknown, comparator: number, passIfMissing?: boolean) =>
      new SingleColumnCondition(column, value, comparator, passIfMissing);

    beforeAll(async () => {
      await createTable(client, table, { primaryKey: [{ name: 'id', type: 'STRING' }] });
    });

    it('fails EXPECT_NOT_EXIST on an existing row the way the SDK reports it: code 403, protobuf bytes in the message', async () => {
      await seed('exists');
      const error = await rejectionOf(
        client.putRow({ tableName: table, condition: expectNotExist(), primaryKey: key('exists'), attributeColumns: [{ status: 'OVERWRITTEN' }] }),
      );
      expect(error.code).toBe(403);
      expect(error.message.startsWith('\n\u0015OTSConditionCheckFail\u0012\u0017Condition check failed.')).toBe(true);
      expect(server.rows(table).find((r) => r.primaryKey.id === 'exists')!.attributes.status).toBe('NEW');
    });

    it('checks row existence for IGNORE, EXPECT_EXIST and EXPECT_NOT_EXIST', async () => {
      await client.putRow({ tableName: table, condition: expectNotExist(), primaryKey: key('fresh'), attributeColumns: [{ a: '1' }] });
      await client.putRow({ tableName: table, condition: expectExist(), primaryKey: key('fresh'), attributeColumns: [{ a: '2' }] });
      await client.putRow({ tableName: table, condition: ignore(), primaryKey: key('fresh'), attributeColumns: [{ a: '3' }] });
      await expectOtsError(updateWith('never-written', expectExist()), 403, 'OTSConditionCheckFail', 'Condition check failed.');
      await expectOtsError(
        client.deleteRow({ tableName: table, condition: expectExist(), primaryKey: key('never-written') }),
        403,
        'OTSConditionCheckFail',
      );
      expect(server.rows(table).some((r) => r.primaryKey.id === 'never-written')).toBe(false);
    });

    it('passes a condition on a missing column only when passIfMissing is true (the SDK default)', async () => {
      await seed('missing-column');
      await updateWith('missing-column', expectExist(single('absent', 'x', CT.EQUAL)));
      await expectOtsError(
        updateWith('missing-column', expectExist(single('absent', 'x', CT.EQUAL, false))),
        403,
        'OTSConditionCheckFail',
      );
    });

    it('compares with every comparator, integers as integers', async () => {
      await seed('compare');
      const passing = [
        single('version', Long.fromNumber(1), CT.EQUAL, false),
        single('version', Long.fromNumber(2), CT.NOT_EQUAL, false),
        single('version', Long.fromNumber(0), CT.GREATER_THAN, false),
        single('version', Long.fromNumber(1), CT.GREATER_EQUAL, false),
        single('version', Long.fromNumber(10), CT.LESS_THAN, false),
        single('version', Long.fromNumber(1), CT.LESS_EQUAL, false),
        single('status', 'A', CT.GREATER_THAN, false),
      ];
      for (const condition of passing) await updateWith('compare', expectExist(condition));

      const failing = [
        single('version', Long.fromNumber(2), CT.EQUAL, false),
        single('version', Long.fromNumber(1), CT.NOT_EQUAL, false),
        single('version', Long.fromNumber(1), CT.GREATER_THAN, false),
        single('version', Long.fromNumber(0), CT.LESS_EQUAL, false),
        // a value of another type never matches, not even NOT_EQUAL
        single('version', '1', CT.NOT_EQUAL, false),
      ];
      for (const condition of failing) {
        await expectOtsError(updateWith('compare', expectExist(condition)), 403, 'OTSConditionCheckFail');
      }
    });

    it('combines conditions with AND, OR and NOT', async () => {
      await seed('composite');
      const and = new CompositeCondition(LO.AND);
      and.addSubCondition(single('status', 'NEW', CT.EQUAL, false));
      and.addSubCondition(single('version', Long.fromNumber(2), CT.LESS_THAN, false));
      await updateWith('composite', expectExist(and));

      const or = new CompositeCondition(LO.OR);
      or.addSubCondition(single('status', 'PAID', CT.EQUAL, false));
      or.addSubCondition(single('version', Long.fromNumber(1), CT.EQUAL, false));
      await updateWith('composite', expectExist(or));

      const not = new CompositeCondition(LO.NOT);
      not.addSubCondition(single('status', 'NEW', CT.EQUAL, false));
      await expectOtsError(updateWith('composite', expectExist(not)), 403, 'OTSConditionCheckFail');

      const andFailing = new CompositeCondition(LO.AND);
      andFailing.addSubCondition(single('status', 'NEW', CT.EQUAL, false));
      andFailing.addSubCondition(single('version', Long.fromNumber(1), CT.GREATER_THAN, false));
      await expectOtsError(updateWith('composite', expectExist(andFailing)), 403, 'OTSConditionCheckFail');
    });

    it('filters reads with columnFilter', async () => {
      await seed('filtered');
      const kept = await client.getRow({ tableName: table, primaryKey: key('filtered'), columnFilter: single('status', 'NEW', CT.EQUAL, false) });
      expect(attributesOf(kept.row).status).toBe('NEW');
      const dropped = await client.getRow({ tableName: table, primaryKey: key('filtered'), columnFilter: single('status', 'PAID', CT.EQUAL, false) });
      expect(dropped.row).toEqual({});
    });
  });

  describe('batch operations', () => {
    const table = uniqueName('batch');
    const key = (id: string) => [{ id }];

    beforeAll(async () => {
      await createTable(client, table, { primaryKey: [{ name: 'id', type: 'STRING' }] });
    });

    it('reports BatchWriteRow results per row, with string error codes', async () => {
      for (const id of ['taken', 'doomed']) {
        await client.putRow({ tableName: table, condition: ignore(), primaryKey: key(id), attributeColumns: [{ v: 'before' }] });
      }
      const result = await client.batchWriteRow({
        tables: [
          {
            tableName: table,
            rows: [
              { type: 'PUT', condition: expectNotExist(), primaryKey: key('taken'), attributeColumns: [{ v: 'after' }] },
              { type: 'PUT', condition: ignore(), primaryKey: key('added'), attributeColumns: [{ v: 'after' }] },
              { type: 'UPDATE', condition: expectExist(), primaryKey: key('absent'), attributeColumns: [{ PUT: [{ v: 'after' }] }] },
              { type: 'DELETE', condition: ignore(), primaryKey: key('doomed') },
            ],
          },
        ],
      });

      const outcomes = result.tables.map((row: SdkRow) => [row.isOk, row.errorCode, row.errorMessage]);
      expect(outcomes).toEqual([
        [false, 'OTSConditionCheckFail', 'Condition check failed.'],
        [true, null, null],
        [false, 'OTSConditionCheckFail', 'Condition check failed.'],
        [true, null, null],
      ]);
      const stored = Object.fromEntries(server.rows(table).map((r) => [r.primaryKey.id, r.attributes.v]));
      expect(stored).toEqual({ taken: 'before', added: 'after' });
    });

    it('reads rows with BatchGetRow: hits, misses and per-row key errors', async () => {
      await client.putRow({ tableName: table, condition: ignore(), primaryKey: key('get-me'), attributeColumns: [{ v: 'here' }] });
      const result = await client.batchGetRow({
        tables: [{ tableName: table, primaryKey: [key('get-me'), key('not-there'), [{ id: 'x' }, { extra: 'y' }]] }],
      });
      const [hit, miss, invalid] = result.tables[0];
      expect(hit.isOk).toBe(true);
      expect(attributesOf(hit)).toEqual({ v: 'here' });
      expect(miss.isOk).toBe(true);
      expect(miss.primaryKey).toBeNull();
      expect(invalid.isOk).toBe(false);
      expect(invalid.errorCode).toBe('OTSInvalidPK');
      expect(invalid.errorMessage).toBe('Validate PK size fail. Input: 2, Meta: 1.');
    });

    it('fails the whole BatchWriteRow when one of its tables is missing, writing nothing', async () => {
      await expectOtsError(
        client.batchWriteRow({
          tables: [
            { tableName: table, rows: [{ type: 'PUT', condition: ignore(), primaryKey: key('not-written'), attributeColumns: [{ v: '1' }] }] },
            { tableName: 'no_such_table', rows: [{ type: 'PUT', condition: ignore(), primaryKey: key('x'), attributeColumns: [{ v: '1' }] }] },
          ],
        }),
        404,
        'OTSObjectNotExist',
      );
      expect(server.rows(table).some((r) => r.primaryKey.id === 'not-written')).toBe(false);
    });
  });

  describe('GetRange', () => {
    const table = uniqueName('range');
    const keys: Array<[string, string]> = [
      ['a', '-5'],
      ['a', '2'],
      ['a', '10'],
      ['a', '9007199254740993'],
      ['ab', '0'],
      ['b', '1'],
    ];
    const expected = keys.map(([part, seq]) => [`part=${part}`, `seq=${seq}`]);
    const bound = (part: unknown, seq: unknown) => [{ part }, { seq }];
    const range = (start: unknown[], end: unknown[], extra: Record<string, unknown> = {}) =>
      client.getRange({ tableName: table, direction: Direction.FORWARD, inclusiveStartPrimaryKey: start, exclusiveEndPrimaryKey: end, ...extra });

    /** Follows nextStartPrimaryKey until the server reports no more rows; returns the page sizes too. */
    const readAllPages = async (direction: string, start: unknown[], end: unknown[], limit: number) => {
      const rows: string[][] = [];
      const pages: number[] = [];
      let next: unknown[] | null = start;
      while (next) {
        const page: SdkRow = await client.getRange({ tableName: table, direction, inclusiveStartPrimaryKey: next, exclusiveEndPrimaryKey: end, limit });
        pages.push(page.rows.length);
        rows.push(...page.rows.map(keyOf));
        next = page.nextStartPrimaryKey && page.nextStartPrimaryKey.map((column: SdkRow) => ({ [column.name]: column.value }));
      }
      return { rows, pages };
    };

    beforeAll(async () => {
      await createTable(client, table, {
        primaryKey: [
          { name: 'part', type: 'STRING' },
          { name: 'seq', type: 'INTEGER' },
        ],
      });
      // written out of order: the server must sort them
      for (const [part, seq] of [...keys].reverse()) {
        await client.putRow({
          tableName: table,
          condition: ignore(),
          primaryKey: bound(part, Long.fromString(seq)),
          attributeColumns: [{ label: `${part}/${seq}` }],
        });
      }
    });

    it('scans forward from INF_MIN to INF_MAX in Tablestore key order', async () => {
      const result = await range(bound(INF_MIN, INF_MIN), bound(INF_MAX, INF_MAX));
      expect(result.rows.map(keyOf)).toEqual(expected);
      expect(result.nextStartPrimaryKey).toBeNull();
      expect(attributesOf(result.rows[0]).label).toBe('a/-5');
    });

    it('scans backward from INF_MAX to INF_MIN', async () => {
      const result = await client.getRange({
        tableName: table,
        direction: Direction.BACKWARD,
        inclusiveStartPrimaryKey: bound(INF_MAX, INF_MAX),
        exclusiveEndPrimaryKey: bound(INF_MIN, INF_MIN),
      });
      expect(result.rows.map(keyOf)).toEqual([...expected].reverse());
    });

    it('reads a key prefix and honours inclusive start and exclusive end in both directions', async () => {
      const prefix = await range(bound('a', INF_MIN), bound('a', INF_MAX));
      expect(prefix.rows.map(keyOf)).toEqual(expected.slice(0, 4));

      const forward = await range(bound('a', Long.fromNumber(2)), bound('a', Long.fromNumber(10)));
      expect(forward.rows.map(keyOf)).toEqual([['part=a', 'seq=2']]);

      const backward = await client.getRange({
        tableName: table,
        direction: Direction.BACKWARD,
        inclusiveStartPrimaryKey: bound('a', Long.fromNumber(10)),
        exclusiveEndPrimaryKey: bound('a', Long.fromNumber(2)),
      });
      expect(backward.rows.map(keyOf)).toEqual([['part=a', 'seq=10']]);
    });

    it('pages with limit and nextStartPrimaryKey, forward and backward', async () => {
      const forward = await readAllPages(Direction.FORWARD, bound(INF_MIN, INF_MIN), bound(INF_MAX, INF_MAX), 4);
      expect(forward.rows).toEqual(expected);
      expect(forward.pages).toEqual([4, 2]);

      const backward = await readAllPages(Direction.BACKWARD, bound(INF_MAX, INF_MAX), bound(INF_MIN, INF_MIN), 5);
      expect(backward.rows).toEqual([...expected].reverse());
      expect(backward.pages).toEqual([5, 1]);
    });

    it('rejects a start key on the wrong side of the end key', async () => {
      await expectOtsError(
        range(bound('b', INF_MIN), bound('a', INF_MIN)),
        400,
        'OTSParameterInvalid',
        'Begin key must less than end key in FORWARD',
      );
    });
  });

  describe('global secondary index', () => {
    const table = uniqueName('orders');
    const index = `${table}_by_status`;
    const order = (pk: string, attributeColumns: unknown[]) =>
      client.putRow({ tableName: table, condition: ignore(), primaryKey: [{ pk }], attributeColumns });

    beforeAll(async () => {
      await createTable(client, table, {
        primaryKey: [{ name: 'pk', type: 'STRING' }],
        definedColumn: [
          { name: 'status', type: TableStore.DefinedColumnType.DCT_STRING },
          { name: 'updatedAt', type: TableStore.DefinedColumnType.DCT_INTEGER },
        ],
        indexMetas: [{ name: index, primaryKey: ['status'], definedColumn: ['updatedAt'] }],
      });
    });

    it('is described with its table and keyed by the index columns then the main key', async () => {
      const described = await client.describeTable({ tableName: table });
      expect(described.indexMetas.map((meta: SdkRow) => [meta.name, meta.primaryKey, meta.definedColumn])).toEqual([
        [index, ['status'], ['updatedAt']],
      ]);

      await order('o1', [{ status: 'NEW' }, { updatedAt: Long.fromNumber(5) }]);
      await order('o2', [{ status: 'PAID' }]);
      await order('o3', [{ note: 'no status, so not indexed' }]);
      expect(server.rows(index)).toEqual([
        { primaryKey: { status: 'NEW', pk: 'o1' }, attributes: { updatedAt: 5n } },
        { primaryKey: { status: 'PAID', pk: 'o2' }, attributes: {} },
      ]);
    });

    it('moves, drops and pages index rows as the main rows change', async () => {
      await client.updateRow({
        tableName: table,
        condition: expectExist(),
        primaryKey: [{ pk: 'o1' }],
        updateOfAttributeColumns: [{ PUT: [{ status: 'PAID' }, { updatedAt: Long.fromNumber(6) }] }],
      });
      await order('o4', [{ status: 'SHIPPED' }]);

      const paid: string[][] = [];
      let start: unknown[] | null = [{ status: 'PAID' }, { pk: INF_MIN }];
      while (start) {
        const page: SdkRow = await client.getRange({
          tableName: index,
          direction: Direction.FORWARD,
          inclusiveStartPrimaryKey: start,
          exclusiveEndPrimaryKey: [{ status: 'PAID' }, { pk: INF_MAX }],
          limit: 1,
        });
        paid.push(...page.rows.map(keyOf));
        start = page.nextStartPrimaryKey && page.nextStartPrimaryKey.map((column: SdkRow) => ({ [column.name]: column.value }));
      }
      expect(paid).toEqual([
        ['status=PAID', 'pk=o1'],
        ['status=PAID', 'pk=o2'],
      ]);

      await client.updateRow({ tableName: table, condition: ignore(), primaryKey: [{ pk: 'o2' }], updateOfAttributeColumns: [{ DELETE_ALL: ['status'] }] });
      await client.deleteRow({ tableName: table, condition: ignore(), primaryKey: [{ pk: 'o4' }] });
      expect(server.rows(index).map((row) => row.primaryKey)).toEqual([{ status: 'PAID', pk: 'o1' }]);
      expect(server.rows(index)[0]!.attributes).toEqual({ updatedAt: 6n });
    });

    it('refuses direct writes to the index table and deletes it with its table', async () => {
      await expectOtsError(
        client.putRow({ tableName: index, condition: ignore(), primaryKey: [{ status: 'X' }, { pk: 'x' }], attributeColumns: [] }),
        400,
        'OTSParameterInvalid',
      );
      await client.deleteTable({ tableName: table });
      await expectOtsError(
        client.getRange({
          tableName: index,
          direction: Direction.FORWARD,
          inclusiveStartPrimaryKey: [{ status: INF_MIN }, { pk: INF_MIN }],
          exclusiveEndPrimaryKey: [{ status: INF_MAX }, { pk: INF_MAX }],
        }),
        404,
        'OTSObjectNotExist',
      );
    });
  });

  describe('authentication', () => {
    it('rejects a request signed with the wrong secret with OTSAuthFailed', async () => {
      const intruder = newClient(server, { secretAccessKey: 'wrong-secret' });
      await expectOtsError(intruder.listTable({}), 403, 'OTSAuthFailed', 'Signature mismatch.');
    });

    it('rejects an unknown access key id', async () => {
      const stranger = newClient(server, { accessKeyId: 'unknown-id' });
      await expectOtsError(stranger.listTable({}), 403, 'OTSAuthFailed', 'The AccessKeyID does not exist.');
    });

    it('rejects a body that does not match x-ots-contentmd5, answering with a protobuf Error', async () => {
      const body = Buffer.from(mainCodec('ListTableRequest').encode({}).finish());
      const headers: Record<string, string> = {
        'x-ots-date': new Date(0).toISOString(),
        'x-ots-apiversion': '2015-12-31',
        'x-ots-accesskeyid': server.accessKeyId,
        'x-ots-instancename': server.instanceName,
        'x-ots-contentmd5': 'AAAAAAAAAAAAAAAAAAAAAA==',
      };
      headers['x-ots-signature'] = sign(server.accessKeySecret, stringToSign('/ListTable', 'POST', headers));

      const response = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
        const req = httpRequest(`${server.endpoint}/ListTable`, { method: 'POST', headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end(body);
      });

      expect(response.status).toBe(403);
      expect(mainCodec<{ code: string; message: string }>('Error').decode(response.body)).toMatchObject({
        code: 'OTSAuthFailed',
        message: 'Mismatch between MD5 value of request body and x-ots-contentmd5 in header.',
      });
    });
  });

  describe('test hooks', () => {
    it('failNext makes the next call of that operation fail once, leaving others alone', async () => {
      const table = uniqueName('fail_next');
      await createTable(client, table, { primaryKey: [{ name: 'id', type: 'STRING' }] });
      server.failNext('PutRow', { httpStatus: 503, code: 'OTSServerUnavailable', message: 'Server is not available.' });

      await client.getRow({ tableName: table, primaryKey: [{ id: 'a' }] });
      await expectOtsError(
        client.putRow({ tableName: table, condition: ignore(), primaryKey: [{ id: 'a' }], attributeColumns: [{ v: '1' }] }),
        503,
        'OTSServerUnavailable',
        'Server is not available.',
      );
      expect(server.rows(table)).toEqual([]);

      await client.putRow({ tableName: table, condition: ignore(), primaryKey: [{ id: 'a' }], attributeColumns: [{ v: '1' }] });
      expect(server.rows(table)).toEqual([{ primaryKey: { id: 'a' }, attributes: { v: '1' } }]);
    });

    it('dropNextResponse applies the write but leaves the client with a networking error', async () => {
      const table = uniqueName('drop_response');
      await createTable(client, table, { primaryKey: [{ name: 'id', type: 'STRING' }] });
      server.dropNextResponse('putRow');

      const lost = await rejectionOf(
        client.putRow({ tableName: table, condition: expectNotExist(), primaryKey: [{ id: 'a' }], attributeColumns: [{ v: '1' }] }),
      );
      expect(lost.code).toBe('NetworkingError');
      expect(server.rows(table)).toEqual([{ primaryKey: { id: 'a' }, attributes: { v: '1' } }]);

      // a retry of the same conditional write now meets the row it wrote
      await expectOtsError(
        client.putRow({ tableName: table, condition: expectNotExist(), primaryKey: [{ id: 'a' }], attributeColumns: [{ v: '1' }] }),
        403,
        'OTSConditionCheckFail',
      );
    });
  });
});

describe('Tablestore test server lifecycle', () => {
  it('keeps its data across stop and a restart on the same port', async () => {
    const first = await startTablestoreServer();
    const client = newClient(first);
    const table = uniqueName('restart');
    await createTable(client, table, { primaryKey: [{ name: 'id', type: 'STRING' }] });
    await client.putRow({ tableName: table, condition: ignore(), primaryKey: [{ id: 'kept' }], attributeColumns: [{ v: 'yes' }] });
    await first.stop();

    // PutRow is not retried by the SDK, so a stopped server shows up at once as a networking error
    const down = await rejectionOf(
      client.putRow({ tableName: table, condition: ignore(), primaryKey: [{ id: 'lost' }], attributeColumns: [{ v: 'no' }] }),
    );
    expect(down.code).toBe('NetworkingError');

    const second = await startTablestoreServer({ port: first.port, state: first.state });
    try {
      expect(second.endpoint).toBe(first.endpoint);
      const { row } = await client.getRow({ tableName: table, primaryKey: [{ id: 'kept' }] });
      expect(attributesOf(row)).toEqual({ v: 'yes' });
      expect(second.rows(table).map((r) => r.primaryKey.id)).toEqual(['kept']);
    } finally {
      await second.stop();
    }
  });

  it('expires cells past the table TTL by its injected clock', async () => {
    let now = 1_700_000_000_000;
    const server = await startTablestoreServer({ clock: { now: () => now } });
    try {
      const client = newClient(server);
      const table = uniqueName('ttl');
      await createTable(client, table, { primaryKey: [{ name: 'id', type: 'STRING' }], tableOptions: { timeToLive: 86400 } });
      await client.putRow({ tableName: table, condition: ignore(), primaryKey: [{ id: 'a' }], attributeColumns: [{ v: '1' }] });

      now += 86_400_000;
      expect(attributesOf((await client.getRow({ tableName: table, primaryKey: [{ id: 'a' }] })).row)).toEqual({ v: '1' });
      now += 1;
      expect((await client.getRow({ tableName: table, primaryKey: [{ id: 'a' }] })).row).toEqual({});
    } finally {
      await server.stop();
    }
  });
});
