/** What every admin action needs from its context. */
import type { AccessControl, ActionContext } from '../actions/action.js';
import { actionNotFound } from '../http-errors.js';

/** kms-api serves admin actions only with AccessControl wired; this guards a direct call. */
export const accessControlOf = (ctx: ActionContext): AccessControl => {
  if (!ctx.accessControl) throw actionNotFound();
  return ctx.accessControl;
};
