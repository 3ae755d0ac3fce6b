/** Pieces several commands share. */
import { randomUUID } from 'node:crypto';
import type { ArgumentSpec, Invocation } from '../command.js';
import { printJson } from '../output.js';
import type { ApiResponse } from '../kms.js';

export const SECRET_NAME_ARG: ArgumentSpec = { name: 'name', description: 'the secret name (or its ARN)' };

/** A VersionId for PutSecretValue and RotateSecret when none is given; they require one. */
export const newVersionId = (): string => `rotor-${randomUUID().slice(0, 8)}`;

export const arg = (invocation: Invocation, index: number): string => invocation.args[index] as string;

/** `--json` prints the response as the API returned it; otherwise `human` renders it. */
export const show = (invocation: Invocation, response: unknown, human: () => void): void => {
  if (invocation.globals.json) printJson(invocation.io, response);
  else human();
};

export type { ApiResponse };
