import { z } from 'zod';
import { defineAction, deputyOf } from './action.js';
import {
  booleanParam,
  jsonObjectTextParam,
  optionalText,
  requiredText,
  secretDataTypeParam,
  secretNameParam,
  secretTypeParam,
  tagsParam,
} from './param-schemas.js';
import { arnField, isGeneric, rotationFields } from './fields.js';

const params = z
  .object({
    SecretName: secretNameParam,
    VersionId: requiredText,
    SecretData: requiredText,
    SecretDataType: secretDataTypeParam.optional(),
    SecretType: secretTypeParam.optional(),
    Description: optionalText,
    EncryptionKeyId: optionalText,
    ExtendedConfig: jsonObjectTextParam.optional(),
    EnableAutomaticRotation: booleanParam.optional(),
    RotationInterval: optionalText,
    Tags: tagsParam.optional(),
  })
  .transform((p) => ({
    secretName: p.SecretName,
    versionId: p.VersionId,
    secretData: p.SecretData,
    secretDataType: p.SecretDataType,
    secretType: p.SecretType,
    description: p.Description,
    encryptionKeyId: p.EncryptionKeyId,
    extendedConfig: p.ExtendedConfig,
    enableAutomaticRotation: p.EnableAutomaticRotation,
    rotationInterval: p.RotationInterval,
    tags: p.Tags,
  }));

/** Generic secrets answer with the basics; managed types also with their rotation settings. */
export const createSecret = defineAction('CreateSecret', params, async (input, ctx) => {
  const { secret, versionId } = await ctx.service.createSecret({ ...input, deputy: deputyOf(ctx) });
  const base = {
    Arn: arnField(ctx, secret.name),
    SecretName: secret.name,
    VersionId: versionId,
    SecretType: secret.type,
  };
  if (isGeneric(secret)) return base;
  return { ...base, ...rotationFields(secret), ExtendedConfig: secret.extendedConfig ?? undefined };
});
