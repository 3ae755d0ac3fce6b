/** The signed-in pages: list, create wizard, details, rotate, delete, restore, health. */
import { randomUUID } from 'node:crypto';
import { isKmsError, KmsError } from '../domain/errors.js';
import { ownValue } from '../domain/own-record.js';
import type { SecretRecord } from '../domain/secret.js';
import type { SecretId } from '../domain/secret-id.js';
import type { HttpResponse } from '../http/types.js';
import {
  checkCredentials,
  draftFromCredentialsForm,
  draftWithRotation,
  emptyDraft,
  isDraft,
  toCreateInput,
  type Draft,
} from './create-draft.js';
import { openDraft, sealDraft } from './draft-seal.js';
import type { ConsoleGateway, ListQuery } from './gateway.js';
import { healthFigures, isOverdue, rotationProgress, rotationTimeline } from './history.js';
import { htmlResponse, jsonResponse, redirect } from './respond.js';
import { createdPage, credentialsStep, reviewStep, rotationStep } from './views/create-wizard.js';
import { healthPage } from './views/health.js';
import { formatTime, html } from './views/html.js';
import { errorBox, page, secretPath, type PageContext } from './views/layout.js';
import { deletePage, restorePage, rotatePage } from './views/secret-actions.js';
import { detailsPage, type DetailsModel } from './views/secret-details.js';
import { secretsListPage } from './views/secrets-list.js';

export interface RequestScope {
  ctx: PageContext;
  gateway: ConsoleGateway;
  method: string;
  segments: string[];
  query: Record<string, string>;
  form: Record<string, string>;
  sealKey: Buffer;
  sessionId: string;
  region: string;
}

const HISTORY_DAYS = 30;
const DAY_MS = 86_400_000;
const PAGE_SIZE = 20;

const asKmsError = (error: unknown): KmsError => {
  if (isKmsError(error)) return error;
  throw error;
};

const notFound = (ctx: PageContext): HttpResponse =>
  htmlResponse(404, page(ctx, 'Not found', html`<h1>Not found</h1><p><a href="${ctx.base}/secrets">Back to Secrets</a></p>`));

const errorPage = (ctx: PageContext, error: KmsError): HttpResponse =>
  htmlResponse(error.httpStatus, page(ctx, 'Error', html`<h1>Secrets</h1>${errorBox(error)}<p><a href="${ctx.base}/secrets">Back to Secrets</a></p>`));

export const routeSignedIn = async (s: RequestScope): Promise<HttpResponse> => {
  const [first, name, action, extra] = s.segments;
  const get = s.method === 'GET';
  if (first === undefined) return redirect(`${s.ctx.base}/secrets`);
  if (first === 'health' && get) return health(s);
  if (first !== 'secrets' || extra !== undefined) return notFound(s.ctx);
  if (name === undefined) return get ? list(s) : notFound(s.ctx);
  if (name === 'new') return wizard(s, action);
  let secret: SecretId;
  try {
    secret = s.gateway.resolve(name);
  } catch (error) {
    const e = asKmsError(error);
    return action === 'progress' ? jsonResponse(e.httpStatus, { code: e.code, message: e.message }) : errorPage(s.ctx, e);
  }
  return routeSecret(s, secret, action, get);
};

const routeSecret = (s: RequestScope, name: SecretId, action: string | undefined, get: boolean): Promise<HttpResponse> | HttpResponse => {
  switch (action) {
    case undefined:
      return get ? details(s, name, {}) : notFound(s.ctx);
    case 'reveal':
      return get ? redirect(secretPath(s.ctx, name)) : reveal(s, name);
    case 'progress':
      return progress(s, name);
    case 'rotate':
      return get ? confirmPage(s, name, rotatePage) : rotate(s, name);
    case 'delete':
      return get ? confirmPage(s, name, deletePage) : planDeletion(s, name);
    case 'restore':
      return get ? confirmPage(s, name, restorePage) : restore(s, name);
    default:
      return notFound(s.ctx);
  }
};

const listQuery = (q: Record<string, string>): ListQuery => ({
  pageNumber: Math.max(1, Math.min(10_000, Number.parseInt(q.page ?? '1', 10) || 1)),
  pageSize: PAGE_SIZE,
  search: (q.search ?? '').slice(0, 192),
  type: q.type ?? '',
  status: q.status ?? '',
});

const LIST_NOTICES: Record<string, string> = { deleted: 'The secret was deleted.' };

const list = async (s: RequestScope): Promise<HttpResponse> => {
  const query = listQuery(s.query);
  const notice = ownValue(LIST_NOTICES, s.query.done ?? '') ?? null;
  try {
    return htmlResponse(200, secretsListPage(s.ctx, query, await s.gateway.list(query), null, notice));
  } catch (error) {
    const e = asKmsError(error);
    return htmlResponse(e.httpStatus, secretsListPage(s.ctx, query, null, e, notice));
  }
};

const detailsNotice = (secret: SecretRecord, done: string | undefined): string | null => {
  if (done === 'deletion-planned') return `Deletion planned: the secret will be deleted on ${formatTime(secret.plannedDeleteAt)} unless restored.`;
  if (done === 'restored') return 'The secret was restored and can be used as normal.';
  if (done === 'rotation') return 'Rotation triggered. Its progress is shown below.';
  return null;
};

const details = async (s: RequestScope, name: SecretId, extra: Partial<DetailsModel>, status = 200): Promise<HttpResponse> => {
  let secret: SecretRecord;
  try {
    secret = await s.gateway.describe(name);
  } catch (error) {
    return errorPage(s.ctx, asKmsError(error));
  }
  const versions = s.gateway.may('ListSecretVersionIds', name) ? await s.gateway.versions(name).catch(() => null) : null;
  const events = await s.gateway.secretEvents(name, s.gateway.now() - HISTORY_DAYS * DAY_MS);
  const rotation = s.query.rotation;
  const timeline = events ? rotationTimeline(events) : null;
  const model: DetailsModel = {
    secret,
    versions,
    timeline,
    progress: rotation ? rotationProgress(secret, rotation, timeline?.find((r) => r.versionId === rotation)) : null,
    revealed: null,
    error: null,
    notice: detailsNotice(secret, rotation ? 'rotation' : s.query.done),
    ...extra,
  };
  return htmlResponse(status, detailsPage(s.ctx, model));
};

const reveal = async (s: RequestScope, name: SecretId): Promise<HttpResponse> => {
  try {
    const value = await s.gateway.reveal(name);
    return details(s, name, { revealed: value });
  } catch (error) {
    const e = asKmsError(error);
    return details(s, name, { error: e }, e.httpStatus);
  }
};

const progress = async (s: RequestScope, name: SecretId): Promise<HttpResponse> => {
  try {
    const secret = await s.gateway.describe(name);
    const version = s.query.version ?? '';
    const events = await s.gateway.secretEvents(name, s.gateway.now() - DAY_MS);
    const entry = events ? rotationTimeline(events).find((r) => r.versionId === version) : undefined;
    return jsonResponse(200, rotationProgress(secret, version, entry));
  } catch (error) {
    const e = asKmsError(error);
    return jsonResponse(e.httpStatus, { code: e.code, message: e.message });
  }
};

type ConfirmView = (ctx: PageContext, secret: SecretRecord, error: KmsError | null) => ReturnType<typeof page>;

const confirmPage = async (s: RequestScope, name: SecretId, view: ConfirmView, error: KmsError | null = null): Promise<HttpResponse> => {
  try {
    return htmlResponse(error?.httpStatus ?? 200, view(s.ctx, await s.gateway.describe(name), error));
  } catch (e) {
    return errorPage(s.ctx, asKmsError(e));
  }
};

const rotate = async (s: RequestScope, name: SecretId): Promise<HttpResponse> => {
  const custom = s.form.useCustom === 'on' ? (s.form.customValue ?? '') : undefined;
  try {
    if (custom === '') throw new KmsError('MissingParameter', 400, 'Use Custom Secret is on: enter the new secret value.');
    const { versionId } = await s.gateway.rotate(name, custom);
    return redirect(`${secretPath(s.ctx, name)}?rotation=${encodeURIComponent(versionId)}`);
  } catch (error) {
    return confirmPage(s, name, rotatePage, asKmsError(error));
  }
};

const planDeletion = async (s: RequestScope, name: SecretId): Promise<HttpResponse> => {
  const force = s.form.method === 'now';
  try {
    const days = Number(s.form.days);
    if (!force && (!Number.isInteger(days) || days < 7 || days > 30))
      throw new KmsError('InvalidParameter', 400, 'Delete In must be a whole number of days from 7 to 30.');
    await s.gateway.scheduleDeletion(name, force ? { force: true } : { force: false, recoveryWindowInDays: days });
    return force ? redirect(`${s.ctx.base}/secrets?done=deleted`) : redirect(`${secretPath(s.ctx, name)}?done=deletion-planned`);
  } catch (error) {
    return confirmPage(s, name, deletePage, asKmsError(error));
  }
};

const restore = async (s: RequestScope, name: SecretId): Promise<HttpResponse> => {
  try {
    await s.gateway.restore(name);
    return redirect(`${secretPath(s.ctx, name)}?done=restored`);
  } catch (error) {
    return confirmPage(s, name, restorePage, asKmsError(error));
  }
};

/** The draft a wizard form carries; a missing or foreign one starts over. */
const carriedDraft = (s: RequestScope): Draft | null => {
  const opened = s.form.draft ? openDraft(s.sealKey, s.sessionId, s.form.draft) : null;
  return isDraft(opened) ? opened : null;
};

const wizard = async (s: RequestScope, step: string | undefined): Promise<HttpResponse> => {
  const seal = (d: Draft) => sealDraft(s.sealKey, s.sessionId, d);
  if (s.method === 'GET') return step === undefined ? htmlResponse(200, credentialsStep(s.ctx, emptyDraft(s.region), null, null)) : notFound(s.ctx);
  const carried = carriedDraft(s);
  if (step === 'credentials') {
    const draft = draftFromCredentialsForm(s.form, carried ?? emptyDraft(s.region));
    try {
      checkCredentials(draft);
    } catch (error) {
      // What was typed is kept (sealed) so only the missing field needs entering again.
      return htmlResponse(400, credentialsStep(s.ctx, draft, seal(draft), asKmsError(error)));
    }
    return htmlResponse(200, rotationStep(s.ctx, draft, seal(draft), null));
  }
  if (!carried) return htmlResponse(400, credentialsStep(s.ctx, emptyDraft(s.region), null, new KmsError('InvalidParameter', 400, 'The wizard expired; start again.')));
  if (step === 'edit') return htmlResponse(200, credentialsStep(s.ctx, carried, seal(carried), null));
  if (step === 'rotation') {
    try {
      const draft = draftWithRotation(s.form, carried);
      return htmlResponse(200, reviewStep(s.ctx, draft, seal(draft), null));
    } catch (error) {
      return htmlResponse(400, rotationStep(s.ctx, carried, seal(carried), asKmsError(error)));
    }
  }
  if (step === 'confirm' && carried.rotation) {
    try {
      const { secret } = await s.gateway.create(toCreateInput(carried, randomUUID()));
      return htmlResponse(200, createdPage(s.ctx, secret.name));
    } catch (error) {
      const e = asKmsError(error);
      return htmlResponse(e.httpStatus, reviewStep(s.ctx, carried, seal(carried), e));
    }
  }
  return notFound(s.ctx);
};

/** Every visible secret, page by page (the overdue list needs all of them). */
const allVisible = async (gateway: ConsoleGateway): Promise<SecretRecord[]> => {
  const secrets: SecretRecord[] = [];
  for (let pageNumber = 1; pageNumber <= 100; pageNumber++) {
    const result = await gateway.list({ pageNumber, pageSize: 100, search: '', type: '', status: '' });
    secrets.push(...result.secrets);
    if (secrets.length >= result.total || result.secrets.length === 0) break;
  }
  return secrets;
};

const health = async (s: RequestScope): Promise<HttpResponse> => {
  try {
    const now = s.gateway.now();
    const [secrets, events] = await Promise.all([allVisible(s.gateway), s.gateway.rotationEvents(now - DAY_MS)]);
    const overdue = secrets.filter((secret) => isOverdue(secret, now));
    return htmlResponse(200, healthPage(s.ctx, events ? healthFigures(events) : null, overdue, null));
  } catch (error) {
    const e = asKmsError(error);
    return htmlResponse(e.httpStatus, healthPage(s.ctx, null, [], e));
  }
};
