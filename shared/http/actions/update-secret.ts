import { z } from 'zod';
import { operationNotSupported } from '../../domain/errors.js';
import { defineSecretAction } from './action.js';
import { optionalText } from './param-schemas.js';

const params = z
  .object({
    Description: optionalText,
    'ExtendedConfig.CustomData': optionalText,
  })
  .transform((p) => ({
    description: p.Description,
    customData: p['ExtendedConfig.CustomData'],
  }));

export const updateSecret = defineSecretAction('UpdateSecret', params, async (input, secretName, ctx) => {
  // The use case has no way to change ExtendedConfig yet; refusing beats silently ignoring it.
  if (input.customData !== undefined) {
    throw operationNotSupported('Updating ExtendedConfig.CustomData is not supported.');
  }
  const secret = await ctx.service.updateSecret({ secretName, description: input.description });
  return { SecretName: secret.name };
});
