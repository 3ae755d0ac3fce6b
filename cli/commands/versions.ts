import { booleanOption, command } from '../command.js';
import { printJson, printTable, record, text, wrappedList } from '../output.js';
import { apiFor } from '../api.js';
import { readAllPages } from './paging.js';
import { SECRET_NAME_ARG, arg } from './shared.js';

export const versionsCommand = command({
  name: 'versions',
  summary: "List a secret's versions and their stages",
  description:
    "List a secret's versions (ListSecretVersionIds, every page): those holding a stage, or all with\n" +
    '--include-deprecated. --json prints {"SecretName", "TotalCount", "VersionIds": {"VersionId": [...]}}.',
  args: [SECRET_NAME_ARG],
  options: {
    'include-deprecated': { type: 'boolean', description: 'also versions without a stage' },
  },
  examples: ['rotor versions app-db', 'rotor versions app-db --include-deprecated --json'],
  run: async (invocation) => {
    const name = arg(invocation, 0);
    const all = await readAllPages(
      apiFor(invocation),
      'ListSecretVersionIds',
      { SecretName: name, IncludeDeprecated: booleanOption(invocation.options, 'include-deprecated') ? 'true' : undefined },
      (r) => r.VersionIds,
      'VersionId',
    );
    if (invocation.globals.json) {
      printJson(invocation.io, { SecretName: name, TotalCount: all.totalCount, VersionIds: { VersionId: all.items } });
      return;
    }
    const rows = all.items.map((v) => {
      const r = record(v);
      const stages = wrappedList(r.VersionStages, 'VersionStage').map(String).join(',');
      return [text(r.VersionId) ?? '', stages || '-', text(r.CreateTime) ?? ''];
    });
    printTable(invocation.io, ['VERSION', 'STAGES', 'CREATED'], rows, 'No versions.');
  },
});
