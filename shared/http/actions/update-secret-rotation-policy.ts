import { z } from 'zod';
import { defineSecretAction } from './action.js';
import { booleanParam, optionalText } from './param-schemas.js';

const params = z
  .object({
    EnableAutomaticRotation: booleanParam,
    RotationInterval: optionalText,
  })
  .transform((p) => ({
    enableAutomaticRotation: p.EnableAutomaticRotation,
    rotationInterval: p.RotationInterval,
  }));

export const updateSecretRotationPolicy = defineSecretAction('UpdateSecretRotationPolicy', params, async (input, secretName, ctx) => {
  const secret = await ctx.service.updateRotationPolicy({ ...input, secretName });
  return { SecretName: secret.name };
});
