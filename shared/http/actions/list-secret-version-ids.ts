import { z } from 'zod';
import { defineSecretAction } from './action.js';
import { booleanParam, integerParam } from './param-schemas.js';
import { kmsTime, stagesField } from './fields.js';

const params = z
  .object({
    IncludeDeprecated: booleanParam.optional(),
    PageNumber: integerParam(1).optional(),
    PageSize: integerParam(1, 100).optional(),
  })
  .transform((p) => ({
    includeDeprecated: p.IncludeDeprecated,
    pageNumber: p.PageNumber,
    pageSize: p.PageSize,
  }));

export const listSecretVersionIds = defineSecretAction('ListSecretVersionIds', params, async (input, secret, ctx) => {
  const page = await ctx.service.listSecretVersionIds({ ...input, secretName: secret });
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
