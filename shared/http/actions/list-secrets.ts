import { z } from 'zod';
import { secretResource } from '../../domain/policy/index.js';
import type { SecretRecord } from '../../domain/secret.js';
import type { ResponseFields } from '../format.js';
import { defineAction } from './action.js';
import { booleanParam, integerParam, jsonParam } from './param-schemas.js';
import { kmsTime, optionalKmsTime, tagsField } from './fields.js';

/** The shape only: which keys are supported is the domain's rule (domain/list-filter.ts). */
const filterShape = z.object({
  Key: z.string({ error: 'must be a string' }).min(1, 'must not be empty'),
  Values: z.array(z.string({ error: 'must be a string' }), { error: 'must be a JSON array of strings' }),
});

/** Filters: `[{"Key":"SecretName","Values":["a","b"]}]`, at most 10; Values of one key are ORed. */
const filtersParam = jsonParam(
  z.array(filterShape, { error: 'must be a JSON array of {Key, Values}' }).max(10, 'must hold at most 10 filters'),
).transform((filters) => filters.map((f) => ({ key: f.Key, values: f.Values })));

const params = z
  .object({
    PageNumber: integerParam(1).optional(),
    PageSize: integerParam(1, 100).optional(),
    FetchTags: booleanParam.optional(),
    Filters: filtersParam.optional(),
  })
  .transform((p) => ({
    query: { pageNumber: p.PageNumber, pageSize: p.PageSize, filters: p.Filters },
    fetchTags: p.FetchTags ?? false,
  }));

/**
 * A caller with policies sees only the secrets it may kms:DescribeSecret (the same metadata);
 * TotalCount and the pages count those alone, so paging stays consistent. See http/authorize.ts.
 */
export const listSecrets = defineAction('ListSecrets', params, async (input, ctx) => {
  const visible = ctx.access.unrestricted
    ? undefined
    : (secret: SecretRecord) => ctx.access.may('kms:DescribeSecret', secretResource(ctx.settings, secret.name));
  const page = await ctx.service.listSecrets({ ...input.query, ...(visible ? { visible } : {}) });
  return {
    PageNumber: page.pageNumber,
    PageSize: page.pageSize,
    TotalCount: page.total,
    SecretList: { Secret: page.secrets.map((s) => listEntry(s, input.fetchTags)) },
  };
});

const listEntry = (secret: SecretRecord, fetchTags: boolean): ResponseFields => ({
  SecretName: secret.name,
  SecretType: secret.type,
  CreateTime: kmsTime(secret.createdAt),
  UpdateTime: kmsTime(secret.updatedAt),
  PlannedDeleteTime: optionalKmsTime(secret.plannedDeleteAt),
  Tags: fetchTags ? tagsField(secret.tags) : undefined,
});
