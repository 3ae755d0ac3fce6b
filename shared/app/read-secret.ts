import { invalidParameter, secretInDeleteWindow, versionNotFound } from '../domain/errors.js';
import { EventTypes } from '../domain/events.js';
import { assertValidFilters } from '../domain/list-filter.js';
import { STAGE_CURRENT, STAGE_PREVIOUS, stageHolder, stagesOf, type SecretRecord } from '../domain/secret.js';
import type { SecretId } from '../domain/secret-id.js';
import { validatePage } from '../domain/validation.js';
import type {
  GetSecretValueInput,
  ListSecretVersionIdsInput,
  ListSecretVersionIdsOutput,
  ListSecretsInput,
  ListSecretsOutput,
  SecretValueView,
} from './commands.js';
import type { UseCaseContext } from './context.js';

/** Managed (non-Generic) secrets are read by stage only, and only ACSCurrent or ACSPrevious. */
const resolveVersionId = (secret: SecretRecord, input: GetSecretValueInput): string => {
  const managed = secret.type !== 'Generic';
  const stage = input.versionStage || undefined;
  const versionId = managed ? undefined : input.versionId || undefined;
  if (managed && stage && stage !== STAGE_CURRENT && stage !== STAGE_PREVIOUS)
    throw invalidParameter('VersionStage', 'managed secrets can be read only as ACSCurrent or ACSPrevious');
  if (versionId && stage) {
    if (stageHolder(secret.stages, stage) !== versionId) throw invalidParameter('VersionStage', 'does not match VersionId');
    return versionId;
  }
  if (versionId) return versionId;
  const wanted = stage ?? STAGE_CURRENT;
  const byStage = stageHolder(secret.stages, wanted);
  if (!byStage) throw versionNotFound(secret.name, `stage ${wanted}`);
  return byStage;
};

export const getSecretValue = async (ctx: UseCaseContext, input: GetSecretValueInput): Promise<SecretValueView> => {
  const secret = await ctx.load(input.secretName);
  if (secret.plannedDeleteAt !== null) {
    // Something still reads a secret about to go away: worth an alert before it breaks for good.
    // The refusal is the caller's answer even if the event cannot be published.
    await ctx
      .emit(EventTypes.readWhilePendingDeletion, secret, {
        plannedDeleteTime: new Date(secret.plannedDeleteAt).toISOString(),
        ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
      })
      .catch(() => undefined);
    throw secretInDeleteWindow(secret.name);
  }
  const versionId = resolveVersionId(secret, input);
  const version = await ctx.deps.store.getVersion(secret.name, versionId);
  if (!version) throw versionNotFound(secret.name, `id ${versionId}`);
  const secretData = await ctx.open(secret.name, versionId, version);
  return {
    secret,
    version: { versionId, createdAt: version.createdAt, stages: stagesOf(secret, versionId) },
    secretData,
  };
};

export const describeSecret = (ctx: UseCaseContext, secret: SecretId): Promise<SecretRecord> => ctx.load(secret);

export const listSecrets = async (ctx: UseCaseContext, input: ListSecretsInput): Promise<ListSecretsOutput> => {
  const pageNumber = validatePage('PageNumber', input.pageNumber, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = validatePage('PageSize', input.pageSize, 10, 100);
  const filters = input.filters ?? [];
  if (filters.length > 10) throw invalidParameter('Filters', 'at most 10 filters');
  // Checked before any read, so a bad filter is an error even on an empty store.
  assertValidFilters(filters);
  const page = await ctx.deps.store.listSecrets({
    offset: (pageNumber - 1) * pageSize,
    limit: pageSize,
    filters,
    ...(input.visible ? { visible: input.visible } : {}),
  });
  return { pageNumber, pageSize, total: page.total, secrets: page.items };
};

export const listSecretVersionIds = async (
  ctx: UseCaseContext,
  input: ListSecretVersionIdsInput,
): Promise<ListSecretVersionIdsOutput> => {
  const secret = await ctx.load(input.secretName);
  const pageNumber = validatePage('PageNumber', input.pageNumber, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = validatePage('PageSize', input.pageSize, 20, 100);
  const all = (await ctx.deps.store.listVersions(secret.name))
    .map((v) => ({ versionId: v.versionId, createdAt: v.createdAt, stages: stagesOf(secret, v.versionId) }))
    .filter((v) => input.includeDeprecated || v.stages.length > 0);
  const start = (pageNumber - 1) * pageSize;
  return { secretName: secret.name, pageNumber, pageSize, total: all.length, versions: all.slice(start, start + pageSize) };
};
