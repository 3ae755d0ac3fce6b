import { z } from 'zod';
import type { ErrorInfo, SecretRecord } from '../../domain/secret.js';
import type { ResponseFields } from '../format.js';
import { defineAction } from './action.js';
import { booleanParam, secretNameParam } from './param-schemas.js';
import { arnField, kmsTime, optionalKmsTime, rotationFields, tagsField } from './fields.js';

const params = z
  .object({ SecretName: secretNameParam, FetchTags: booleanParam.optional() })
  .transform((p) => ({ secretName: p.SecretName, fetchTags: p.FetchTags ?? false }));

export const describeSecret = defineAction('DescribeSecret', params, async (input, ctx) => {
  const secret = await ctx.service.describeSecret(input.secretName);
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
 * Normal otherwise. LastRotationError is the running job's latest error, or the failed rotation's.
 */
const rotationStateFields = (secret: SecretRecord): ResponseFields => {
  const { job, lastRotation } = secret;
  const failed = lastRotation?.status === 'Failed';
  const error = job ? job.lastError : failed ? lastRotation.error : null;
  return {
    RotationStatus: job ? 'Rotating' : failed ? 'Failed' : 'Normal',
    RotationStep: job?.step,
    LastRotationError: error ? errorField(error) : undefined,
  };
};

const errorField = (error: ErrorInfo): ResponseFields => ({ Code: error.code, Message: error.message });
