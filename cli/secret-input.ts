/**
 * Where a secret value comes from: `--value-file PATH` (`-` for stdin, the safest: nothing in the
 * shell history or the process list) or `--value TEXT`. Taken byte for byte, trailing newline
 * included; with `--data-type binary` a file's bytes are sent base64-encoded.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { OptionSpec, OptionValues } from './command.js';
import { stringOption } from './command.js';
import { usageError } from './exit-codes.js';
import { readAll, type Io } from './io.js';

export const VALUE_OPTIONS: Record<string, OptionSpec> = {
  'value-file': {
    type: 'string',
    valueName: 'PATH|-',
    description: 'read the value from a file, or from stdin with "-" (taken byte for byte)',
  },
  value: { type: 'string', valueName: 'TEXT', description: 'the value itself (visible in shell history and ps: prefer --value-file)' },
};

export const DATA_TYPE_OPTION: Record<string, OptionSpec> = {
  'data-type': { type: 'string', valueName: 'text|binary', description: 'SecretDataType; binary values are sent base64-encoded' },
};

export type DataType = 'text' | 'binary';

export const dataTypeOf = (options: OptionValues): DataType | undefined => {
  const raw = stringOption(options, 'data-type');
  if (raw === undefined) return undefined;
  if (raw !== 'text' && raw !== 'binary') throw usageError('--data-type must be text or binary');
  return raw;
};

const readBytes = async (io: Io, path: string): Promise<Buffer> => {
  if (path === '-') return readAll(io.stdin);
  try {
    return await readFile(resolve(io.cwd, path));
  } catch (e) {
    throw usageError(`cannot read --value-file ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
};

/** The value as SecretData; undefined when neither option is given and `required` is false. */
export async function readSecretValue(io: Io, options: OptionValues, required: true, dataType?: DataType): Promise<string>;
export async function readSecretValue(io: Io, options: OptionValues, required: false, dataType?: DataType): Promise<string | undefined>;
export async function readSecretValue(io: Io, options: OptionValues, required: boolean, dataType?: DataType): Promise<string | undefined> {
  const inline = stringOption(options, 'value');
  const file = stringOption(options, 'value-file');
  if (inline !== undefined && file !== undefined) throw usageError('give either --value or --value-file, not both');
  if (inline === undefined && file === undefined) {
    if (required) throw usageError('the value is missing: give --value-file PATH (or - for stdin) or --value TEXT');
    return undefined;
  }
  const value =
    file !== undefined
      ? await readBytes(io, file).then((bytes) => (dataType === 'binary' ? bytes.toString('base64') : bytes.toString('utf8')))
      : (inline as string);
  if (value === '') throw usageError('the value is empty');
  return value;
}
