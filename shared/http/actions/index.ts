/** Every KMS action this server answers, by its RPC name. */
import type { KmsAction } from './action.js';
import { createSecret } from './create-secret.js';
import { getSecretValue } from './get-secret-value.js';
import { putSecretValue } from './put-secret-value.js';
import { updateSecretVersionStage } from './update-secret-version-stage.js';
import { describeSecret } from './describe-secret.js';
import { updateSecret } from './update-secret.js';
import { listSecrets } from './list-secrets.js';
import { listSecretVersionIds } from './list-secret-version-ids.js';
import { updateSecretRotationPolicy } from './update-secret-rotation-policy.js';
import { rotateSecret } from './rotate-secret.js';
import { deleteSecret } from './delete-secret.js';
import { restoreSecret } from './restore-secret.js';
import { getRandomPassword } from './get-random-password.js';

export type { ActionContext, KmsAction } from './action.js';

export const KMS_ACTIONS: ReadonlyMap<string, KmsAction> = new Map(
  [
    createSecret,
    getSecretValue,
    putSecretValue,
    updateSecretVersionStage,
    describeSecret,
    updateSecret,
    listSecrets,
    listSecretVersionIds,
    updateSecretRotationPolicy,
    rotateSecret,
    deleteSecret,
    restoreSecret,
    getRandomPassword,
  ].map((action) => [action.name, action]),
);

export const KMS_ACTION_NAMES: readonly string[] = [...KMS_ACTIONS.keys()];
