/**
 * The store's tables, their columns and their global secondary indexes: one definition shared by
 * the adapter (names) and provisioning (CreateTable requests).
 */
import TableStore from 'tablestore';

export const DEFAULT_TABLE_PREFIX = 'rotor_';

/** Tablestore table and index names: a letter or underscore, then letters, digits and underscores. */
const TABLE_PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,200}$/;

export const SECRET_COLUMNS = {
  name: 'name',
  record: 'record',
  revision: 'revision',
  rotationDue: 'rotation_due',
  purgeDue: 'purge_due',
  leaseDue: 'lease_due',
  driftDue: 'drift_due',
  /** The driver kind of the job in flight ('' when unknown); absent without a job. */
  jobKind: 'job_kind',
} as const;

export const VERSION_COLUMNS = {
  secretName: 'secret_name',
  versionId: 'version_id',
  createdAt: 'created_at',
  envelope: 'envelope',
} as const;

export const NONCE_COLUMNS = {
  nonce: 'nonce',
  expiresAt: 'expires_at',
} as const;

export const ACCESS_KEY_COLUMNS = {
  accessKeyId: 'access_key_id',
  record: 'record',
  revision: 'revision',
} as const;

/** Audit rows sort newest first: the key is (MAX_SAFE_INTEGER - time, request id). */
export const AUDIT_COLUMNS = {
  reverseTime: 'reverse_time',
  requestId: 'request_id',
  record: 'record',
} as const;

/** Sent alerts, one row per dedup key until its claim expires. */
export const ALERT_DEDUP_COLUMNS = {
  dedupKey: 'dedup_key',
  expiresAt: 'expires_at',
} as const;

export interface TableNames {
  secrets: string;
  versions: string;
  nonces: string;
  accessKeys: string;
  auditRecords: string;
  alertDedup: string;
  /** GSI on secrets: [rotation_due, name]; rows without rotation_due are not in it. */
  rotationDueIndex: string;
  /** GSI on secrets: [purge_due, name]. */
  purgeDueIndex: string;
  /** GSI on secrets: [lease_due, name] with job_kind: the reconciler's index, and the in-flight count. */
  leaseDueIndex: string;
  /** GSI on secrets: [drift_due, name]. */
  driftDueIndex: string;
}

export const assertTablePrefix = (prefix: string): void => {
  if (prefix !== '' && !TABLE_PREFIX_PATTERN.test(prefix)) {
    throw new Error(
      `Tablestore table prefix "${prefix}" is invalid: use letters, digits and underscores, not starting with a digit.`,
    );
  }
};

export const tableNames = (prefix: string = DEFAULT_TABLE_PREFIX): TableNames => {
  assertTablePrefix(prefix);
  return {
    secrets: `${prefix}secrets`,
    versions: `${prefix}versions`,
    nonces: `${prefix}nonces`,
    accessKeys: `${prefix}access_keys`,
    auditRecords: `${prefix}audit_records`,
    alertDedup: `${prefix}alert_dedup`,
    rotationDueIndex: `${prefix}secrets_by_rotation_due`,
    purgeDueIndex: `${prefix}secrets_by_purge_due`,
    leaseDueIndex: `${prefix}secrets_by_lease_due`,
    driftDueIndex: `${prefix}secrets_by_drift_due`,
  };
};

const { STRING, INTEGER } = TableStore.PrimaryKeyType;
const { DCT_INTEGER, DCT_STRING } = TableStore.DefinedColumnType;

/**
 * Options every table gets. TTL -1 is required on a table with an index (unless updates are
 * disallowed), and kept on the others so no row ever expires behind the store's back. One version
 * per cell: the store never reads history.
 */
const TABLE_OPTIONS = { timeToLive: -1, maxVersions: 1 };
const ON_DEMAND = { capacityUnit: { read: 0, write: 0 } };

export const tableDefinitions = (names: TableNames): TableStore.CreateTableParams[] => [
  {
    tableMeta: {
      tableName: names.secrets,
      primaryKey: [{ name: SECRET_COLUMNS.name, type: STRING }],
      // Index key columns must be predefined with their type.
      definedColumn: [
        { name: SECRET_COLUMNS.rotationDue, type: DCT_INTEGER },
        { name: SECRET_COLUMNS.purgeDue, type: DCT_INTEGER },
        { name: SECRET_COLUMNS.leaseDue, type: DCT_INTEGER },
        { name: SECRET_COLUMNS.driftDue, type: DCT_INTEGER },
        { name: SECRET_COLUMNS.jobKind, type: DCT_STRING },
      ],
    },
    reservedThroughput: ON_DEMAND,
    tableOptions: TABLE_OPTIONS,
    indexMetas: [
      {
        name: names.rotationDueIndex,
        primaryKey: [SECRET_COLUMNS.rotationDue],
        definedColumn: [],
        indexUpdateMode: TableStore.IndexUpdateMode.IUM_ASYNC_INDEX,
        indexType: TableStore.IndexType.IT_GLOBAL_INDEX,
      },
      {
        name: names.purgeDueIndex,
        primaryKey: [SECRET_COLUMNS.purgeDue],
        definedColumn: [],
        indexUpdateMode: TableStore.IndexUpdateMode.IUM_ASYNC_INDEX,
        indexType: TableStore.IndexType.IT_GLOBAL_INDEX,
      },
      {
        name: names.leaseDueIndex,
        primaryKey: [SECRET_COLUMNS.leaseDue],
        // Carried in the index so counting rotations in flight per kind reads no main-table row.
        definedColumn: [SECRET_COLUMNS.jobKind],
        indexUpdateMode: TableStore.IndexUpdateMode.IUM_ASYNC_INDEX,
        indexType: TableStore.IndexType.IT_GLOBAL_INDEX,
      },
      {
        name: names.driftDueIndex,
        primaryKey: [SECRET_COLUMNS.driftDue],
        definedColumn: [],
        indexUpdateMode: TableStore.IndexUpdateMode.IUM_ASYNC_INDEX,
        indexType: TableStore.IndexType.IT_GLOBAL_INDEX,
      },
    ],
  },
  {
    tableMeta: {
      tableName: names.versions,
      primaryKey: [
        { name: VERSION_COLUMNS.secretName, type: STRING },
        { name: VERSION_COLUMNS.versionId, type: STRING },
      ],
    },
    reservedThroughput: ON_DEMAND,
    tableOptions: TABLE_OPTIONS,
  },
  {
    tableMeta: {
      tableName: names.nonces,
      primaryKey: [{ name: NONCE_COLUMNS.nonce, type: STRING }],
    },
    reservedThroughput: ON_DEMAND,
    tableOptions: TABLE_OPTIONS,
  },
  {
    tableMeta: {
      tableName: names.accessKeys,
      primaryKey: [{ name: ACCESS_KEY_COLUMNS.accessKeyId, type: STRING }],
    },
    reservedThroughput: ON_DEMAND,
    tableOptions: TABLE_OPTIONS,
  },
  {
    tableMeta: {
      tableName: names.auditRecords,
      primaryKey: [
        { name: AUDIT_COLUMNS.reverseTime, type: INTEGER },
        { name: AUDIT_COLUMNS.requestId, type: STRING },
      ],
    },
    reservedThroughput: ON_DEMAND,
    tableOptions: TABLE_OPTIONS,
  },
  {
    tableMeta: {
      tableName: names.alertDedup,
      primaryKey: [{ name: ALERT_DEDUP_COLUMNS.dedupKey, type: STRING }],
    },
    reservedThroughput: ON_DEMAND,
    tableOptions: TABLE_OPTIONS,
  },
];
