import { z } from 'zod';
import { defineAction } from './action.js';
import { booleanParam, integerParam, secretNameParam } from './param-schemas.js';
import { optionalKmsTime } from './fields.js';

const params = z
  .object({
    SecretName: secretNameParam,
    ForceDeleteWithoutRecovery: booleanParam.optional(),
    RecoveryWindowInDays: integerParam(0).optional(),
  })
  .transform((p) => ({
    secretName: p.SecretName,
    forceDeleteWithoutRecovery: p.ForceDeleteWithoutRecovery,
    recoveryWindowInDays: p.RecoveryWindowInDays,
  }));

/** PlannedDeleteTime is absent after a forced delete: nothing is planned, it is gone. */
export const deleteSecret = defineAction('DeleteSecret', params, async (input, ctx) => {
  const result = await ctx.service.deleteSecret(input);
  return { SecretName: result.secretName, PlannedDeleteTime: optionalKmsTime(result.plannedDeleteAt) };
});
