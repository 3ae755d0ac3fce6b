import { booleanOption, command, listOption, stringOption } from '../command.js';
import { parsePositiveInteger } from '../duration.js';
import { usageError } from '../exit-codes.js';
import { printJson, printTable, record, text, wrappedList } from '../output.js';
import { apiFor } from '../api.js';
import { MAX_PAGE_SIZE, readAllPages } from './paging.js';

/** `--filter SecretName=app` repeated: values of one key are ORed, keys ANDed (KMS Filters). */
const filtersParam = (raw: string[]): string | undefined => {
  if (raw.length === 0) return undefined;
  const byKey = new Map<string, string[]>();
  for (const f of raw) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw usageError('--filter must be KEY=VALUE (keys: SecretName, Description, TagKey, TagValue, SecretType)');
    const key = f.slice(0, eq);
    byKey.set(key, [...(byKey.get(key) ?? []), f.slice(eq + 1)]);
  }
  return JSON.stringify([...byKey].map(([Key, Values]) => ({ Key, Values })));
};

const tagsText = (tags: unknown): string =>
  wrappedList(tags, 'Tag')
    .map((t) => `${text(record(t).TagKey) ?? ''}=${text(record(t).TagValue) ?? ''}`)
    .join(',');

export const listCommand = command({
  name: 'list',
  summary: 'List secrets',
  description:
    'List secrets (ListSecrets), every page unless --page is given. --json prints\n' +
    '{"TotalCount": n, "SecretList": {"Secret": [...]}} (with PageNumber and PageSize for one --page).',
  options: {
    filter: {
      type: 'string',
      multiple: true,
      valueName: 'KEY=VALUE',
      description: 'SecretName, Description, TagKey, TagValue or SecretType (repeatable: same key ORed, keys ANDed)',
    },
    tags: { type: 'boolean', description: 'fetch and show tags' },
    page: { type: 'string', valueName: 'N', description: 'only this page' },
    'page-size': { type: 'string', valueName: 'N', description: `secrets per page with --page, 1-${MAX_PAGE_SIZE}` },
  },
  examples: ['rotor list', 'rotor list --filter SecretName=app- --tags', 'rotor list --json | jq -r ".SecretList.Secret[].SecretName"'],
  run: async (invocation) => {
    const { options, io } = invocation;
    const fetchTags = booleanOption(options, 'tags');
    const page = stringOption(options, 'page');
    const pageSize = stringOption(options, 'page-size');
    if (pageSize !== undefined && page === undefined) throw usageError('--page-size applies with --page');
    const params = { Filters: filtersParam(listOption(options, 'filter')), FetchTags: fetchTags ? 'true' : undefined };
    const api = apiFor(invocation);

    let secrets: unknown[];
    let json: Record<string, unknown>;
    if (page !== undefined) {
      const response = await api.call('ListSecrets', {
        ...params,
        PageNumber: String(parsePositiveInteger('--page', page)),
        PageSize: pageSize !== undefined ? String(parsePositiveInteger('--page-size', pageSize, MAX_PAGE_SIZE)) : undefined,
      });
      secrets = wrappedList(response.SecretList, 'Secret');
      json = response;
    } else {
      const all = await readAllPages(api, 'ListSecrets', params, (r) => r.SecretList, 'Secret');
      secrets = all.items;
      json = { TotalCount: all.totalCount, SecretList: { Secret: all.items } };
    }
    if (invocation.globals.json) {
      printJson(io, json);
      return;
    }
    const headers = ['NAME', 'TYPE', 'CREATED', 'UPDATED', 'DELETION', ...(fetchTags ? ['TAGS'] : [])];
    const rows = secrets.map((s) => {
      const r = record(s);
      return [
        text(r.SecretName) ?? '',
        text(r.SecretType) ?? '',
        text(r.CreateTime) ?? '',
        text(r.UpdateTime) ?? '',
        text(r.PlannedDeleteTime) ?? '-',
        ...(fetchTags ? [tagsText(r.Tags) || '-'] : []),
      ];
    });
    printTable(io, headers, rows, 'No secrets.');
  },
});
