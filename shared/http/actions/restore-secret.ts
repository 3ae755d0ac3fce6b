import { z } from 'zod';
import { defineSecretAction } from './action.js';

export const restoreSecret = defineSecretAction('RestoreSecret', z.object({}), async (_input, secretName, ctx) => {
  const secret = await ctx.service.restoreSecret(secretName);
  return { SecretName: secret.name };
});
