import { z } from 'zod';
import { defineSecretAction, deputyOf } from './action.js';
import { requiredText } from './param-schemas.js';
import { arnField } from './fields.js';

const params = z
  .object({
    VersionId: requiredText,
    /** Extension (the console's "Use Custom Secret"): the new value instead of a generated one. */
    SecretData: requiredText.optional(),
  })
  .transform((p) => ({ versionId: p.VersionId, secretData: p.SecretData }));

export const rotateSecret = defineSecretAction('RotateSecret', params, async (input, secretName, ctx) => {
  const { secret, versionId } = await ctx.service.rotateSecret({ ...input, secretName, deputy: deputyOf(ctx) });
  return { Arn: arnField(ctx, secret.name), SecretName: secret.name, VersionId: versionId };
});
