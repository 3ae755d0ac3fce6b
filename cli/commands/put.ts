import { command, listOption, stringOption } from '../command.js';
import { printFields, text, wrappedList } from '../output.js';
import { DATA_TYPE_OPTION, VALUE_OPTIONS, dataTypeOf, readSecretValue } from '../secret-input.js';
import { apiFor } from '../api.js';
import { SECRET_NAME_ARG, arg, newVersionId, show } from './shared.js';

export const putCommand = command({
  name: 'put',
  summary: 'Store a new version of a secret',
  description:
    'Store a new value as a new version (PutSecretValue). By default it becomes ACSCurrent and the\n' +
    'old ACSCurrent becomes ACSPrevious; --stage names other stages. The VersionId is generated unless\n' +
    'given (sending the same VersionId and value again is a no-op).',
  args: [SECRET_NAME_ARG],
  options: {
    ...VALUE_OPTIONS,
    'version-id': { type: 'string', valueName: 'ID', description: 'VersionId of the new version (default rotor-<random>)' },
    stage: { type: 'string', multiple: true, valueName: 'STAGE', description: 'a stage for the new version (repeatable; default ACSCurrent)' },
    ...DATA_TYPE_OPTION,
  },
  examples: ["printf '%s' \"$NEW_PASSWORD\" | rotor put app-db --value-file -", 'rotor put app-db --value-file new.json --version-id v7'],
  run: async (invocation) => {
    const { options, io } = invocation;
    const stages = listOption(options, 'stage');
    const dataType = dataTypeOf(options);
    const params = {
      SecretName: arg(invocation, 0),
      VersionId: stringOption(options, 'version-id') ?? newVersionId(),
      SecretDataType: dataType,
      VersionStages: stages.length > 0 ? JSON.stringify(stages) : undefined,
    };
    const secretData = await readSecretValue(io, options, true, dataType);
    const response = await apiFor(invocation).call('PutSecretValue', { ...params, SecretData: secretData });
    show(invocation, response, () =>
      printFields(io, [
        ['Secret', text(response.SecretName)],
        ['Version', text(response.VersionId)],
        ['Stages', wrappedList(response.VersionStages, 'VersionStage').map(String).join(', ')],
      ]),
    );
  },
});
