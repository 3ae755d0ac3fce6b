import { z } from 'zod';
import { defineAction } from './action.js';
import { booleanParam, integerParam, secretNameParam } from './param-schemas.js';
import { kmsTime, stagesField } from './fields.js';

const params = z
  .object({
    SecretName: secretNameParam,
    IncludeDeprecated: booleanParam.optional(),
    PageNumber: integerParam(1).optional(),
    PageSize: integerParam(1, 100).optional(),
  })
  .transform((p) => ({
    secretName: p.SecretName,
    includeDeprecated: p.IncludeDeprecated,
    pageNumber: p.PageNumber,
    pageSize: p.PageSize,
  }));

export const listSecretVersionIds = defineAction('ListSecretVersionIds', params, async (input, ctx) => {
  const page = await ctx.service.listSecretVersionIds(input);
  return {
    SecretName: page.secretName,
    PageNumber: page.pageNumber,
    PageSize: page.pageSize,
    TotalCount: page.total,
    VersionIds: {
      VersionId: page.versions.map((v) => ({
        VersionId: v.versionId,
        CreateTime: kmsTime(v.createdAt),
        VersionStages: stagesField(v.stages),
      })),
    },
  };
});
