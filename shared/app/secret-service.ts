import { generatePassword, DEFAULT_PASSWORD_PROFILE } from '../domain/password.js';
import type { GetRandomPasswordInput } from './commands.js';
import { UseCaseContext } from './context.js';
import { createSecret } from './create-secret.js';
import { deleteSecret, purgeExpired, restoreSecret } from './delete-secret.js';
import type { ServiceDeps } from './deps.js';
import { describeSecret, getSecretValue, listSecrets, listSecretVersionIds } from './read-secret.js';
import { runRotationStep } from './run-rotation-step.js';
import type { SecretService } from './service.js';
import { reconcileExpiredLeases } from './reconcile.js';
import { rotateTick } from './rotate-tick.js';
import { rotateSecret } from './start-rotation.js';
import { putSecretValue, updateRotationPolicy, updateSecret, updateSecretVersionStage } from './write-secret.js';

const randomPassword = (input: GetRandomPasswordInput): string =>
  generatePassword({
    length: input.passwordLength ?? DEFAULT_PASSWORD_PROFILE.length,
    excludeCharacters: input.excludeCharacters ?? '',
    excludeLowercase: input.excludeLowercase ?? false,
    excludeUppercase: input.excludeUppercase ?? false,
    excludeNumbers: input.excludeNumbers ?? false,
    excludePunctuation: input.excludePunctuation ?? false,
    requireEachIncludedType: input.requireEachIncludedType ?? true,
  });

export const createSecretService = (deps: ServiceDeps): SecretService => {
  const ctx = new UseCaseContext(deps);
  return {
    createSecret: (input) => createSecret(ctx, input),
    getSecretValue: (input) => getSecretValue(ctx, input),
    putSecretValue: (input) => putSecretValue(ctx, input),
    updateSecretVersionStage: (input) => updateSecretVersionStage(ctx, input),
    describeSecret: (name) => describeSecret(ctx, name),
    updateSecret: (input) => updateSecret(ctx, input),
    listSecrets: (input) => listSecrets(ctx, input),
    listSecretVersionIds: (input) => listSecretVersionIds(ctx, input),
    updateRotationPolicy: (input) => updateRotationPolicy(ctx, input),
    rotateSecret: (input) => rotateSecret(ctx, input),
    deleteSecret: (input) => deleteSecret(ctx, input),
    restoreSecret: (name) => restoreSecret(ctx, name),
    getRandomPassword: async (input) => randomPassword(input),
    runRotationStep: (message) => runRotationStep(ctx, message),
    scheduleDueRotations: (limit) => rotateTick(ctx, limit),
    reconcileStalledRotations: (limit) => reconcileExpiredLeases(ctx, limit ?? deps.settings.tickBatchSize),
    purgeExpired: (limit) => purgeExpired(ctx, limit),
  };
};
