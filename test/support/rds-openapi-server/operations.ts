/**
 * The RDS actions the driver uses, answered in RDS's JSON shapes and applied to the instance's
 * real database. Account names and passwords are checked against RDS's documented rules where
 * RDS checks them (CreateAccount, ResetAccountPassword), so a driver that sends what RDS would
 * refuse fails here too.
 */
import type { AccountPrivilege, InstanceDatabase } from './databases.js';
import { PRIVILEGES } from './databases.js';
import {
  accountDuplicate,
  accountNameFormat,
  accountNotFound,
  databaseNotFound,
  instanceNotFound,
  missingParameter,
  passwordFormat,
  privilegeFormat,
} from './errors.js';

export interface RdsInstance {
  id: string;
  regionId: string;
  database: InstanceDatabase;
  /** RDS keeps what it granted; DescribeAccounts reports it. */
  privileges: Map<string, Array<{ DBName: string; AccountPrivilege: AccountPrivilege }>>;
  accountTypes: Map<string, 'Normal' | 'Super'>;
}

export type Params = Record<string, string>;
type Operation = (params: Params, instances: Map<string, RdsInstance>) => Promise<Record<string, unknown>>;

const ACCOUNT_NAME = /^[a-z][a-z0-9_]{0,30}[a-z0-9]$/;
const PASSWORD_SPECIALS = '!@#$%^&*()_+-=';

/** RDS: 8 to 32 characters, at least three of upper, lower, digit, special; specials only from its list. */
export const isValidRdsPassword = (password: string): boolean => {
  if (password.length < 8 || password.length > 32) return false;
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/].filter((re) => re.test(password)).length + ([...password].some((c) => PASSWORD_SPECIALS.includes(c)) ? 1 : 0);
  return classes >= 3 && [...password].every((c) => /[A-Za-z0-9]/.test(c) || PASSWORD_SPECIALS.includes(c));
};

const required = (params: Params, name: string): string => {
  const value = params[name];
  if (value === undefined || value === '') throw missingParameter(name);
  return value;
};

const instanceOf = (params: Params, instances: Map<string, RdsInstance>): RdsInstance => {
  const instance = instances.get(required(params, 'DBInstanceId'));
  if (!instance) throw instanceNotFound();
  return instance;
};

const existingAccount = async (instance: RdsInstance, name: string): Promise<string> => {
  if (!(await instance.database.listAccounts()).includes(name)) throw accountNotFound();
  return name;
};

const describeInstance: Operation = async (params, instances) => {
  const { id, regionId, database } = instanceOf(params, instances);
  return {
    Items: {
      DBInstanceAttribute: [
        {
          DBInstanceId: id,
          RegionId: regionId,
          Engine: database.engine,
          EngineVersion: database.engineVersion,
          DBInstanceStatus: 'Running',
          ConnectionString: database.host,
          Port: String(database.port),
          DBInstanceNetType: 'Intranet',
        },
      ],
    },
  };
};

const describeAccounts: Operation = async (params, instances) => {
  const instance = instanceOf(params, instances);
  const wanted = params.AccountName;
  const names = (await instance.database.listAccounts()).filter((name) => !wanted || name === wanted);
  return {
    Accounts: {
      DBInstanceAccount: names.map((name) => ({
        DBInstanceId: instance.id,
        AccountName: name,
        AccountStatus: 'Available',
        AccountType: instance.accountTypes.get(name) ?? 'Normal',
        DatabasePrivileges: { DatabasePrivilege: instance.privileges.get(name) ?? [] },
      })),
    },
  };
};

const createAccount: Operation = async (params, instances) => {
  const instance = instanceOf(params, instances);
  const name = required(params, 'AccountName');
  const password = required(params, 'AccountPassword');
  if (!ACCOUNT_NAME.test(name)) throw accountNameFormat();
  if (!isValidRdsPassword(password)) throw passwordFormat();
  const type = params.AccountType === 'Super' ? 'Super' : 'Normal';
  if ((await instance.database.listAccounts()).includes(name)) throw accountDuplicate();
  await instance.database.createAccount(name, password, type === 'Super');
  instance.accountTypes.set(name, type);
  return {};
};

const grantAccountPrivilege: Operation = async (params, instances) => {
  const instance = instanceOf(params, instances);
  const name = await existingAccount(instance, required(params, 'AccountName'));
  const databases = required(params, 'DBName').split(',');
  const privileges = required(params, 'AccountPrivilege').split(',');
  if (databases.length !== privileges.length) throw privilegeFormat();
  const granted = instance.privileges.get(name) ?? [];
  for (const [i, dbName] of databases.entries()) {
    const privilege = privileges[i] as AccountPrivilege;
    if (!PRIVILEGES.includes(privilege)) throw privilegeFormat();
    if (!(await instance.database.databaseExists(dbName))) throw databaseNotFound();
    await instance.database.grant(name, dbName, privilege);
    granted.push({ DBName: dbName, AccountPrivilege: privilege });
  }
  instance.privileges.set(name, granted);
  return {};
};

const resetAccountPassword: Operation = async (params, instances) => {
  const instance = instanceOf(params, instances);
  const name = await existingAccount(instance, required(params, 'AccountName'));
  const password = required(params, 'AccountPassword');
  if (!isValidRdsPassword(password)) throw passwordFormat();
  await instance.database.resetPassword(name, password);
  return {};
};

const deleteAccount: Operation = async (params, instances) => {
  const instance = instanceOf(params, instances);
  const name = await existingAccount(instance, required(params, 'AccountName'));
  await instance.database.deleteAccount(name);
  instance.privileges.delete(name);
  instance.accountTypes.delete(name);
  return {};
};

export const RDS_OPERATIONS: Record<string, Operation> = {
  DescribeDBInstanceAttribute: describeInstance,
  DescribeAccounts: describeAccounts,
  CreateAccount: createAccount,
  GrantAccountPrivilege: grantAccountPrivilege,
  ResetAccountPassword: resetAccountPassword,
  DeleteAccount: deleteAccount,
};
