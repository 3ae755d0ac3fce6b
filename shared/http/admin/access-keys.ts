/**
 * The AccessKey admin actions (contract: README "Access control"). Only callers allowed
 * `rotor:<Action>` reach them (http/authorize.ts). The secret of a key is returned by
 * CreateAccessKey alone, once.
 */
import { z } from 'zod';
import type { AccessKeyView } from '../../app/access-keys.js';
import { defineAction } from '../actions/action.js';
import { kmsTime } from '../actions/fields.js';
import { optionalText } from '../actions/param-schemas.js';
import type { ResponseFields } from '../format.js';
import { accessControlOf } from './context.js';
import { accessKeyStatusParam, policyNameParam, userAccessKeyIdParam } from './params.js';

const keyFields = (key: AccessKeyView): ResponseFields => ({
  AccessKeyId: key.accessKeyId,
  Status: key.status,
  CreateDate: kmsTime(key.createdAt),
  Description: key.description,
});

export const createAccessKey = defineAction('CreateAccessKey', z.object({ Description: optionalText }), async (input, ctx) => {
  const { key, accessKeySecret } = await accessControlOf(ctx).accessKeys.createAccessKey({ description: input.Description ?? '' });
  const { AccessKeyId, ...rest } = keyFields(key);
  return { AccessKey: { AccessKeyId, AccessKeySecret: accessKeySecret, ...rest } };
});

export const listAccessKeys = defineAction('ListAccessKeys', z.object({}), async (_input, ctx) => {
  const keys = await accessControlOf(ctx).accessKeys.listAccessKeys();
  return {
    AccessKeys: {
      AccessKey: keys.map((key) => ({
        ...keyFields(key),
        Policies: { Policy: key.policyNames.map((name) => ({ PolicyName: name })) },
      })),
    },
  };
});

export const updateAccessKey = defineAction(
  'UpdateAccessKey',
  z.object({ UserAccessKeyId: userAccessKeyIdParam, Status: accessKeyStatusParam }),
  async (input, ctx) => {
    await accessControlOf(ctx).accessKeys.setStatus(input.UserAccessKeyId, input.Status);
    return {};
  },
);

export const deleteAccessKey = defineAction('DeleteAccessKey', z.object({ UserAccessKeyId: userAccessKeyIdParam }), async (input, ctx) => {
  await accessControlOf(ctx).accessKeys.deleteAccessKey(input.UserAccessKeyId);
  return {};
});

export const putAccessKeyPolicy = defineAction(
  'PutAccessKeyPolicy',
  z.object({ UserAccessKeyId: userAccessKeyIdParam, PolicyName: policyNameParam, PolicyDocument: z.string().min(1) }),
  async (input, ctx) => {
    await accessControlOf(ctx).accessKeys.putPolicy(input.UserAccessKeyId, input.PolicyName, input.PolicyDocument);
    return {};
  },
);

export const getAccessKeyPolicy = defineAction(
  'GetAccessKeyPolicy',
  z.object({ UserAccessKeyId: userAccessKeyIdParam, PolicyName: policyNameParam }),
  async (input, ctx) => {
    const policy = await accessControlOf(ctx).accessKeys.getPolicy(input.UserAccessKeyId, input.PolicyName);
    return { PolicyName: policy.name, PolicyDocument: policy.document };
  },
);

export const deleteAccessKeyPolicy = defineAction(
  'DeleteAccessKeyPolicy',
  z.object({ UserAccessKeyId: userAccessKeyIdParam, PolicyName: policyNameParam }),
  async (input, ctx) => {
    await accessControlOf(ctx).accessKeys.deletePolicy(input.UserAccessKeyId, input.PolicyName);
    return {};
  },
);
