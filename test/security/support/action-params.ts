/**
 * Every action the API answers, with every parameter it reads, and a plausible value for each
 * (so a hostile value in one parameter is not always masked by a missing other one).
 */
import fc from 'fast-check';

export const KMS_ACTION_PARAMS: Readonly<Record<string, readonly string[]>> = {
  CreateSecret: ['SecretName', 'VersionId', 'SecretData', 'SecretDataType', 'SecretType', 'Description', 'EncryptionKeyId', 'ExtendedConfig', 'EnableAutomaticRotation', 'RotationInterval', 'Tags'],
  GetSecretValue: ['SecretName', 'VersionId', 'VersionStage', 'FetchExtendedConfig'],
  PutSecretValue: ['SecretName', 'VersionId', 'SecretData', 'SecretDataType', 'VersionStages'],
  UpdateSecretVersionStage: ['SecretName', 'VersionStage', 'RemoveFromVersion', 'MoveToVersion'],
  DescribeSecret: ['SecretName', 'FetchTags'],
  UpdateSecret: ['SecretName', 'Description'],
  ListSecrets: ['PageNumber', 'PageSize', 'FetchTags', 'Filters'],
  ListSecretVersionIds: ['SecretName', 'IncludeDeprecated', 'PageNumber', 'PageSize'],
  UpdateSecretRotationPolicy: ['SecretName', 'EnableAutomaticRotation', 'RotationInterval'],
  RotateSecret: ['SecretName', 'VersionId', 'SecretData'],
  DeleteSecret: ['SecretName', 'RecoveryWindowInDays', 'ForceDeleteWithoutRecovery'],
  RestoreSecret: ['SecretName'],
  GetRandomPassword: ['PasswordLength', 'ExcludeCharacters', 'ExcludeLowercase', 'ExcludeUppercase', 'ExcludeNumbers', 'ExcludePunctuation', 'RequireEachIncludedType'],
};

export const ADMIN_ACTION_PARAMS: Readonly<Record<string, readonly string[]>> = {
  CreateAccessKey: ['Description'],
  ListAccessKeys: [],
  UpdateAccessKey: ['UserAccessKeyId', 'Status'],
  DeleteAccessKey: ['UserAccessKeyId'],
  PutAccessKeyPolicy: ['UserAccessKeyId', 'PolicyName', 'PolicyDocument'],
  GetAccessKeyPolicy: ['UserAccessKeyId', 'PolicyName'],
  DeleteAccessKeyPolicy: ['UserAccessKeyId', 'PolicyName'],
  ListAuditRecords: ['PageNumber', 'PageSize', 'FilterAccessKeyId', 'SecretName', 'FilterAction', 'StartTime', 'EndTime'],
};

export const ACTION_PARAMS: Readonly<Record<string, readonly string[]>> = { ...KMS_ACTION_PARAMS, ...ADMIN_ACTION_PARAMS };

/** The parameters of an action; none for an unknown one (`toString` included: no prototype lookups). */
export const paramsOf = (action: string): readonly string[] => (Object.hasOwn(ACTION_PARAMS, action) ? ACTION_PARAMS[action]! : []);

export const isKmsAction = (action: string): boolean => Object.hasOwn(KMS_ACTION_PARAMS, action);
export const ALL_ACTIONS: readonly string[] = Object.keys(ACTION_PARAMS);

/** Actions that write durable state when they succeed. */
export const STATE_CHANGING_ACTIONS: ReadonlySet<string> = new Set([
  'CreateSecret',
  'PutSecretValue',
  'UpdateSecretVersionStage',
  'UpdateSecret',
  'UpdateSecretRotationPolicy',
  'RotateSecret',
  'DeleteSecret',
  'RestoreSecret',
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'PutAccessKeyPolicy',
  'DeleteAccessKeyPolicy',
]);

export const READ_ACTIONS: readonly string[] = ALL_ACTIONS.filter((a) => !STATE_CHANGING_ACTIONS.has(a));

/** Names nobody serves, or spells differently. */
export const UNKNOWN_ACTIONS: readonly string[] = ['getsecretvalue', 'GETSECRETVALUE', 'GetSecretValue ', 'CreateKey', 'Decrypt', 'ListSecrets\u0000', '__proto__', 'constructor', 'toString'];

const bool = fc.constantFrom('true', 'false', 'TRUE', 'False');
const pageNumber = fc.constantFrom('1', '2', '10', '100');
const isoTime = fc.constantFrom('2026-01-01T00:00:00Z', '2030-12-31T23:59:59Z', '2020-02-29T12:00:00.123Z');

const PLAUSIBLE: Readonly<Record<string, fc.Arbitrary<string>>> = {
  VersionId: fc.constantFrom('v1', 'v2', 'fz-version', 'initial'),
  SecretData: fc.oneof(fc.string({ maxLength: 64 }), fc.constant('{"user":"u","password":"p"}')),
  SecretDataType: fc.constantFrom('text', 'binary', 'Text', 'BINARY'),
  SecretType: fc.constantFrom('Generic', 'Rds', 'RAMCredentials', 'ECS', 'Redis', 'PolarDB', 'generic'),
  Description: fc.string({ maxLength: 40 }),
  EncryptionKeyId: fc.constantFrom('alias/fz', 'key-fz-1'),
  ExtendedConfig: fc.constantFrom('{}', '{"SecretSubType":"GeneratedPassword"}', '{"SecretSubType":"GeneratedPassword","PasswordLength":16}', '{"UserName":"fz-user"}'),
  EnableAutomaticRotation: bool,
  RotationInterval: fc.constantFrom('6h', '7d', '30d', '21600s', '8760h'),
  Tags: fc.constantFrom('[{"TagKey":"team","TagValue":"fz"}]', '[]'),
  VersionStage: fc.constantFrom('ACSCurrent', 'ACSPrevious', 'custom-stage'),
  FetchExtendedConfig: bool,
  VersionStages: fc.constantFrom('["ACSCurrent"]', '["custom"]', 'ACSCurrent'),
  RemoveFromVersion: fc.constantFrom('v1', 'v2'),
  MoveToVersion: fc.constantFrom('v1', 'v2'),
  FetchTags: bool,
  PageNumber: pageNumber,
  PageSize: fc.constantFrom('1', '10', '100'),
  Filters: fc.constantFrom('[{"Key":"SecretName","Values":["fz"]}]', '[{"Key":"Description","Values":["x"]}]', '[]'),
  IncludeDeprecated: bool,
  RecoveryWindowInDays: fc.constantFrom('7', '15', '30'),
  ForceDeleteWithoutRecovery: bool,
  PasswordLength: fc.constantFrom('8', '32', '128'),
  ExcludeCharacters: fc.string({ maxLength: 10 }),
  ExcludeLowercase: bool,
  ExcludeUppercase: bool,
  ExcludeNumbers: bool,
  ExcludePunctuation: bool,
  RequireEachIncludedType: bool,
  Status: fc.constantFrom('Active', 'Inactive', 'active'),
  PolicyName: fc.constantFrom('fz-policy', 'read'),
  PolicyDocument: fc.constant('{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}'),
  FilterAccessKeyId: fc.constantFrom('LTAIfz', ''),
  FilterAction: fc.constantFrom('GetSecretValue', 'CreateSecret'),
  StartTime: isoTime,
  EndTime: isoTime,
};

export const plausibleValue = (param: string): fc.Arbitrary<string> => PLAUSIBLE[param] ?? fc.string({ maxLength: 20 });
