/** The account names values carry, for the drivers' resourcesOf: what a rotation would act on. */
import { parseAccountCredential, partnerAccount } from '../../domain/database-accounts.js';

/** AccountName of each `{"AccountName","AccountPassword"}` value; for DoubleUsers each partner too. */
export const accountNamesOf = (values: readonly (string | null | undefined)[], withPartners: boolean): string[] => {
  const names = new Set<string>();
  for (const value of values) {
    const credential = parseAccountCredential(value);
    if (!credential) continue;
    names.add(credential.AccountName);
    if (withPartners) names.add(partnerAccount(credential.AccountName));
  }
  return [...names];
};

/** A string field of a JSON object value (UserName), or null. */
export const jsonStringField = (value: string | null | undefined, field: string): string | null => {
  if (!value) return null;
  try {
    const parsed = JSON.parse(value) as unknown;
    const found = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[field] : undefined;
    return typeof found === 'string' && found !== '' ? found : null;
  } catch {
    return null;
  }
};
