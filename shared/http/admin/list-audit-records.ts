/**
 * ListAuditRecords: the audit trail, newest first, one page at a time.
 *
 * The key and action filters are FilterAccessKeyId and FilterAction: `AccessKeyId` and `Action` are
 * common parameters of every RPC request (the signer's key, the action called) and cannot double as
 * filters. SecretName filters by secret.
 */
import { z } from 'zod';
import type { AuditRecord } from '../../ports/audit-log.js';
import { defineAction } from '../actions/action.js';
import { kmsTime } from '../actions/fields.js';
import { integerParam, optionalText } from '../actions/param-schemas.js';
import type { ResponseFields } from '../format.js';
import { accessControlOf } from './context.js';

const DEFAULT_PAGE_SIZE = 10;

/** ISO 8601 with a zone: `2026-05-01T00:00:00Z`, `2026-05-01T08:00:00+08:00`. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const timeParam = z.string().transform((text, ctx) => {
  const at = ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (!Number.isNaN(at)) return at;
  ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time such as 2026-05-01T00:00:00Z' });
  return z.NEVER;
});

const nonEmpty = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

const params = z.object({
  PageNumber: integerParam(1).optional(),
  PageSize: integerParam(1, 100).optional(),
  FilterAccessKeyId: optionalText,
  SecretName: optionalText,
  FilterAction: optionalText,
  StartTime: timeParam.optional(),
  EndTime: timeParam.optional(),
});

const recordFields = (record: AuditRecord): ResponseFields => ({
  RequestId: record.requestId,
  Time: kmsTime(record.time),
  AccessKeyId: record.accessKeyId,
  Action: record.action,
  SecretName: record.secretName ?? '',
  Outcome: record.outcome,
  ErrorCode: record.errorCode ?? '',
  SourceIp: record.sourceIp,
});

export const listAuditRecords = defineAction('ListAuditRecords', params, async (input, ctx) => {
  const pageNumber = input.PageNumber ?? 1;
  const pageSize = input.PageSize ?? DEFAULT_PAGE_SIZE;
  const filters = {
    accessKeyId: nonEmpty(input.FilterAccessKeyId),
    secretName: nonEmpty(input.SecretName),
    action: nonEmpty(input.FilterAction),
    from: input.StartTime,
    to: input.EndTime,
  };
  const page = await accessControlOf(ctx).auditLog.query({
    ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)),
    offset: (pageNumber - 1) * pageSize,
    limit: pageSize,
  });
  return {
    TotalCount: page.total,
    PageNumber: pageNumber,
    PageSize: pageSize,
    AuditRecords: { AuditRecord: page.records.map(recordFields) },
  };
});
