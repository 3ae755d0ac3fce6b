import { z } from 'zod';
import { defineSecretAction, deputyOf } from './action.js';
import { jsonParam, requiredText, secretDataTypeParam } from './param-schemas.js';
import { stagesField } from './fields.js';

const stageList = z.array(z.string({ error: 'must be a string' }).min(1, 'must not be empty'), {
  error: 'must be a JSON array of stage names',
});

/** Current docs send `["ACSCurrent","ACSNext"]`; the old docs showed `{"VersionStage":[...]}`. Both work. */
const versionStagesParam = jsonParam(z.union([stageList, z.object({ VersionStage: stageList }).transform((o) => o.VersionStage)]));

const params = z
  .object({
    VersionId: requiredText,
    SecretData: requiredText,
    SecretDataType: secretDataTypeParam.optional(),
    VersionStages: versionStagesParam.optional(),
  })
  .transform((p) => ({
    versionId: p.VersionId,
    secretData: p.SecretData,
    secretDataType: p.SecretDataType,
    versionStages: p.VersionStages,
  }));

export const putSecretValue = defineSecretAction('PutSecretValue', params, async (input, secretName, ctx) => {
  const { secret, version } = await ctx.service.putSecretValue({ ...input, secretName, deputy: deputyOf(ctx) });
  return { SecretName: secret.name, VersionId: version.versionId, VersionStages: stagesField(version.stages) };
});
