import { z } from 'zod';
import { defineSecretAction } from './action.js';
import { booleanParam, integerParam } from './param-schemas.js';
import { optionalKmsTime } from './fields.js';

const params = z
  .object({
    ForceDeleteWithoutRecovery: booleanParam.optional(),
    RecoveryWindowInDays: integerParam(0).optional(),
  })
  .transform((p) => ({
    forceDeleteWithoutRecovery: p.ForceDeleteWithoutRecovery,
    recoveryWindowInDays: p.RecoveryWindowInDays,
  }));

/** PlannedDeleteTime is absent after a forced delete: nothing is planned, it is gone. */
export const deleteSecret = defineSecretAction('DeleteSecret', params, async (input, secret, ctx) => {
  const result = await ctx.service.deleteSecret({ ...input, secretName: secret });
  return { SecretName: result.secretName, PlannedDeleteTime: optionalKmsTime(result.plannedDeleteAt) };
});
