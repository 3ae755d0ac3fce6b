/** The five RAM actions a managed RAM secret needs, with RAM's response shapes. */
import { invalidStatus, missingParameter, noPermission } from './errors.js';
import type { Caller } from './auth.js';
import type { RamState } from './state.js';

export interface OperationContext {
  params: Record<string, string>;
  caller: Caller;
  state: RamState;
  /** When true, a user's own key may call GetUser and ListAccessKeys on that user (real RAM: only with a policy). */
  usersMayReadThemselves: boolean;
}

type Operation = (ctx: OperationContext) => Record<string, unknown>;

const required = (params: Record<string, string>, name: string): string => {
  const value = params[name];
  if (!value) throw missingParameter(name);
  return value;
};

const requireManager = (ctx: OperationContext, action: string): void => {
  if (ctx.caller.kind !== 'manager') throw noPermission(action);
};

const requireManagerOrSelf = (ctx: OperationContext, action: string, userName: string): void => {
  if (ctx.caller.kind === 'manager') return;
  if (!ctx.usersMayReadThemselves || ctx.caller.userName !== userName) throw noPermission(action);
};

export const RAM_OPERATIONS: Record<string, Operation> = {
  CreateAccessKey(ctx) {
    requireManager(ctx, 'CreateAccessKey');
    const key = ctx.state.createKey(required(ctx.params, 'UserName'));
    return {
      AccessKey: { AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret, Status: key.status, CreateDate: key.createDate },
    };
  },
  ListAccessKeys(ctx) {
    const userName = required(ctx.params, 'UserName');
    requireManagerOrSelf(ctx, 'ListAccessKeys', userName);
    ctx.state.getUser(userName);
    const keys = ctx.state.keysOf(userName).map((k) => ({ AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createDate }));
    return { AccessKeys: { AccessKey: keys } };
  },
  UpdateAccessKey(ctx) {
    requireManager(ctx, 'UpdateAccessKey');
    const status = required(ctx.params, 'Status');
    if (status !== 'Active' && status !== 'Inactive') throw invalidStatus();
    ctx.state.setStatus(required(ctx.params, 'UserName'), required(ctx.params, 'UserAccessKeyId'), status);
    return {};
  },
  DeleteAccessKey(ctx) {
    requireManager(ctx, 'DeleteAccessKey');
    ctx.state.deleteKey(required(ctx.params, 'UserName'), required(ctx.params, 'UserAccessKeyId'));
    return {};
  },
  GetUser(ctx) {
    const userName = required(ctx.params, 'UserName');
    requireManagerOrSelf(ctx, 'GetUser', userName);
    const user = ctx.state.getUser(userName);
    return {
      User: { UserName: user.userName, UserId: user.userId, DisplayName: user.userName, CreateDate: user.createDate, UpdateDate: user.createDate },
    };
  },
};
