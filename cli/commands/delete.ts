import { booleanOption, command, stringOption } from '../command.js';
import { parsePositiveInteger } from '../duration.js';
import { usageError } from '../exit-codes.js';
import { printFields, text } from '../output.js';
import { apiFor } from '../api.js';
import { SECRET_NAME_ARG, arg, show } from './shared.js';

export const deleteCommand = command({
  name: 'delete',
  summary: 'Schedule a secret for deletion, or delete it now with --force',
  description:
    'Schedule the deletion of a secret (DeleteSecret) after a recovery window of 7 to 30 days (default\n' +
    "30, as KMS); until then 'rotor restore' brings it back. --force deletes it at once, without recovery.",
  args: [SECRET_NAME_ARG],
  options: {
    'recovery-window': { type: 'string', valueName: 'DAYS', description: 'days before it is purged, 7-30 (default 30)' },
    force: { type: 'boolean', description: 'delete at once, without a recovery window (cannot be undone)' },
  },
  examples: ['rotor delete app-db --recovery-window 7', 'rotor delete scratch-token --force'],
  run: async (invocation) => {
    const { options, io } = invocation;
    const window = stringOption(options, 'recovery-window');
    const force = booleanOption(options, 'force');
    if (force && window !== undefined) throw usageError('give either --force or --recovery-window, not both');
    const name = arg(invocation, 0);
    const response = await apiFor(invocation).call('DeleteSecret', {
      SecretName: name,
      RecoveryWindowInDays: window !== undefined ? String(parsePositiveInteger('--recovery-window', window)) : undefined,
      ForceDeleteWithoutRecovery: force ? 'true' : undefined,
    });
    show(invocation, response, () => {
      const planned = text(response.PlannedDeleteTime);
      printFields(io, planned ? [['Scheduled for deletion', text(response.SecretName)], ['Purged at', planned]] : [['Deleted', text(response.SecretName) ?? name]]);
      if (planned) io.stderr.write(`Until then, 'rotor restore ${name}' brings it back.\n`);
    });
  },
});
