import { z } from 'zod';
import { defineAction } from './action.js';
import { optionalText, requiredText, secretNameParam } from './param-schemas.js';

const params = z
  .object({
    SecretName: secretNameParam,
    VersionStage: requiredText,
    MoveToVersion: optionalText,
    RemoveFromVersion: optionalText,
  })
  .transform((p) => ({
    secretName: p.SecretName,
    versionStage: p.VersionStage,
    moveToVersion: p.MoveToVersion,
    removeFromVersion: p.RemoveFromVersion,
  }));

export const updateSecretVersionStage = defineAction('UpdateSecretVersionStage', params, async (input, ctx) => {
  const secret = await ctx.service.updateSecretVersionStage(input);
  return { SecretName: secret.name };
});
