/** Parameters the admin actions share. */
import { z } from 'zod';
import { ACCESS_KEY_STATUSES } from '../../domain/access-key.js';
import { requiredText } from '../actions/param-schemas.js';

/** The key an admin action is about; not `AccessKeyId`, which names the caller's own key in V1 requests. */
export const userAccessKeyIdParam = requiredText;

export const policyNameParam = requiredText;

/** `Active` or `Inactive`, in any case. */
export const accessKeyStatusParam = z.string().transform((value, ctx) => {
  const match = ACCESS_KEY_STATUSES.find((s) => s.toLowerCase() === value.toLowerCase());
  if (match) return match;
  ctx.addIssue({ code: 'custom', message: `must be one of ${ACCESS_KEY_STATUSES.join(', ')}` });
  return z.NEVER;
});
