/**
 * Runs the rotation steps of one queue delivery. Steps run one after another (two steps of one
 * secret must not race); a failure does not stop the rest, but fails the invocation at the end
 * so the trigger redelivers the batch. Steps are idempotent, so the ones that passed are safe to
 * run again.
 */
import { isKmsError, KmsError } from '../domain/errors.js';
import type { SecretService } from '../app/service.js';
import type { RotationMessage } from '../ports/job-queue.js';
import { unexpectedErrorFields, type Logger } from './logger.js';

export class RotationBatchError extends KmsError {
  constructor(
    readonly failed: number,
    readonly total: number,
    readonly codes: string[],
  ) {
    super(
      'Rotor.RotationStepsFailed',
      500,
      `${failed} of ${total} rotation steps failed (${[...new Set(codes)].join(', ')}); the batch will be redelivered.`,
    );
    this.name = 'RotationBatchError';
  }
}

export const runRotationSteps = async (
  service: Pick<SecretService, 'runRotationStep'>,
  messages: readonly RotationMessage[],
  log: Logger,
): Promise<void> => {
  const codes: string[] = [];
  for (const message of messages) {
    const step = { secretName: message.secretName, versionId: message.versionId, step: message.step };
    try {
      await service.runRotationStep(message);
    } catch (e) {
      const code = isKmsError(e) ? e.code : 'Unhandled';
      codes.push(code);
      log.error({ step, errorCode: code, ...(isKmsError(e) ? {} : unexpectedErrorFields(e)) }, 'rotation step failed');
    }
  }
  if (codes.length > 0) throw new RotationBatchError(codes.length, messages.length, codes);
};
