/**
 * Names an ordinary JavaScript object answers to without being given them, and requests that carry
 * them: as the value of a parameter, as a parameter's name, and as keys inside the parameters that
 * are JSON (Tags, Filters, ExtendedConfig, PolicyDocument, VersionStages).
 */
import { paramsOf } from './action-params.js';
import type { Pairs } from './signed-requests.js';

/** Every own property of Object.prototype (`__proto__` is one, listed again in case an engine hides it). */
export const PROTOTYPE_NAMES: readonly string[] = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

/**
 * A plausible value for each parameter, so the hostile one is not masked by a missing other. Absent
 * ones are not sent. Names a secret or key of the sweep's own, so the sweep cannot disturb the
 * secrets whose stages another test checks.
 */
export const sweepBaseline = (userKeyId: string): Readonly<Record<string, string>> => ({
  SecretName: 'sweep/target',
  VersionId: 'sweep-v9',
  SecretData: 'sweep-value',
  VersionStage: 'ACSCurrent',
  VersionStages: '["ACSCurrent"]',
  MoveToVersion: 'sweep-v1',
  FetchExtendedConfig: 'true',
  FetchTags: 'true',
  PageNumber: '1',
  PageSize: '10',
  IncludeDeprecated: 'true',
  RecoveryWindowInDays: '7',
  UserAccessKeyId: userKeyId,
  PolicyName: 'sweep',
  PolicyDocument: FULL_ACCESS_POLICY,
  Status: 'Active',
});

export const FULL_ACCESS_POLICY = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] });

/** The action's parameters that have a baseline. */
export const baselinePairs = (action: string, baseline: Readonly<Record<string, string>>): Pairs =>
  paramsOf(action).flatMap((p): [string, string][] => (Object.hasOwn(baseline, p) ? [[p, baseline[p]!]] : []));

/** Only what names the target: a hostile value is then not refused for another parameter's sake first. */
const IDENTIFYING = new Set(['SecretName', 'UserAccessKeyId']);

/**
 * The action's baseline parameters, `param` set to `value`; `minimal` keeps only the ones naming the
 * target (a GetSecretValue with both VersionId and VersionStage is refused for their mismatch
 * before the stage is ever looked up on its own).
 */
export const withValue = (action: string, baseline: Readonly<Record<string, string>>, param: string, value: string, minimal = false): Pairs => [
  ...baselinePairs(action, baseline).filter(([p]) => p !== param && (!minimal || IDENTIFYING.has(p))),
  [param, value],
];

/** The action's baseline parameters and one more, named `name`. */
export const withExtraName = (action: string, baseline: Readonly<Record<string, string>>, name: string, value: string): Pairs => [
  ...baselinePairs(action, baseline),
  [name, value],
];

export interface JsonCase {
  action: string;
  params: Pairs;
}

const statement = (extra: Record<string, unknown>) => JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*', ...extra }] });

/**
 * `name` as a key (and as a value) inside each JSON parameter. Raw text, not JSON.stringify of an
 * object literal: a literal `__proto__` key would set the literal's prototype and never be sent.
 */
export const jsonCases = (name: string, serial: number, userKeyId: string): JsonCase[] => {
  const n = JSON.stringify(name);
  const secret = `sweep/json-${serial}`;
  return [
    { action: 'CreateSecret', params: [['SecretName', `${secret}-tag`], ['VersionId', 'v1'], ['SecretData', 'sweep-value'], ['Tags', `[{"TagKey":${n},"TagValue":${n}}]`]] },
    { action: 'CreateSecret', params: [['SecretName', `${secret}-tagshape`], ['VersionId', 'v1'], ['SecretData', 'sweep-value'], ['Tags', `[{${n}:{"TagKey":"k"},"TagValue":"v"}]`]] },
    { action: 'CreateSecret', params: [['SecretName', `${secret}-ext`], ['VersionId', 'v1'], ['SecretData', 'sweep-value'], ['ExtendedConfig', `{${n}:"x"}`]] },
    { action: 'CreateSecret', params: [['SecretName', `${secret}-extpw`], ['SecretType', 'Generic'], ['VersionId', 'v1'], ['SecretData', 'sweep-value'], ['ExtendedConfig', `{"SecretSubType":"GeneratedPassword","PasswordProfile":{${n}:true}}`]] },
    { action: 'CreateSecret', params: [['SecretName', `${secret}-extnest`], ['VersionId', 'v1'], ['SecretData', 'sweep-value'], ['ExtendedConfig', `{${n}:{"SecretSubType":"GeneratedPassword"}}`]] },
    { action: 'ListSecrets', params: [['Filters', `[{"Key":${n},"Values":["x"]}]`]] },
    { action: 'ListSecrets', params: [['Filters', `[{"Key":"TagKey","Values":[${n}]}]`]] },
    { action: 'ListSecrets', params: [['Filters', `[{${n}:"SecretName","Values":["x"]}]`]] },
    { action: 'PutSecretValue', params: [['SecretName', 'sweep/target'], ['VersionId', `sweep-json-${serial}`], ['SecretData', 'sweep-value'], ['VersionStages', `{${n}:"x"}`]] },
    { action: 'PutAccessKeyPolicy', params: [['UserAccessKeyId', userKeyId], ['PolicyName', 'sweep'], ['PolicyDocument', statement({ [name]: 1 })]] },
    { action: 'PutAccessKeyPolicy', params: [['UserAccessKeyId', userKeyId], ['PolicyName', 'sweep'], ['PolicyDocument', `{${n}:{"Version":"1","Statement":[]}}`]] },
    { action: 'PutAccessKeyPolicy', params: [['UserAccessKeyId', userKeyId], ['PolicyName', 'sweep'], ['PolicyDocument', statement({ Condition: { [name]: { 'acs:SourceIp': '127.0.0.1' } } })]] },
    { action: 'PutAccessKeyPolicy', params: [['UserAccessKeyId', userKeyId], ['PolicyName', 'sweep'], ['PolicyDocument', statement({ Condition: { IpAddress: { [name]: '127.0.0.1' } } })]] },
  ];
};
