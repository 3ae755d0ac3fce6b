/**
 * The driver's say on a value a caller writes to a driver-managed secret (PutSecretValue, a
 * RotateSecret custom value): the target was fixed when the secret was created, and a written
 * value must not name another one. Refused before anything is stored or queued.
 */
import { STAGE_CURRENT, stageHolder, type SecretRecord } from '../domain/secret.js';
import type { UseCaseContext } from './context.js';

export const checkWrittenValue = async (ctx: UseCaseContext, secret: SecretRecord, value: string): Promise<void> => {
  const check = ctx.driverFor(secret)?.checkWrittenValue;
  if (!check) return;
  const currentId = stageHolder(secret.stages, STAGE_CURRENT);
  const currentValue = currentId ? await ctx.reveal(secret.name, currentId) : null;
  await check({ secret: ctx.driverSecret(secret), value, currentValue });
};
