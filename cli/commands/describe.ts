import { command } from '../command.js';
import { humanInterval, printFields, record, text, wrappedList } from '../output.js';
import { apiFor } from '../api.js';
import { SECRET_NAME_ARG, arg, show, type ApiResponse } from './shared.js';

const rotationText = (r: ApiResponse): string | undefined => {
  if (r.AutomaticRotation === undefined) return undefined;
  if (r.AutomaticRotation !== 'Enabled') return 'disabled';
  return `every ${humanInterval(r.RotationInterval) ?? '?'}`;
};

const rotationStatusText = (r: ApiResponse): string | undefined => {
  const status = text(r.RotationStatus);
  if (status === undefined) return undefined;
  const step = text(r.RotationStep);
  return step ? `${status} (step ${step})` : status;
};

const errorText = (value: unknown): string | undefined => {
  const e = record(value);
  const code = text(e.Code);
  return code === undefined ? undefined : `${code}: ${text(e.Message) ?? ''}`;
};

const tagsText = (tags: unknown): string | undefined => {
  const list = wrappedList(tags, 'Tag').map((t) => `${text(record(t).TagKey) ?? ''}=${text(record(t).TagValue) ?? ''}`);
  return list.length ? list.join(', ') : undefined;
};

export const describeCommand = command({
  name: 'describe',
  summary: "Show a secret's metadata and rotation state",
  description:
    "Show a secret's metadata (DescribeSecret, with tags): type, dates, rotation policy, and on\n" +
    'secret-rotor the state of the rotation (RotationStatus, RotationStep, LastRotationError). Never the value.',
  args: [SECRET_NAME_ARG],
  examples: ['rotor describe app-db', 'rotor describe app-db --json | jq -r .RotationStatus'],
  run: async (invocation) => {
    const r = await apiFor(invocation).call('DescribeSecret', { SecretName: arg(invocation, 0), FetchTags: 'true' });
    show(invocation, r, () =>
      printFields(invocation.io, [
        ['Name', text(r.SecretName)],
        ['ARN', text(r.Arn)],
        ['Type', text(r.SecretType)],
        ['Description', text(r.Description)],
        ['Created', text(r.CreateTime)],
        ['Updated', text(r.UpdateTime)],
        ['Scheduled deletion', text(r.PlannedDeleteTime)],
        ['Automatic rotation', rotationText(r)],
        ['Next rotation', text(r.NextRotationDate)],
        ['Last rotation', text(r.LastRotationDate)],
        ['Rotation status', rotationStatusText(r)],
        ['Last rotation error', errorText(r.LastRotationError)],
        ['Encryption key', text(r.EncryptionKeyId)],
        ['Extended config', text(r.ExtendedConfig)],
        ['Tags', tagsText(r.Tags)],
      ]),
    );
  },
});
