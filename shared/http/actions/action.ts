/**
 * One KMS action = a zod schema from raw string parameters to a use-case input, plus a mapping of
 * the use-case result to KMS response fields. Parameter errors name the parameter (and the path
 * inside a JSON-valued one), never its value.
 */
import type { z } from 'zod';
import { invalidParameter, missingParameter, type KmsError } from '../../domain/errors.js';
import type { SecretId } from '../../domain/secret-id.js';
import type { AccessKeyService } from '../../app/access-keys.js';
import type { DeputyCaller } from '../../app/deputy-check.js';
import type { SecretService } from '../../app/service.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { CallerAccess } from '../authorize.js';
import type { RequestParams } from '../params.js';
import type { ResponseFields } from '../format.js';

/** The use cases behind the admin actions (AccessKeys, policies, the audit trail). */
export interface AccessControl {
  accessKeys: AccessKeyService;
  auditLog: AuditLog;
}

export interface ActionContext {
  service: SecretService;
  settings: { region: string; accountId: string };
  /** What the caller may do: for actions whose answer depends on it (ListSecrets). */
  access: CallerAccess;
  /** The signing AccessKey ID (an identifier, not a secret): who asked, for events that say so. */
  callerAccessKeyId?: string;
  /** Set when AccessKeys are wired; the admin actions are served only then. */
  accessControl?: AccessControl;
  /** The secret a secret action acts on, resolved once from SecretName where the request entered. */
  secret?: SecretId;
}

export interface KmsAction {
  readonly name: string;
  /** Acts on one secret, named by SecretName (resolved by the caller into ctx.secret). */
  readonly takesSecret: boolean;
  execute(params: RequestParams, ctx: ActionContext): Promise<ResponseFields>;
}

export const defineAction = <S extends z.ZodType>(
  name: string,
  schema: S,
  run: (input: z.output<S>, ctx: ActionContext) => Promise<ResponseFields>,
): KmsAction => ({
  name,
  takesSecret: false,
  execute: async (params, ctx) => run(parseParams(schema, params), ctx),
});

/**
 * An action on one secret. Its schema never reads SecretName: the secret comes resolved, so the
 * action cannot act on anything but the identity that was authorized.
 */
export const defineSecretAction = <S extends z.ZodType>(
  name: string,
  schema: S,
  run: (input: z.output<S>, secret: SecretId, ctx: ActionContext) => Promise<ResponseFields>,
): KmsAction => ({
  name,
  takesSecret: true,
  execute: async (params, ctx) => {
    if (ctx.secret === undefined) throw missingParameter('SecretName');
    return run(parseParams(schema, params), ctx.secret, ctx);
  },
});

/** The caller, for the use cases' confused-deputy checks (app/deputy-check.ts). */
export const deputyOf = (ctx: ActionContext): DeputyCaller => ({
  access: ctx.access,
  ...(ctx.callerAccessKeyId !== undefined ? { accessKeyId: ctx.callerAccessKeyId } : {}),
});

export const parseParams = <S extends z.ZodType>(schema: S, params: RequestParams): z.output<S> => {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  throw issueToError(result.error.issues[0], params);
};

const issueToError = (issue: z.core.$ZodIssue | undefined, params: RequestParams): KmsError => {
  if (!issue) return invalidParameter('?', 'invalid.');
  const [head, ...rest] = issue.path;
  const top = typeof head === 'string' ? head : String(head ?? '');
  const raw = params[top];
  if (rest.length === 0 && (raw === undefined || raw === '') && isAbsenceIssue(issue)) return missingParameter(top);
  return invalidParameter(parameterPath(top, rest), withFullStop(issue.message));
};

const isAbsenceIssue = (issue: z.core.$ZodIssue): boolean =>
  issue.code === 'invalid_type' || issue.code === 'too_small';

/** `Tags[0].TagKey`: the parameter name, then the path inside its JSON value. */
const parameterPath = (top: string, rest: readonly PropertyKey[]): string =>
  top + rest.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');

const withFullStop = (message: string): string => (/[.!?]$/.test(message) ? message : `${message}.`);
