/**
 * Confused-deputy rules: a rotation acts with credentials the caller may not read (a managing
 * secret, the service's own cloud role) on targets the caller names. Both are resources, and a
 * caller who names them must be allowed to use them, as with any secret:
 *
 *   kms:UseManagingSecret        acs:kms:<region>:<account>:secret/<name>     (the managing secret)
 *   kms:RotateTarget             the target (below)
 *   kms:RotatePrivilegedTarget   a privileged target: only a statement that names this action
 *                                itself allows it (`kms:*` or `*` does not)
 *
 * Target names:
 *   acs:ecs:<RegionId>:<account>:instance/<InstanceId>/user/<UserName>
 *   acs:ram::<account>:user/<UserName>
 *   acs:rds:<region>:<account>:dbinstance/<DBInstanceId>/account/<AccountName>
 *   acs:rotor:<region>:<account>:database/<Host>:<Port>/account/<AccountName>   (PostgreSQL, MySQL)
 *   acs:rotor:<region>:<account>:database/<Host>:<Port>/role/<Role>             (DoubleUsers' group role)
 *   acs:rotor:<region>:<account>:host/<Host>:<Port>/user/<UserName>             (LinuxPassword, LinuxSSHKey)
 */
import type { ResourceScope } from '../policy/index.js';

export const USE_MANAGING_SECRET = 'kms:UseManagingSecret';
export const ROTATE_TARGET = 'kms:RotateTarget';
export const ROTATE_PRIVILEGED_TARGET = 'kms:RotatePrivilegedTarget';

export interface TargetResource {
  resource: string;
  /** Root, an administrator, a superuser or a predefined role: needs kms:RotatePrivilegedTarget by name. */
  privileged: boolean;
}

/** How a secret uses a managing secret: what its ManagedScope must admit. */
export interface ManagingUse {
  /** As the ExtendedConfig names it: a secret name or an ARN. */
  reference: string;
  host: string;
  port: number;
  /** Accounts (or OS users) the managing credential will change. */
  accounts: string[];
  /** Roles it will grant. */
  roles: string[];
}

export interface SecretResources {
  managingSecrets: ManagingUse[];
  targets: TargetResource[];
}

export const NO_RESOURCES: SecretResources = { managingSecrets: [], targets: [] };

export const isEmptyResources = (r: SecretResources): boolean => r.managingSecrets.length === 0 && r.targets.length === 0;

export const ecsUserResource = (regionId: string, accountId: string, instanceId: string, user: string): string =>
  `acs:ecs:${regionId}:${accountId}:instance/${instanceId}/user/${user}`;

export const ramUserResource = (accountId: string, user: string): string => `acs:ram::${accountId}:user/${user}`;

export const rdsAccountResource = (scope: ResourceScope, instanceId: string, account: string): string =>
  `acs:rds:${scope.region}:${scope.accountId}:dbinstance/${instanceId}/account/${account}`;

export const databaseAccountResource = (scope: ResourceScope, host: string, port: number, account: string): string =>
  `acs:rotor:${scope.region}:${scope.accountId}:database/${host}:${port}/account/${account}`;

export const databaseRoleResource = (scope: ResourceScope, host: string, port: number, role: string): string =>
  `acs:rotor:${scope.region}:${scope.accountId}:database/${host}:${port}/role/${role}`;

export const hostUserResource = (scope: ResourceScope, host: string, port: number, user: string): string =>
  `acs:rotor:${scope.region}:${scope.accountId}:host/${host}:${port}/user/${user}`;

/**
 * Names that are privileged wherever they appear: OS and cloud administrators, database
 * superusers and the accounts databases keep for themselves. A name is all a pure check can see:
 * a superuser created under another name is kept out by the managing secret's ManagedScope.
 */
const PRIVILEGED_NAMES = new Set([
  'root',
  'toor',
  'administrator',
  'admin',
  'sa',
  'postgres',
  'superuser',
  'rdsadmin',
  'rds_superuser',
  'azure_superuser',
  'cloudsqlsuperuser',
  'aurora',
  'mysql.sys',
  'mysql.session',
  'mysql.infoschema',
  'mariadb.sys',
  'debian-sys-maint',
]);

/** PostgreSQL's predefined roles (pg_read_server_files, pg_execute_server_program, ...) all start so. */
const PREDEFINED_ROLE = /^pg_/i;

export const isPrivilegedName = (name: string): boolean => PRIVILEGED_NAMES.has(name.toLowerCase()) || PREDEFINED_ROLE.test(name);
