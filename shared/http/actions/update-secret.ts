import { z } from 'zod';
import { operationNotSupported } from '../../domain/errors.js';
import { defineAction } from './action.js';
import { optionalText, secretNameParam } from './param-schemas.js';

const params = z
  .object({
    SecretName: secretNameParam,
    Description: optionalText,
    'ExtendedConfig.CustomData': optionalText,
  })
  .transform((p) => ({
    update: { secretName: p.SecretName, description: p.Description },
    customData: p['ExtendedConfig.CustomData'],
  }));

export const updateSecret = defineAction('UpdateSecret', params, async (input, ctx) => {
  // The use case has no way to change ExtendedConfig yet; refusing beats silently ignoring it.
  if (input.customData !== undefined) {
    throw operationNotSupported('Updating ExtendedConfig.CustomData is not supported.');
  }
  const secret = await ctx.service.updateSecret(input.update);
  return { SecretName: secret.name };
});
