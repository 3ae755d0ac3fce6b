/** KMS response field formats shared by the actions. */
import { secretArn, type SecretRecord, type Tag } from '../../domain/secret.js';
import type { ResponseFields } from '../format.js';
import type { ActionContext } from './action.js';

/** ISO-8601 UTC without milliseconds, `2023-07-06T18:22:03Z`, as KMS writes times. */
export const kmsTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const optionalKmsTime = (ms: number | null | undefined): string | undefined =>
  ms === null || ms === undefined ? undefined : kmsTime(ms);

export const arnField = (ctx: ActionContext, name: string): string =>
  secretArn(ctx.settings.region, ctx.settings.accountId, name);

export const stagesField = (stages: readonly string[]): ResponseFields => ({ VersionStage: [...stages] });

export const tagsField = (tags: readonly Tag[]): ResponseFields => ({
  Tag: tags.map((t) => ({ TagKey: t.key, TagValue: t.value })),
});

/** AutomaticRotation, RotationInterval (`<seconds>s`), NextRotationDate, LastRotationDate. */
export const rotationFields = (secret: SecretRecord): ResponseFields => {
  const { enabled, intervalSeconds, nextRotationAt, lastRotatedAt } = secret.rotation;
  return {
    AutomaticRotation: enabled ? 'Enabled' : 'Disabled',
    RotationInterval: intervalSeconds === null ? undefined : `${intervalSeconds}s`,
    NextRotationDate: enabled ? optionalKmsTime(nextRotationAt) : undefined,
    LastRotationDate: optionalKmsTime(lastRotatedAt),
  };
};

export const isGeneric = (secret: SecretRecord): boolean => secret.type === 'Generic';
