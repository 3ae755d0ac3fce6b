import { booleanOption, command, stringOption } from '../command.js';
import { usageError } from '../exit-codes.js';
import { printJson, text } from '../output.js';
import { apiFor } from '../api.js';
import { SECRET_NAME_ARG, arg } from './shared.js';

export const getCommand = command({
  name: 'get',
  summary: "Print a secret's value",
  description:
    "Print a secret's value (GetSecretValue) to stdout and nothing else: ACSCurrent, or the version\n" +
    'named by --stage or --version-id. A newline follows the value unless --raw is given. Binary secrets\n' +
    '(SecretDataType binary) are written as their decoded bytes, with no newline. --json prints the whole\n' +
    'response instead, value included.',
  args: [SECRET_NAME_ARG],
  options: {
    stage: { type: 'string', valueName: 'STAGE', description: 'VersionStage, e.g. ACSPrevious (default ACSCurrent)' },
    'version-id': { type: 'string', valueName: 'ID', description: 'a specific VersionId' },
    raw: { type: 'boolean', description: 'write the value exactly, without a trailing newline' },
  },
  examples: ['rotor get app-db', 'rotor get app-db --stage ACSPrevious', 'export DB_PASSWORD="$(rotor get app-db)"'],
  run: async (invocation) => {
    const { options, io } = invocation;
    const stage = stringOption(options, 'stage');
    const versionId = stringOption(options, 'version-id');
    if (stage !== undefined && versionId !== undefined) throw usageError('give either --stage or --version-id, not both');
    const response = await apiFor(invocation).call('GetSecretValue', {
      SecretName: arg(invocation, 0),
      VersionStage: stage,
      VersionId: versionId,
    });
    if (invocation.globals.json) {
      printJson(io, response);
      return;
    }
    const value = text(response.SecretData) ?? '';
    if (response.SecretDataType === 'binary') io.stdout.write(Buffer.from(value, 'base64'));
    else io.stdout.write(booleanOption(options, 'raw') ? value : `${value}\n`);
  },
});
