import { z } from 'zod';
import { defineAction } from './action.js';
import { booleanParam, integerParam, optionalText } from './param-schemas.js';

const params = z
  .object({
    PasswordLength: integerParam(0).optional(),
    ExcludeCharacters: optionalText,
    ExcludeLowercase: booleanParam.optional(),
    ExcludeUppercase: booleanParam.optional(),
    ExcludeNumbers: booleanParam.optional(),
    ExcludePunctuation: booleanParam.optional(),
    RequireEachIncludedType: booleanParam.optional(),
  })
  .transform((p) => ({
    passwordLength: p.PasswordLength,
    excludeCharacters: p.ExcludeCharacters,
    excludeLowercase: p.ExcludeLowercase,
    excludeUppercase: p.ExcludeUppercase,
    excludeNumbers: p.ExcludeNumbers,
    excludePunctuation: p.ExcludePunctuation,
    requireEachIncludedType: p.RequireEachIncludedType,
  }));

export const getRandomPassword = defineAction('GetRandomPassword', params, async (input, ctx) => ({
  RandomPassword: await ctx.service.getRandomPassword(input),
}));
