/**
 * The RAM policy grammar, as a zod schema from the JSON text to a normalized document:
 *
 *   { "Version": "1",
 *     "Statement": [ { "Effect": "Allow" | "Deny",
 *                      "Action": "kms:GetSecretValue" | [...],        service:Action, wildcards * ?
 *                      "Resource": "acs:kms:*:*:secret/app-*" | [...], or "*"
 *                      "Condition": { "IpAddress": { "acs:SourceIp": ["10.0.0.0/8"] } } } ] }
 *
 * Anything else (NotAction, NotResource, Principal, unknown fields) is refused with the path of the
 * field, e.g. `Statement[0].Effect`, so a policy never means less than its author thinks it does.
 */
import { z } from 'zod';
import { checkKey, checkOperator, checkValue, type ConditionClause } from './conditions.js';
import { ownRecordSchema } from '../own-record-schema.js';

export type Effect = 'Allow' | 'Deny';

export interface PolicyStatement {
  effect: Effect;
  actions: string[];
  resources: string[];
  conditions: ConditionClause[];
}

export interface PolicyDocument {
  version: '1';
  statements: PolicyStatement[];
}

/** RAM's limit for a custom policy document. */
export const MAX_POLICY_DOCUMENT_LENGTH = 6144;
const MAX_STATEMENTS = 100;

/** `kms:GetSecretValue`, `kms:Get*`, `rotor:*`, or `*`. */
const ACTION_FORM = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;
/** `*`, or an ARN-like name starting `acs:` (wildcards allowed anywhere after it). */
const RESOURCE_FORM = /^(\*|acs:[^\s]+)$/;

const oneOrMany = (item: z.ZodString, what: string) =>
  z
    .union([item, z.array(item, { error: `must be a ${what} or an array of them` }).min(1, 'must not be empty')], {
      error: `must be a ${what} or an array of them`,
    })
    .transform((v) => (Array.isArray(v) ? v : [v]));

const actionText = z
  .string({ error: 'must be a string' })
  .regex(ACTION_FORM, 'must be "*" or "<service>:<action>" (wildcards * and ? allowed)');

const resourceText = z
  .string({ error: 'must be a string' })
  .regex(RESOURCE_FORM, 'must be "*" or a resource name starting with "acs:"');

const conditionValue = z.union([z.string(), z.boolean()], { error: 'must be a string or a boolean' });
const conditionValues = z
  .union([conditionValue, z.array(conditionValue).min(1, 'must not be empty')], {
    error: 'must be a string, a boolean, or a non-empty array of them',
  })
  .transform((v) => (Array.isArray(v) ? v : [v]));

/** `{ Operator: { Key: value | [values] } }`, checked pair by pair and flattened into clauses. */
const conditionBlock = ownRecordSchema(ownRecordSchema(conditionValues, 'must be an object of condition keys'), 'must be an object of condition operators')
  .transform((block, ctx): ConditionClause[] => {
    const clauses: ConditionClause[] = [];
    for (const [operatorName, keys] of Object.entries(block)) {
      const operator = checkOperator(operatorName);
      if (!operator.ok) {
        ctx.addIssue({ code: 'custom', path: [operatorName], message: operator.message });
        continue;
      }
      if (Object.keys(keys).length === 0) ctx.addIssue({ code: 'custom', path: [operatorName], message: 'must name at least one key' });
      for (const [keyName, rawValues] of Object.entries(keys)) {
        const key = checkKey(operator.value, keyName);
        if (!key.ok) {
          ctx.addIssue({ code: 'custom', path: [operatorName, keyName], message: key.message });
          continue;
        }
        const values: string[] = [];
        rawValues.forEach((raw, i) => {
          const checked = checkValue(operator.value, raw);
          if (checked.ok) values.push(checked.value);
          else ctx.addIssue({ code: 'custom', path: rawValues.length > 1 ? [operatorName, keyName, i] : [operatorName, keyName], message: checked.message });
        });
        clauses.push({ operator: operator.value, key: key.value, values });
      }
    }
    return clauses;
  });

const statementSchema = z
  .strictObject(
    {
      Effect: z.enum(['Allow', 'Deny'], { error: 'must be "Allow" or "Deny"' }),
      Action: oneOrMany(actionText, 'string'),
      Resource: oneOrMany(resourceText, 'string'),
      Condition: conditionBlock.optional(),
    },
    { error: 'must be an object' },
  )
  .transform(
    (s): PolicyStatement => ({ effect: s.Effect, actions: s.Action, resources: s.Resource, conditions: s.Condition ?? [] }),
  );

export const policyDocumentSchema = z
  .strictObject(
    {
      Version: z.literal('1', { error: 'must be "1"' }),
      Statement: z
        .array(statementSchema, { error: 'must be an array of statements' })
        .min(1, 'must hold at least one statement')
        .max(MAX_STATEMENTS, `must hold at most ${MAX_STATEMENTS} statements`),
    },
    { error: 'must be a JSON object' },
  )
  .transform((d): PolicyDocument => ({ version: d.Version, statements: d.Statement }));

export interface PolicyProblem {
  /** Where in the document, e.g. `Statement[0].Effect`; '' for the document as a whole. */
  path: string;
  /** Names the rule broken, never quotes the policy text. */
  message: string;
}

export type ParsedPolicy = { ok: true; document: PolicyDocument } | { ok: false; problem: PolicyProblem };

const pathText = (path: readonly PropertyKey[]): string =>
  path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');

const valueAt = (json: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (node, step) => (typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[step] : undefined),
    json,
  );

const problemOf = (issue: z.core.$ZodIssue | undefined, json: unknown): PolicyProblem => {
  if (!issue) return { path: '', message: 'is invalid' };
  // An unknown field is reported at the field itself, as every other problem is.
  if (issue.code === 'unrecognized_keys') {
    return { path: pathText([...issue.path, issue.keys[0] ?? '?']), message: 'is not a supported policy element' };
  }
  if (issue.path.length > 0 && valueAt(json, issue.path) === undefined) return { path: pathText(issue.path), message: 'is required' };
  return { path: pathText(issue.path), message: issue.message };
};

/** An unsupported element explains the rest (NotAction makes Action look missing): report it first. */
const firstProblem = (issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined =>
  issues.find((issue) => issue.code === 'unrecognized_keys') ?? issues[0];

/** Parses and checks a policy document given as JSON text. */
export const parsePolicyDocument = (text: string): ParsedPolicy => {
  if (text.length > MAX_POLICY_DOCUMENT_LENGTH) {
    return { ok: false, problem: { path: '', message: `is longer than ${MAX_POLICY_DOCUMENT_LENGTH} characters` } };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: { path: '', message: 'is not valid JSON' } };
  }
  const result = policyDocumentSchema.safeParse(json);
  return result.success ? { ok: true, document: result.data } : { ok: false, problem: problemOf(firstProblem(result.error.issues), json) };
};
