import { booleanOption, command, stringOption } from '../command.js';
import { checkRotationInterval } from '../duration.js';
import { usageError } from '../exit-codes.js';
import { humanInterval, printFields, printJson, text } from '../output.js';
import { apiFor } from '../api.js';
import { SECRET_NAME_ARG, arg, show } from './shared.js';

export const policyCommand = command({
  name: 'policy',
  summary: "Show or set a secret's rotation policy",
  description:
    "Set a secret's automatic rotation (UpdateSecretRotationPolicy): --enable with an --interval, or\n" +
    '--disable. Without either, shows the current policy (from DescribeSecret).',
  args: [SECRET_NAME_ARG],
  options: {
    enable: { type: 'boolean', description: 'turn automatic rotation on' },
    disable: { type: 'boolean', description: 'turn automatic rotation off' },
    interval: { type: 'string', valueName: 'INTERVAL', description: 'rotation interval, e.g. 7d or 12h (KMS allows 6h to 365d)' },
  },
  examples: ['rotor policy app-db --enable --interval 7d', 'rotor policy app-db --disable', 'rotor policy app-db'],
  run: async (invocation) => {
    const { options, io } = invocation;
    const enable = booleanOption(options, 'enable');
    const disable = booleanOption(options, 'disable');
    const interval = stringOption(options, 'interval');
    if (enable && disable) throw usageError('give either --enable or --disable, not both');
    if (disable && interval !== undefined) throw usageError('--interval applies with --enable');
    const name = arg(invocation, 0);
    const api = apiFor(invocation);

    if (!enable && !disable) {
      if (interval !== undefined) throw usageError('--interval needs --enable');
      const r = await api.call('DescribeSecret', { SecretName: name });
      const policy = {
        SecretName: r.SecretName,
        AutomaticRotation: r.AutomaticRotation,
        RotationInterval: r.RotationInterval,
        NextRotationDate: r.NextRotationDate,
        LastRotationDate: r.LastRotationDate,
      };
      if (invocation.globals.json) printJson(io, policy);
      else
        printFields(io, [
          ['Secret', text(r.SecretName)],
          ['Automatic rotation', text(r.AutomaticRotation) ?? 'Disabled'],
          ['Interval', humanInterval(r.RotationInterval)],
          ['Next rotation', text(r.NextRotationDate)],
          ['Last rotation', text(r.LastRotationDate)],
        ]);
      return;
    }
    const response = await api.call('UpdateSecretRotationPolicy', {
      SecretName: name,
      EnableAutomaticRotation: enable ? 'true' : 'false',
      RotationInterval: interval !== undefined ? checkRotationInterval('--interval', interval) : undefined,
    });
    show(invocation, response, () =>
      printFields(io, [
        ['Secret', text(response.SecretName) ?? name],
        ['Automatic rotation', enable ? `enabled${interval ? `, every ${interval}` : ''}` : 'disabled'],
      ]),
    );
  },
});
