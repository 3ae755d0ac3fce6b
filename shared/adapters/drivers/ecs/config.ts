/**
 * ExtendedConfig of a managed ECS secret, as in KMS:
 * {"SecretSubType":"Password"|"SSHKey","RegionId":"cn-hangzhou","InstanceId":"i-…","CustomData"?:{}}.
 * The managed user is not in it: it is the UserName of the secret's values.
 */
import { invalidParameter } from '../../../domain/errors.js';

export const ECS_PASSWORD = 'Password';
export const ECS_SSH_KEY = 'SSHKey';
export type EcsSubType = typeof ECS_PASSWORD | typeof ECS_SSH_KEY;
export const ECS_SUBTYPES: readonly EcsSubType[] = [ECS_PASSWORD, ECS_SSH_KEY];

export interface EcsSecretConfig {
  subType: EcsSubType;
  regionId: string;
  instanceId: string;
}

const FIELD = 'ExtendedConfig.';
const REGION_ID = /^[a-z]{2,}(-[a-z0-9]+){1,4}$/;
/** ECS instance ids (`i-` and lowercase letters and digits); ours accepts any safe word after `i-`. */
const INSTANCE_ID = /^i-[A-Za-z0-9_-]{1,64}$/;

export const parseEcsConfig = (config: Record<string, unknown>): EcsSecretConfig => {
  const subType = config.SecretSubType;
  if (typeof subType !== 'string' || !(ECS_SUBTYPES as readonly string[]).includes(subType))
    throw invalidParameter(`${FIELD}SecretSubType`, `must be one of ${ECS_SUBTYPES.join(', ')}`);
  const regionId = config.RegionId;
  if (typeof regionId !== 'string' || !REGION_ID.test(regionId)) throw invalidParameter(`${FIELD}RegionId`, 'must be a region id such as cn-hangzhou');
  const instanceId = config.InstanceId;
  if (typeof instanceId !== 'string' || !INSTANCE_ID.test(instanceId)) throw invalidParameter(`${FIELD}InstanceId`, 'must be an ECS instance id such as i-bp1...');
  return { subType: subType as EcsSubType, regionId, instanceId };
};
