import { setTimeout as sleep } from 'node:timers/promises';
import { booleanOption, command, stringOption, type Invocation } from '../command.js';
import { parseDurationMs } from '../duration.js';
import { ExitCode, usageError, type ExitCodeValue } from '../exit-codes.js';
import { notice } from '../io.js';
import { printFields, printJson, text } from '../output.js';
import { waitForRotation, type RotationOutcome } from '../rotation-wait.js';
import { VALUE_OPTIONS, readSecretValue } from '../secret-input.js';
import type { KmsApi } from '../kms.js';
import { apiFor } from '../api.js';
import { SECRET_NAME_ARG, arg, newVersionId, type ApiResponse } from './shared.js';

const DEFAULT_TIMEOUT = '10m';
const DEFAULT_POLL = '1s';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

const wait = (invocation: Invocation, api: KmsApi, name: string, versionId: string): Promise<RotationOutcome> => {
  const { options, io } = invocation;
  const timeoutMs = parseDurationMs('--timeout', stringOption(options, 'timeout') ?? DEFAULT_TIMEOUT);
  const pollMs = parseDurationMs('--poll-interval', stringOption(options, 'poll-interval') ?? DEFAULT_POLL);
  return waitForRotation(
    {
      describeSecret: () => api.call('DescribeSecret', { SecretName: name }),
      listVersions: () => api.call('ListSecretVersionIds', { SecretName: name, PageSize: '100' }),
      now: () => Date.now(),
      sleep: (ms) => sleep(ms),
      onProgress: ({ status, step, elapsedMs }) => {
        if (status === 'Rotating') notice(io, `rotating ${name} (version ${versionId}): step ${step ?? 'queued'} [${seconds(elapsedMs)}]`);
      },
    },
    { versionId, timeoutMs, pollMs },
  );
};

const report = (invocation: Invocation, name: string, versionId: string, outcome: RotationOutcome): ExitCodeValue => {
  const { io } = invocation;
  switch (outcome.status) {
    case 'Succeeded':
      notice(io, `rotation of ${name} finished in ${seconds(outcome.elapsedMs)}: version ${versionId} is ACSCurrent`);
      return ExitCode.ok;
    case 'Failed': {
      const cause = outcome.error ? `: ${outcome.error.Code ?? 'error'}: ${outcome.error.Message ?? ''}` : `: ${outcome.reason}`;
      notice(io, `rotation of ${name} failed${cause}`);
      return ExitCode.rotationFailed;
    }
    case 'TimedOut':
      notice(io, `gave up waiting after ${seconds(outcome.elapsedMs)}; the rotation of ${name} is still at step ${outcome.step ?? 'unknown'}`);
      return ExitCode.timeout;
  }
};

const rotationJson = (outcome: RotationOutcome): Record<string, unknown> => ({
  Status: outcome.status,
  ElapsedMs: outcome.elapsedMs,
  ...(outcome.status === 'Failed' ? { Error: outcome.error, Reason: outcome.error ? undefined : outcome.reason } : {}),
  ...(outcome.status === 'TimedOut' ? { Step: outcome.step } : {}),
});

const showStarted = (invocation: Invocation, response: ApiResponse): void =>
  printFields(invocation.io, [
    ['Rotating', text(response.SecretName)],
    ['Version', text(response.VersionId)],
  ]);

export const rotateCommand = command({
  name: 'rotate',
  summary: 'Rotate a secret now',
  description:
    'Start a rotation (RotateSecret). The VersionId is the idempotency token: the same one again does not\n' +
    'start a second rotation. --value-file or --value rotates to that value instead of a generated one.\n' +
    'With --wait, follows the rotation (progress on stderr) until it ends: exit 0 when the new version is\n' +
    'ACSCurrent, 4 when the rotation failed, 5 when --timeout passed first (the rotation goes on).',
  args: [SECRET_NAME_ARG],
  options: {
    'version-id': { type: 'string', valueName: 'ID', description: 'VersionId of the new version (default rotor-<random>)' },
    ...VALUE_OPTIONS,
    wait: { type: 'boolean', short: 'w', description: 'wait until the rotation ends' },
    timeout: { type: 'string', valueName: 'DURATION', description: `how long --wait waits (default ${DEFAULT_TIMEOUT})` },
    'poll-interval': { type: 'string', valueName: 'DURATION', description: `pause between status checks (default ${DEFAULT_POLL})` },
  },
  examples: ['rotor rotate app-db --wait', 'rotor rotate app-db --wait --timeout 2m --json'],
  run: async (invocation) => {
    const { options } = invocation;
    const waiting = booleanOption(options, 'wait');
    if (!waiting && (options.timeout !== undefined || options['poll-interval'] !== undefined)) {
      throw usageError('--timeout and --poll-interval only apply with --wait');
    }
    if (waiting) {
      // Checked now, so a typo does not surface after the rotation has started.
      parseDurationMs('--timeout', stringOption(options, 'timeout') ?? DEFAULT_TIMEOUT);
      parseDurationMs('--poll-interval', stringOption(options, 'poll-interval') ?? DEFAULT_POLL);
    }
    const name = arg(invocation, 0);
    const versionId = stringOption(options, 'version-id') ?? newVersionId();
    const customValue = await readSecretValue(invocation.io, options, false);
    const api = apiFor(invocation);
    const response = await api.call('RotateSecret', { SecretName: name, VersionId: versionId, SecretData: customValue });
    if (!waiting) {
      if (invocation.globals.json) printJson(invocation.io, response);
      else showStarted(invocation, response);
      return ExitCode.ok;
    }
    const outcome = await wait(invocation, api, text(response.SecretName) ?? name, versionId);
    if (invocation.globals.json) printJson(invocation.io, { ...response, Rotation: rotationJson(outcome) });
    else if (outcome.status === 'Succeeded') printFields(invocation.io, [['Rotated', text(response.SecretName)], ['Version', versionId]]);
    return report(invocation, text(response.SecretName) ?? name, versionId, outcome);
  },
});
