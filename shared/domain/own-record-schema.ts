/**
 * z.record for objects keyed by caller input. z.record copies entries into an ordinary object by
 * assignment, so a key named `__proto__` silently disappears (a policy condition written under it
 * would vanish instead of being refused). This checks each value the same way and returns a
 * prototype-free record (own-record.ts) holding every key.
 */
import { z } from 'zod';
import { ownRecord, type OwnRecord } from './own-record.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const ownRecordSchema = <T extends z.ZodType>(value: T, error: string) =>
  z.unknown().transform((raw, ctx): OwnRecord<z.output<T>> => {
    if (!isPlainObject(raw)) {
      ctx.addIssue({ code: 'custom', message: error });
      return z.NEVER;
    }
    const out = ownRecord<z.output<T>>();
    let valid = true;
    for (const [key, item] of Object.entries(raw)) {
      const parsed = value.safeParse(item);
      if (parsed.success) {
        out[key] = parsed.data;
        continue;
      }
      valid = false;
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: [key, ...issue.path], message: issue.message });
    }
    return valid ? out : z.NEVER;
  });
