/** A console session over plain HTTP, as a browser would hold it: the session cookie and the CSRF token of its pages. */
import type { Key } from './signed-requests.js';
import type { WireResponse, HttpShape } from './wire.js';

export interface ConsoleAnswer {
  status: number;
  body: string;
  headers: WireResponse['headers'];
}

export interface ConsoleSession {
  get(path: string): Promise<ConsoleAnswer>;
  /** A same-origin form post carrying the session's CSRF token. */
  post(path: string, form: Record<string, string>): Promise<ConsoleAnswer>;
}

const FORM = 'application/x-www-form-urlencoded';
const CSRF_FIELD = /name="_csrf" value="([^"]+)"/;

const answerOf = (res: WireResponse): ConsoleAnswer => ({ status: res.status, body: res.body.toString('utf8'), headers: res.headers });

type ConsoleTarget = { host: string; send(shape: HttpShape): Promise<WireResponse> };

/** Signs in through the console's form; the session cookie (`name=value`) it set. */
export const signInCookie = async (target: ConsoleTarget, key: Key): Promise<string> => {
  const signIn = await target.send({
    method: 'POST',
    path: '/console/signin',
    headers: { 'content-type': FORM, origin: `http://${target.host}`, host: target.host },
    body: new URLSearchParams({ accessKeyId: key.id, accessKeySecret: key.secret }).toString(),
  });
  const setCookie = signIn.headers['set-cookie'];
  const cookie = (Array.isArray(setCookie) ? setCookie[0] : setCookie)?.split(';')[0];
  if (signIn.status >= 400 || !cookie) throw new Error(`console sign-in failed: ${signIn.status}`);
  return cookie;
};

export const openConsoleSession = async (target: ConsoleTarget, key: Key): Promise<ConsoleSession> => {
  const origin = `http://${target.host}`;
  const cookie = await signInCookie(target, key);
  const get = async (path: string) => answerOf(await target.send({ method: 'GET', path, headers: { cookie, host: target.host } }));
  const listPage = await get('/console/secrets');
  const csrf = CSRF_FIELD.exec(listPage.body)?.[1];
  if (!csrf) throw new Error('no CSRF token on the secrets page');
  return {
    get,
    post: async (path, form) =>
      answerOf(
        await target.send({
          method: 'POST',
          path,
          headers: { cookie, origin, host: target.host, 'content-type': FORM },
          body: new URLSearchParams({ ...form, _csrf: csrf }).toString(),
        }),
      ),
  };
};
