import { z } from 'zod';
import { defineSecretAction } from './action.js';
import { optionalText, requiredText } from './param-schemas.js';

const params = z
  .object({
    VersionStage: requiredText,
    MoveToVersion: optionalText,
    RemoveFromVersion: optionalText,
  })
  .transform((p) => ({
    versionStage: p.VersionStage,
    moveToVersion: p.MoveToVersion,
    removeFromVersion: p.RemoveFromVersion,
  }));

export const updateSecretVersionStage = defineSecretAction('UpdateSecretVersionStage', params, async (input, secretName, ctx) => {
  const secret = await ctx.service.updateSecretVersionStage({ ...input, secretName });
  return { SecretName: secret.name };
});
