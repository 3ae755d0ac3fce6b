/**
 * Zod building blocks for RPC parameters. Every parameter arrives as a string; booleans are
 * "true"/"false" (any case), numbers are decimal integers, and JSON-valued parameters are parsed
 * here so a syntax error names the parameter. Range and content rules (name charset, value size,
 * rotation interval bounds ...) belong to the use cases, so every caller gets the same rules.
 */
import { z } from 'zod';
import { SECRET_TYPES, type SecretType } from '../../domain/secret.js';

export const optionalText = z.string().optional();

/** A required parameter; an empty value counts as not provided. */
export const requiredText = z.string().min(1);

/** The name of a new secret (CreateSecret); its grammar is the use case's rule. Actions on an existing secret get it resolved (defineSecretAction). */
export const secretNameParam = requiredText;

const BOOLEAN_TEXT = /^(true|false)$/i;
export const booleanParam = z
  .string()
  .regex(BOOLEAN_TEXT, 'must be "true" or "false"')
  .transform((v) => v.toLowerCase() === 'true');

export const integerParam = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a decimal integer')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** Canonical casing for any casing the caller used ("rds" -> "Rds"). */
export const secretTypeParam = z.string().transform((value, ctx): SecretType => {
  const match = SECRET_TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
  if (match) return match;
  ctx.addIssue({ code: 'custom', message: `must be one of ${SECRET_TYPES.join(', ')}` });
  return z.NEVER;
});

export const secretDataTypeParam = z
  .string()
  .regex(/^(text|binary)$/i, 'must be "text" or "binary"')
  .transform((v) => v.toLowerCase() as 'text' | 'binary');

/**
 * A parameter holding JSON, validated by `shape`. The JSON parser's own message is not used: it
 * quotes the input, which may be secret.
 */
export const jsonParam = <T extends z.ZodType>(shape: T) =>
  z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(shape);

/** ExtendedConfig: a JSON object, passed on as the text received. */
export const jsonObjectTextParam = z.string().superRefine((text, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
    return;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
  }
});

const tagShape = z.object({
  TagKey: z.string({ error: 'must be a string' }),
  TagValue: z.string({ error: 'must be a string' }),
});

/** Tags: `[{"TagKey":"k","TagValue":"v"}]`. */
export const tagsParam = jsonParam(z.array(tagShape, { error: 'must be a JSON array of {TagKey, TagValue}' })).transform(
  (tags) => tags.map((t) => ({ key: t.TagKey, value: t.TagValue })),
);
