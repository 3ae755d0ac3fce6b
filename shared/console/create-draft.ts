/**
 * The Create Secret wizard's draft: what step 1 and step 2 collect, and how it becomes KMS's
 * CreateSecret input for each type (SecretData and ExtendedConfig in the formats the drivers
 * document). Field rules beyond presence are the use case's: its errors are shown as they are.
 */
import type { CreateSecretInput } from '../app/commands.js';
import { invalidParameter, missingParameter } from '../domain/errors.js';

export const WIZARD_TYPES = ['Generic', 'ECS', 'RAMCredentials', 'Rds'] as const;
export type WizardType = (typeof WIZARD_TYPES)[number];

export interface RdsAccountInput {
  name: string;
  password: string;
}

export interface Draft {
  type: WizardType;
  name: string;
  description: string;
  generic: { value: string; generated: boolean };
  ecs: { instanceId: string; regionId: string; userName: string; kind: 'Password' | 'SSHKey'; password: string; publicKey: string; privateKey: string };
  ram: { userName: string; accessKeyId: string; accessKeySecret: string };
  rds: {
    instanceId: string;
    strategy: 'DoubleUsers' | 'SingleUser';
    mode: 'create' | 'import';
    accountName: string;
    accountType: 'Normal' | 'Super';
    database: string;
    privilege: string;
    accounts: RdsAccountInput[];
  };
  rotation: { enabled: boolean; period: number; unit: 'd' | 'h' } | null;
}

type Form = Record<string, string>;

const pick = <T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T =>
  (allowed as readonly string[]).includes(value ?? '') ? (value as T) : fallback;

/** A secret field left blank when editing keeps what was entered before (the page never shows it again). */
const secretField = (form: Form, name: string, previous: string): string => {
  const given = form[name] ?? '';
  return given === '' ? previous : given;
};

export const emptyDraft = (region: string): Draft => ({
  type: 'Generic',
  name: '',
  description: '',
  generic: { value: '', generated: false },
  ecs: { instanceId: '', regionId: region, userName: 'root', kind: 'Password', password: '', publicKey: '', privateKey: '' },
  ram: { userName: '', accessKeyId: '', accessKeySecret: '' },
  rds: { instanceId: '', strategy: 'DoubleUsers', mode: 'create', accountName: '', accountType: 'Normal', database: '', privilege: 'ReadWrite', accounts: [] },
  rotation: null,
});

export const draftFromCredentialsForm = (form: Form, previous: Draft): Draft => {
  const type = pick(form.type, WIZARD_TYPES, previous.type);
  const t = (name: string) => (form[name] ?? '').trim();
  const strategy = pick(form.rds_strategy, ['DoubleUsers', 'SingleUser'] as const, 'DoubleUsers');
  const prevAccounts = previous.rds.accounts;
  const accounts = [1, 2]
    .slice(0, strategy === 'DoubleUsers' ? 2 : 1)
    .map((n, i) => ({ name: t(`rds_import_name${n}`), password: secretField(form, `rds_import_password${n}`, prevAccounts[i]?.password ?? '') }));
  return {
    type,
    name: t('name'),
    description: t('description'),
    generic: { value: secretField(form, 'generic_value', previous.generic.value), generated: form.generic_generated === 'on' },
    ecs: {
      instanceId: t('ecs_instance'),
      regionId: t('ecs_region'),
      userName: t('ecs_user'),
      kind: pick(form.ecs_kind, ['Password', 'SSHKey'] as const, 'Password'),
      password: secretField(form, 'ecs_password', previous.ecs.password),
      publicKey: t('ecs_public_key'),
      privateKey: secretField(form, 'ecs_private_key', previous.ecs.privateKey),
    },
    ram: { userName: t('ram_user'), accessKeyId: t('ram_key_id'), accessKeySecret: secretField(form, 'ram_key_secret', previous.ram.accessKeySecret) },
    rds: {
      instanceId: t('rds_instance'),
      strategy,
      mode: pick(form.rds_mode, ['create', 'import'] as const, 'create'),
      accountName: t('rds_account'),
      accountType: strategy === 'DoubleUsers' ? 'Normal' : pick(form.rds_account_type, ['Normal', 'Super'] as const, 'Normal'),
      database: t('rds_db'),
      privilege: t('rds_privilege'),
      accounts,
    },
    rotation: previous.rotation,
  };
};

const required = (value: string, field: string): void => {
  if (value === '') throw missingParameter(field);
};

/** Presence checks of step 1, naming the form's fields. */
export const checkCredentials = (d: Draft): void => {
  if (d.type !== 'RAMCredentials') required(d.name, 'Secret name');
  switch (d.type) {
    case 'Generic':
      return required(d.generic.value, 'Secret value');
    case 'ECS':
      required(d.ecs.instanceId, 'Managed instance');
      required(d.ecs.userName, 'Managed user');
      if (d.ecs.kind === 'Password') return required(d.ecs.password, 'Initial password');
      required(d.ecs.publicKey, 'Public key');
      return required(d.ecs.privateKey, 'Private key');
    case 'RAMCredentials':
      required(d.ram.userName, 'RAM user');
      required(d.ram.accessKeyId, 'AccessKey ID');
      return required(d.ram.accessKeySecret, 'AccessKey secret');
    case 'Rds':
      required(d.rds.instanceId, 'RDS instance');
      if (d.rds.mode === 'create') return required(d.rds.accountName, 'Account name');
      for (const [i, a] of d.rds.accounts.entries()) {
        required(a.name, `Account ${i + 1} name`);
        required(a.password, `Account ${i + 1} password`);
      }
  }
};

export const hasRotationTarget = (d: Draft): boolean => d.type !== 'Generic' || d.generic.generated;

export const draftWithRotation = (form: Form, d: Draft): Draft => {
  const enabled = form.rotation === 'on';
  const period = Number(form.period ?? '');
  const unit = pick(form.unit, ['d', 'h'] as const, 'd');
  if (enabled) {
    if (!hasRotationTarget(d))
      throw invalidParameter('Automatic rotation', 'needs a rotation target: a managed type, or a Generic secret with a generated password');
    if (!Number.isInteger(period) || period < 1 || period > 8760) throw invalidParameter('Rotation Period', 'must be a whole number of days or hours');
  }
  return { ...d, rotation: { enabled, period: enabled ? period : 0, unit } };
};

const secretDataOf = (d: Draft): string => {
  switch (d.type) {
    case 'Generic':
      return d.generic.value;
    case 'ECS':
      return JSON.stringify(
        d.ecs.kind === 'Password'
          ? { UserName: d.ecs.userName, Password: d.ecs.password }
          : { UserName: d.ecs.userName, PublicKey: d.ecs.publicKey, PrivateKey: d.ecs.privateKey },
      );
    case 'RAMCredentials':
      return JSON.stringify({ AccessKeys: [{ AccessKeyId: d.ram.accessKeyId, AccessKeySecret: d.ram.accessKeySecret }] });
    case 'Rds':
      return JSON.stringify({
        Accounts: d.rds.mode === 'create' ? [] : d.rds.accounts.map((a) => ({ AccountName: a.name, AccountPassword: a.password })),
      });
  }
};

const extendedConfigOf = (d: Draft): Record<string, unknown> | null => {
  switch (d.type) {
    case 'Generic':
      return d.generic.generated ? { SecretSubType: 'GeneratedPassword' } : null;
    case 'ECS':
      return { SecretSubType: d.ecs.kind, RegionId: d.ecs.regionId, InstanceId: d.ecs.instanceId };
    case 'RAMCredentials':
      return { SecretSubType: 'RamUserAccessKey', UserName: d.ram.userName };
    case 'Rds': {
      const create =
        d.rds.mode !== 'create'
          ? undefined
          : d.rds.accountType === 'Super'
            ? { AccountName: d.rds.accountName, AccountType: 'Super' }
            : { AccountName: d.rds.accountName, AccountType: 'Normal', DBName: d.rds.database, Privilege: d.rds.privilege };
      return { SecretSubType: d.rds.strategy, DBInstanceId: d.rds.instanceId, ...(create ? { CreateAccounts: create } : {}) };
    }
  }
};

/** The settings shown on the review step: everything but the secret value. */
export const reviewRows = (d: Draft): [string, string][] => {
  const config = extendedConfigOf(d);
  const rotation = d.rotation?.enabled ? `On, every ${d.rotation.period} ${d.rotation.unit === 'd' ? 'days' : 'hours'}` : 'Off';
  const rows: [string, string][] = [
    ['Secret name', d.type === 'RAMCredentials' ? `acs/ram/user/${d.ram.userName}` : d.name],
    ['Description', d.description || '—'],
  ];
  if (config) rows.push(['Extended config', JSON.stringify(config)]);
  if (d.type === 'ECS') rows.push(['Managed user', d.ecs.userName]);
  if (d.type === 'RAMCredentials') rows.push(['AccessKey ID', d.ram.accessKeyId]);
  if (d.type === 'Rds' && d.rds.mode === 'import') rows.push(['Imported accounts', d.rds.accounts.map((a) => a.name).join(', ')]);
  rows.push(['Secret value', d.type === 'Rds' && d.rds.mode === 'create' ? 'Generated when the accounts are created' : 'Entered (hidden)']);
  rows.push(['Automatic rotation', rotation]);
  return rows;
};

export const toCreateInput = (d: Draft, versionId: string): CreateSecretInput => {
  const config = extendedConfigOf(d);
  return {
    secretName: d.type === 'RAMCredentials' ? '$Auto' : d.name,
    versionId,
    secretData: secretDataOf(d),
    secretType: d.type,
    ...(d.description ? { description: d.description } : {}),
    ...(config ? { extendedConfig: JSON.stringify(config) } : {}),
    ...(d.rotation?.enabled ? { enableAutomaticRotation: true, rotationInterval: `${d.rotation.period}${d.rotation.unit}` } : {}),
  };
};

/** A draft opened from a sealed field, checked for shape (it was sealed by us, but from an older build perhaps). */
export const isDraft = (value: unknown): value is Draft =>
  typeof value === 'object' && value !== null && (WIZARD_TYPES as readonly string[]).includes((value as Draft).type) && typeof (value as Draft).ecs === 'object';
