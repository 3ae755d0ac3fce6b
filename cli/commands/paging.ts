/** Reads every page of a paged KMS list action. */
import type { ApiParams, ApiResponse, KmsApi } from '../kms.js';
import { wrappedList } from '../output.js';

export const MAX_PAGE_SIZE = 100;

export interface AllPages {
  items: unknown[];
  totalCount: number;
}

export const readAllPages = async (
  api: KmsApi,
  action: string,
  params: ApiParams,
  list: (response: ApiResponse) => unknown,
  itemKey: string,
): Promise<AllPages> => {
  const items: unknown[] = [];
  for (let page = 1; ; page++) {
    const response = await api.call(action, { ...params, PageNumber: String(page), PageSize: String(MAX_PAGE_SIZE) });
    const batch = wrappedList(list(response), itemKey);
    items.push(...batch);
    const reported = Number(response.TotalCount);
    // Without a usable TotalCount, a short page is the last one.
    const done = Number.isFinite(reported) ? items.length >= reported : batch.length < MAX_PAGE_SIZE;
    if (batch.length === 0 || done) return { items, totalCount: Number.isFinite(reported) ? reported : items.length };
  }
};
