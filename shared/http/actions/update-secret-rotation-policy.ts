import { z } from 'zod';
import { defineAction } from './action.js';
import { booleanParam, optionalText, secretNameParam } from './param-schemas.js';

const params = z
  .object({
    SecretName: secretNameParam,
    EnableAutomaticRotation: booleanParam,
    RotationInterval: optionalText,
  })
  .transform((p) => ({
    secretName: p.SecretName,
    enableAutomaticRotation: p.EnableAutomaticRotation,
    rotationInterval: p.RotationInterval,
  }));

export const updateSecretRotationPolicy = defineAction('UpdateSecretRotationPolicy', params, async (input, ctx) => {
  const secret = await ctx.service.updateRotationPolicy(input);
  return { SecretName: secret.name };
});
