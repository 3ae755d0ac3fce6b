import { z } from 'zod';
import { defineAction } from './action.js';
import { booleanParam, optionalText, secretNameParam } from './param-schemas.js';
import { isGeneric, kmsTime, rotationFields, stagesField } from './fields.js';

const params = z
  .object({
    SecretName: secretNameParam,
    VersionId: optionalText,
    VersionStage: optionalText,
    FetchExtendedConfig: booleanParam.optional(),
  })
  .transform((p) => ({
    query: { secretName: p.SecretName, versionId: p.VersionId, versionStage: p.VersionStage },
    fetchExtendedConfig: p.FetchExtendedConfig ?? false,
  }));

export const getSecretValue = defineAction('GetSecretValue', params, async (input, ctx) => {
  const query = ctx.callerAccessKeyId ? { ...input.query, requestedBy: ctx.callerAccessKeyId } : input.query;
  const { secret, version, secretData } = await ctx.service.getSecretValue(query);
  const base = {
    SecretName: secret.name,
    SecretType: secret.type,
    VersionId: version.versionId,
    CreateTime: kmsTime(version.createdAt),
    SecretData: secretData,
    SecretDataType: secret.dataType,
    VersionStages: stagesField(version.stages),
  };
  if (isGeneric(secret)) return base;
  return {
    ...base,
    ...rotationFields(secret),
    ExtendedConfig: input.fetchExtendedConfig ? (secret.extendedConfig ?? undefined) : undefined,
  };
});
