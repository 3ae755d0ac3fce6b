import { booleanOption, command, listOption, stringOption, type Invocation } from '../command.js';
import { checkRotationInterval } from '../duration.js';
import { usageError } from '../exit-codes.js';
import { printFields, text, humanInterval } from '../output.js';
import { DATA_TYPE_OPTION, VALUE_OPTIONS, dataTypeOf, readSecretValue } from '../secret-input.js';
import { apiFor } from '../api.js';
import { SECRET_NAME_ARG, arg, show } from './shared.js';

const SUBTYPE_GENERATED = 'GeneratedPassword';

const parseTags = (raw: string[]): string | undefined => {
  if (raw.length === 0) return undefined;
  const tags = raw.map((t) => {
    const eq = t.indexOf('=');
    if (eq <= 0) throw usageError('--tag must be KEY=VALUE');
    return { TagKey: t.slice(0, eq), TagValue: t.slice(eq + 1) };
  });
  return JSON.stringify(tags);
};

const extendedConfig = (raw: string | undefined, generate: boolean): string | undefined => {
  let config: Record<string, unknown> = {};
  if (raw !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw usageError('--extended-config must be a JSON object');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw usageError('--extended-config must be a JSON object');
    config = parsed as Record<string, unknown>;
  }
  if (generate) {
    if (config.SecretSubType !== undefined && config.SecretSubType !== SUBTYPE_GENERATED) {
      throw usageError(`--generate conflicts with the SecretSubType in --extended-config`);
    }
    config = { SecretSubType: SUBTYPE_GENERATED, ...config };
  }
  return Object.keys(config).length > 0 || raw !== undefined ? JSON.stringify(config) : undefined;
};

/** --generate without a value: the first value is a random password from the service itself. */
const initialValue = async (invocation: Invocation, generate: boolean): Promise<string> => {
  const dataType = dataTypeOf(invocation.options);
  const given = await readSecretValue(invocation.io, invocation.options, false, dataType);
  if (given !== undefined) return given;
  if (!generate) throw usageError('the value is missing: give --value-file PATH (or - for stdin), --value TEXT, or --generate');
  const response = await apiFor(invocation).call('GetRandomPassword', {});
  const password = text(response.RandomPassword);
  if (!password) throw usageError('the service returned no random password; give the first value with --value-file');
  return password;
};

export const createCommand = command({
  name: 'create',
  summary: 'Create a secret with its first version',
  description:
    'Create a secret (CreateSecret) with its first version as ACSCurrent. The value comes from\n' +
    '--value-file (a path, or - for stdin) or --value. --generate makes a Generic secret whose rotations\n' +
    'generate passwords (ExtendedConfig SecretSubType GeneratedPassword, a secret-rotor extension); its\n' +
    'first value is then a random password unless one is given.',
  args: [SECRET_NAME_ARG],
  options: {
    ...VALUE_OPTIONS,
    generate: { type: 'boolean', description: 'a generated-password secret (first value random unless given)' },
    'version-id': { type: 'string', valueName: 'ID', description: 'VersionId of the first version (default v1)' },
    description: { type: 'string', valueName: 'TEXT', description: 'description' },
    type: { type: 'string', valueName: 'TYPE', description: 'SecretType: Generic (default), Rds, RAMCredentials, ECS' },
    'extended-config': { type: 'string', valueName: 'JSON', description: 'ExtendedConfig, a JSON object' },
    ...DATA_TYPE_OPTION,
    'rotation-interval': {
      type: 'string',
      valueName: 'INTERVAL',
      description: 'turn on automatic rotation, e.g. 7d or 12h',
    },
    tag: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'a tag (repeatable)' },
    'encryption-key-id': { type: 'string', valueName: 'KEY_ID', description: 'EncryptionKeyId (KMS key to encrypt with)' },
  },
  examples: [
    "printf '%s' \"$DB_PASSWORD\" | rotor create app-db --value-file -",
    'rotor create app-token --generate --rotation-interval 7d',
    'rotor create app-db --value-file creds.json --tag team=payments --description "orders database"',
  ],
  run: async (invocation) => {
    const { options } = invocation;
    const generate = booleanOption(options, 'generate');
    const interval = stringOption(options, 'rotation-interval');
    // Every option is checked before anything is read from stdin or sent.
    const params = {
      SecretName: arg(invocation, 0),
      VersionId: stringOption(options, 'version-id') ?? 'v1',
      SecretDataType: dataTypeOf(options),
      SecretType: stringOption(options, 'type'),
      Description: stringOption(options, 'description'),
      EncryptionKeyId: stringOption(options, 'encryption-key-id'),
      ExtendedConfig: extendedConfig(stringOption(options, 'extended-config'), generate),
      EnableAutomaticRotation: interval !== undefined ? 'true' : undefined,
      RotationInterval: interval !== undefined ? checkRotationInterval('--rotation-interval', interval) : undefined,
      Tags: parseTags(listOption(options, 'tag')),
    };
    const secretData = await initialValue(invocation, generate);
    const response = await apiFor(invocation).call('CreateSecret', { ...params, SecretData: secretData });
    show(invocation, response, () =>
      printFields(invocation.io, [
        ['Created', text(response.SecretName)],
        ['ARN', text(response.Arn)],
        ['Version', text(response.VersionId)],
        ['Type', text(response.SecretType)],
        ['Automatic rotation', response.AutomaticRotation === 'Enabled' ? `every ${humanInterval(response.RotationInterval)}` : undefined],
        ['Next rotation', text(response.NextRotationDate)],
      ]),
    );
  },
});
