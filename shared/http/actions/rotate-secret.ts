import { z } from 'zod';
import { defineAction } from './action.js';
import { requiredText, secretNameParam } from './param-schemas.js';
import { arnField } from './fields.js';

const params = z
  .object({
    SecretName: secretNameParam,
    VersionId: requiredText,
    /** Extension (the console's "Use Custom Secret"): the new value instead of a generated one. */
    SecretData: requiredText.optional(),
  })
  .transform((p) => ({ secretName: p.SecretName, versionId: p.VersionId, secretData: p.SecretData }));

export const rotateSecret = defineAction('RotateSecret', params, async (input, ctx) => {
  const { secret, versionId } = await ctx.service.rotateSecret(input);
  return { Arn: arnField(ctx, secret.name), SecretName: secret.name, VersionId: versionId };
});
