import { command } from '../command.js';
import { printFields, text } from '../output.js';
import { apiFor } from '../api.js';
import { SECRET_NAME_ARG, arg, show } from './shared.js';

export const restoreCommand = command({
  name: 'restore',
  summary: 'Cancel the scheduled deletion of a secret',
  description: 'Restore a secret that is scheduled for deletion (RestoreSecret), within its recovery window.',
  args: [SECRET_NAME_ARG],
  examples: ['rotor restore app-db'],
  run: async (invocation) => {
    const response = await apiFor(invocation).call('RestoreSecret', { SecretName: arg(invocation, 0) });
    show(invocation, response, () => printFields(invocation.io, [['Restored', text(response.SecretName)]]));
  },
});
