import { z } from 'zod';
import { defineSecretAction } from './action.js';
import { booleanParam, optionalText } from './param-schemas.js';
import { isGeneric, kmsTime, rotationFields, stagesField } from './fields.js';

const params = z
  .object({
    VersionId: optionalText,
    VersionStage: optionalText,
    FetchExtendedConfig: booleanParam.optional(),
  })
  .transform((p) => ({
    query: { versionId: p.VersionId, versionStage: p.VersionStage },
    fetchExtendedConfig: p.FetchExtendedConfig ?? false,
  }));

export const getSecretValue = defineSecretAction('GetSecretValue', params, async (input, secretName, ctx) => {
  const query = { ...input.query, secretName, ...(ctx.callerAccessKeyId ? { requestedBy: ctx.callerAccessKeyId } : {}) };
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
