import { z } from 'zod';
import { driftCheckSeconds } from '../../domain/drift.js';
import { currentBacklog } from '../../domain/rotation.js';
import type { ErrorInfo, RotationBacklog, SecretRecord } from '../../domain/secret.js';
import type { ResponseFields } from '../format.js';
import { defineSecretAction } from './action.js';
import { booleanParam } from './param-schemas.js';
import { arnField, kmsTime, optionalKmsTime, rotationFields, tagsField } from './fields.js';

const params = z
  .object({ FetchTags: booleanParam.optional() })
  .transform((p) => ({ fetchTags: p.FetchTags ?? false }));

export const describeSecret = defineSecretAction('DescribeSecret', params, async (input, secretName, ctx) => {
  const secret = await ctx.service.describeSecret(secretName);
  return {
    Arn: arnField(ctx, secret.name),
    SecretName: secret.name,
    SecretType: secret.type,
    Description: secret.description,
    EncryptionKeyId: secret.encryptionKeyId,
    CreateTime: kmsTime(secret.createdAt),
    UpdateTime: kmsTime(secret.updatedAt),
    PlannedDeleteTime: optionalKmsTime(secret.plannedDeleteAt),
    ExtendedConfig: secret.extendedConfig ?? undefined,
    ...rotationFields(secret),
    Tags: input.fetchTags ? tagsField(secret.tags) : undefined,
    ...rotationStateFields(secret),
  };
});

/**
 * Extensions (not in KMS): where rotation stands, since our rotations are multi-step jobs.
 * RotationStatus is Rotating while a job runs, Failed when the last finished rotation failed,
 * Abandoned when it was given up (stalled, or stopped by a deletion; ACSCurrent kept), Normal
 * otherwise. LastRotationError is the running job's latest error, or the ended rotation's.
 * RotationBacklog appears while a due rotation waits behind caps or rate limits; the drift fields
 * only for secrets that opted in to drift checks.
 */
const rotationStateFields = (secret: SecretRecord): ResponseFields => {
  const { job, lastRotation } = secret;
  const backlog = currentBacklog(secret);
  const ended = lastRotation?.status === 'Failed' || lastRotation?.status === 'Abandoned' ? lastRotation : null;
  const error = job ? job.lastError : ended ? ended.error : null;
  return {
    RotationStatus: job ? 'Rotating' : (ended?.status ?? 'Normal'),
    RotationStep: job?.step,
    LastRotationError: error ? errorField(error) : undefined,
    RotationBacklog: !job && backlog ? backlogField(backlog) : undefined,
    ...driftFields(secret),
  };
};

const backlogField = (backlog: RotationBacklog): ResponseFields => ({
  DueSince: kmsTime(backlog.dueSince),
  Deferrals: backlog.deferrals,
  Overdue: backlog.overdueReported,
});

/** DriftStatus is Unchecked until the first check has run. */
const driftFields = (secret: SecretRecord): ResponseFields => {
  if (driftCheckSeconds(secret) === null) return {};
  const drift = secret.drift;
  return {
    DriftStatus: drift?.status ?? 'Unchecked',
    LastDriftCheck: optionalKmsTime(drift?.checkedAt),
    NextDriftCheck: optionalKmsTime(drift?.nextCheckAt),
    DriftError: drift?.error ? errorField(drift.error) : undefined,
  };
};

const errorField = (error: ErrorInfo): ResponseFields => ({ Code: error.code, Message: error.message });
