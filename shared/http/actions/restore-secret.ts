import { z } from 'zod';
import { defineAction } from './action.js';
import { secretNameParam } from './param-schemas.js';

const params = z.object({ SecretName: secretNameParam }).transform((p) => p.SecretName);

export const restoreSecret = defineAction('RestoreSecret', params, async (secretName, ctx) => {
  const secret = await ctx.service.restoreSecret(secretName);
  return { SecretName: secret.name };
});
