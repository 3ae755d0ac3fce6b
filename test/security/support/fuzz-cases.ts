/**
 * The fuzz cases, one arbitrary per category. Each case is built lazily (signed when sent, so
 * timestamps are fresh) and says what it may get back:
 *   'refused'  must be answered 4xx (unsigned, mis-signed, replayed requests; and every request
 *              that could change state)
 *   'any'      anything below 500 (well-signed reads with hostile parameters)
 *
 * How "0 state changes" stays an honest assertion: requests that pass authentication as an
 * all-powerful key (root) are built so that no state-changing action can succeed whatever the
 * other parameters hold: CreateSecret only ever names a secret that cannot be stored (checked
 * against KMS's name rules, see `isStorableName`), every other state-changing secret action names
 * a secret that does not exist, and state-changing admin actions name an AccessKey that does not
 * exist (CreateAccessKey is never sent as root). Requests about the existing secrets and keys,
 * state-changing or not, are sent signed by a read-only key (refused by policy), unsigned, or
 * mis-signed. So any 2xx to a state-changing action, or any difference in the store snapshot, is
 * a real defect, never a fuzzer accident.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { ALL_ACTIONS, isKmsAction, paramsOf, plausibleValue, READ_ACTIONS, STATE_CHANGING_ACTIONS, UNKNOWN_ACTIONS } from './action-params.js';
import { fcSignedHeaders } from '../../support/signed-invoke.js';
import { hostileValue, strangeParamName } from './hostile-values.js';
import { encodePairs, signedV1, signedV3, toWellFormed, v1SignedPairs, v1Shape, type Key, type Pairs, type Transport } from './signed-requests.js';
import type { HttpShape } from './wire.js';

export type Expectation = 'refused' | 'any';
/** Which front answers: the KMS API (KMS error bodies), the invoke path (FC's shapes), or raw HTTP. */
export type Front = 'kms' | 'invoke' | 'raw';

export interface FuzzStep {
  wire: HttpShape | Buffer;
  expect: Expectation;
  /** When set, the codes the error may carry. */
  expectCode?: readonly string[];
}

export interface FuzzCase {
  category: string;
  /** The action it asks for, for the counts ('' when none). */
  action: string;
  front: Front;
  steps: () => FuzzStep[];
  /** Raw requests the server is right to wait on (an incomplete body) need no answer. */
  mayGoUnanswered?: boolean;
}

export interface FuzzContext {
  host: string;
  root: Key;
  readOnly: Key;
  existingSecrets: readonly string[];
  existingKeyIds: readonly string[];
  functionNames: readonly string[];
}

// ---- the safety rules ----

const NAME_PATTERN = /^[A-Za-z0-9_/+=.@-]+$/;
const ARN_TAIL = /secret\/(.*)$/s;

/** Every name a value could be read as: itself, trimmed, an ARN's tail. */
const readings = (value: string): string[] => {
  const out = [value, value.trim()];
  for (const v of [...out]) {
    const tail = ARN_TAIL.exec(v)?.[1];
    if (tail !== undefined) out.push(tail, tail.trim());
  }
  return out;
};

/** Could CreateSecret store a secret under this value (KMS's name rules, read generously)? */
export const isStorableName = (value: string): boolean =>
  readings(value).some((n) => n.toLowerCase() === '$auto' || (n.length > 0 && n.length <= 256 && NAME_PATTERN.test(n)));

const namesExisting = (value: string, existing: readonly string[]): boolean =>
  readings(value).some((n) => existing.some((e) => e.toLowerCase() === n.toLowerCase() || n.toLowerCase().startsWith('fz/')));

const unstorableName = fc.oneof(
  hostileValue,
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom('#', '!', '%', '*', '$', ':', '?', ' ', '\u0000', 'é', '漢', '"', '<'), fc.string({ maxLength: 10 })).map(([a, b, c]) => `a${a}${b}${c}`),
  fc.integer({ min: 257, max: 600 }).map((n) => 'n'.repeat(n)),
).filter((v) => !isStorableName(v));

const absentName = (ctx: FuzzContext) =>
  fc.oneof(hostileValue, fc.string({ minLength: 1, maxLength: 30 }).map((s) => `ghost/${s}`)).filter((v) => !namesExisting(v, ctx.existingSecrets));

const absentKeyId = (ctx: FuzzContext) =>
  fc.oneof(hostileValue, fc.string({ minLength: 1, maxLength: 30 }).map((s) => `LTAIghost${s}`)).filter(
    (v) => !ctx.existingKeyIds.some((id) => readings(v).some((r) => r.toLowerCase() === id.toLowerCase())),
  );

/** A name for a read, or for a request that cannot pass authentication: anything, existing ones often. */
const anyName = (ctx: FuzzContext) =>
  fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...ctx.existingSecrets) }, { weight: 3, arbitrary: hostileValue });

// ---- parameter lists ----

const valueFor = (param: string) => fc.oneof({ weight: 2, arbitrary: plausibleValue(param) }, { weight: 3, arbitrary: hostileValue });

const formatParam = fc.option(fc.oneof(fc.constantFrom('XML', 'xml', 'JSON', 'json'), hostileValue), { freq: 3, nil: undefined });

/** Never sent as strangers: they would override the signature's own fields or the safe names. */
const RESERVED_PARAMS = /^(SecretName|UserAccessKeyId|Action|Format|Version|AccessKeyId|Signature|SignatureMethod|SignatureVersion|SignatureNonce|Timestamp)$/i;

/**
 * Names a signed request cannot carry as signed: `__proto__` (dropped by the SDK signer and by the
 * server's object maps alike) and the empty name (dropped from form bodies). A request with them is
 * refused, rightly; they go into the unsigned and mis-signed requests, where refusal is expected.
 */
const UNCARRIED_NAMES = new Set(['__proto__', '']);

/** The action's own parameters, each present or not, plus a few strangers (never a known name). */
const paramPairs = (action: string, fixed: Readonly<Record<string, fc.Arbitrary<string>>>): fc.Arbitrary<Pairs> => {
  const names = paramsOf(action);
  const own = names.map((name) =>
    fixed[name] ? fixed[name].map((v): [string, string] | null => [name, v]) : fc.option(valueFor(name).map((v): [string, string] => [name, v]), { freq: 3, nil: null }),
  );
  const strangers = fc.array(
    fc.tuple(strangeParamName.filter((n) => !names.includes(n) && !RESERVED_PARAMS.test(n.trim()) && !UNCARRIED_NAMES.has(n)), hostileValue),
    { maxLength: 2 },
  );
  return fc.tuple(fc.tuple(...own), strangers, formatParam).map(([mine, extra, format]) => [
    ...mine.filter((p): p is [string, string] => p !== null),
    ...extra,
    ...(format === undefined ? [] : [['Format', format] as [string, string]]),
  ]);
};

/** Parameters that root may send: every state-changing action is bound to fail (see the header). */
const rootSafeParams = (ctx: FuzzContext, action: string): fc.Arbitrary<Pairs> => {
  const fixed: Record<string, fc.Arbitrary<string>> = {};
  if (action === 'CreateSecret') fixed.SecretName = unstorableName;
  else if (STATE_CHANGING_ACTIONS.has(action) && isKmsAction(action)) fixed.SecretName = absentName(ctx);
  else if (paramsOf(action).includes('SecretName')) fixed.SecretName = anyName(ctx);
  if (STATE_CHANGING_ACTIONS.has(action) && paramsOf(action).includes('UserAccessKeyId')) fixed.UserAccessKeyId = absentKeyId(ctx);
  return paramPairs(action, fixed).map((pairs) => {
    assertRootSafe(ctx, action, pairs);
    return pairs;
  });
};

/** The generator's own guard: a case that breaks the rules is a fuzzer bug, stopped before it is sent. */
const assertRootSafe = (ctx: FuzzContext, action: string, pairs: Pairs): void => {
  if (!STATE_CHANGING_ACTIONS.has(action)) return;
  const get = (n: string) => pairs.find(([k]) => k === n)?.[1];
  if (action === 'CreateAccessKey') throw new Error('the fuzzer must not send CreateAccessKey as root');
  const name = get('SecretName');
  if (action === 'CreateSecret' && name !== undefined && isStorableName(name)) throw new Error('unsafe CreateSecret name');
  if (isKmsAction(action) && name !== undefined && namesExisting(name, ctx.existingSecrets)) throw new Error('unsafe secret name');
  const key = get('UserAccessKeyId');
  if (key !== undefined && ctx.existingKeyIds.includes(key.trim())) throw new Error('unsafe key id');
};

const rootActions = ALL_ACTIONS.filter((a) => a !== 'CreateAccessKey');
const transport = fc.constantFrom<Transport>('query-get', 'query-post', 'form');
const expectationOf = (action: string): Expectation => (STATE_CHANGING_ACTIONS.has(action) ? 'refused' : 'any');

const kmsCase = (category: string, action: string, steps: () => FuzzStep[]): FuzzCase => ({ category, action, front: 'kms', steps });

// ---- categories ----

/** Well-signed (V1) as root: hostile parameters reach every action's parsing. */
const signedV1Root = (ctx: FuzzContext) =>
  fc
    .constantFrom(...rootActions)
    .chain((action) => fc.tuple(fc.constant(action), rootSafeParams(ctx, action), transport))
    .map(([action, params, how]) => kmsCase('signed-v1-root', action, () => [{ wire: signedV1(action, params, ctx.root, how), expect: expectationOf(action) }]));

/** Well-signed (V3) as root, parameters in the query or a form body. */
const signedV3Root = (ctx: FuzzContext) =>
  fc
    .constantFrom(...rootActions)
    .chain((action) => fc.tuple(fc.constant(action), rootSafeParams(ctx, action), fc.boolean()))
    .map(([action, params, inBody]) =>
      kmsCase('signed-v3-root', action, () => [{ wire: signedV3(action, params, ctx.root, ctx.host, inBody), expect: expectationOf(action) }]),
    );

/** KMS's SecretName grammar: a reference that is not a name (nor an ARN) names no secret to authorize against. */
const KMS_SECRET_NAME = /^[A-Za-z0-9_/+=.@-]{1,192}$/;

/**
 * Why a read-only key's state-changing request is refused: by policy, unless the secret it names is
 * missing (nothing to authorize against), is not a secret name at all, or is an ARN (another
 * account's, or a malformed one: no such secret here).
 */
const refusalCodesForReadOnly = (action: string, params: Pairs): string[] => {
  const name = params.find(([k]) => k === 'SecretName')?.[1];
  const namesSecret = isKmsAction(action) && action !== 'CreateSecret';
  if (namesSecret && (name === undefined || name === '')) return ['MissingParameter'];
  if (namesSecret && name?.startsWith('acs:kms:')) return ['Forbidden.NoPermission', 'Forbidden.ResourceNotFound', 'InvalidParameter'];
  if (namesSecret && name !== undefined && !KMS_SECRET_NAME.test(name)) return ['InvalidParameter'];
  return ['Forbidden.NoPermission'];
};

/** Well-signed by a key whose policy allows reads only: any action on anything, existing secrets included. */
const signedReadOnly = (ctx: FuzzContext) =>
  fc
    .constantFrom(...ALL_ACTIONS)
    .chain((action) =>
      fc.tuple(fc.constant(action), paramPairs(action, paramsOf(action).includes('SecretName') ? { SecretName: anyName(ctx) } : {}), transport, fc.boolean()),
    )
    .map(([action, params, how, v3]) =>
      kmsCase('signed-read-only-key', action, () => [
        {
          wire: v3 ? signedV3(action, params, ctx.readOnly, ctx.host, how === 'form') : signedV1(action, params, ctx.readOnly, how),
          expect: expectationOf(action),
          ...(STATE_CHANGING_ACTIONS.has(action) ? { expectCode: refusalCodesForReadOnly(action, params) } : {}),
        },
      ]),
    );

/** Parameters a well-formed request to an existing secret might carry, valid ones included. */
const realisticParams = (ctx: FuzzContext, action: string) =>
  paramPairs(action, paramsOf(action).includes('SecretName') ? { SecretName: fc.constantFrom(...ctx.existingSecrets) } : {});

const AUTH_FIELDS = ['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Version'] as const;

/** Auth fields missing, wrong or hostile, on requests that would otherwise be fine (state-changing included). */
const unsigned = (ctx: FuzzContext) =>
  fc
    .constantFrom(...ALL_ACTIONS, ...UNKNOWN_ACTIONS)
    .chain((action) =>
      fc.tuple(
        fc.constant(action),
        realisticParams(ctx, action),
        fc.subarray([...AUTH_FIELDS]),
        fc.array(fc.tuple(fc.constantFrom(...AUTH_FIELDS, ...UNCARRIED_NAMES), hostileValue), { maxLength: 3 }),
        transport,
      ),
    )
    .map(([action, params, kept, hostile, how]) =>
      kmsCase('unsigned', action, () => {
        const common: [string, string][] = kept.map((f) => [f, f === 'Version' ? '2016-01-20' : f === 'SignatureMethod' ? 'HMAC-SHA1' : f === 'SignatureVersion' ? '1.0' : randomUUID()]);
        return [{ wire: v1Shape([['Action', action], ...common, ...hostile, ...params], how), expect: 'refused' }];
      }),
    );

const MINUTE = 60_000;

type Tamper = 'wrong-secret' | 'changed-value' | 'added-param' | 'removed-param' | 'stale-past' | 'stale-future' | 'bad-timestamp' | 'unknown-key' | 'sha256-method' | 'signature-garbage';
const TAMPERS: Tamper[] = ['wrong-secret', 'changed-value', 'added-param', 'removed-param', 'stale-past', 'stale-future', 'bad-timestamp', 'unknown-key', 'sha256-method', 'signature-garbage'];

const tamperV1 = (ctx: FuzzContext, action: string, params: Pairs, tamper: Tamper, how: Transport, pick: number, value: string): HttpShape => {
  const method = how === 'query-get' ? 'GET' : 'POST';
  const base: Pairs = [['Action', action], ...params];
  const sign = (p: Pairs, key: Key = ctx.root, at?: number) => v1SignedPairs(p, key, method, at === undefined ? {} : { at });
  let pairs: [string, string][];
  switch (tamper) {
    case 'wrong-secret':
      pairs = sign(base, { id: ctx.root.id, secret: `${ctx.root.secret}x` });
      break;
    case 'changed-value': {
      pairs = sign(base);
      const i = pick % (pairs.length - 1);
      const [k, v] = pairs[i]!;
      // Compared as the server will decode it: a lone surrogate arrives as U+FFFD.
      pairs[i] = [k, v === toWellFormed(value) ? `${v}~` : value];
      break;
    }
    case 'added-param':
      pairs = [...sign(base), ['Fuzz' + (pick % 100), value]];
      break;
    case 'removed-param': {
      pairs = sign(base);
      pairs.splice(pick % (pairs.length - 1), 1);
      break;
    }
    case 'stale-past':
      pairs = sign(base, ctx.root, Date.now() - 16 * MINUTE - (pick % 10_000) * MINUTE);
      break;
    case 'stale-future':
      pairs = sign(base, ctx.root, Date.now() + 16 * MINUTE + (pick % 10_000) * MINUTE);
      break;
    case 'bad-timestamp':
      pairs = sign([...base, ['Timestamp', value]]);
      break;
    case 'unknown-key':
      pairs = sign(base, { id: value || 'LTAInobody', secret: ctx.root.secret });
      break;
    case 'sha256-method':
      pairs = sign([...base, ['SignatureMethod', pick % 2 ? 'HMAC-SHA256' : 'hmac-sha1'], ['SignatureVersion', pick % 3 ? '1.0' : '2.0']]);
      break;
    case 'signature-garbage':
      pairs = [...sign(base).filter(([k]) => k !== 'Signature'), ['Signature', value]];
      break;
  }
  return v1Shape(pairs, how);
};

/** Bad-timestamp values that are well-formed and in the window are not tampering; skip those. */
const isFreshTimestamp = (v: string): boolean => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v) && Math.abs(Date.parse(v) - Date.now()) < 20 * MINUTE;

/** V1 requests to existing secrets, state-changing ones included, that must fail authentication. */
const misSignedV1 = (ctx: FuzzContext) =>
  fc
    .constantFrom(...ALL_ACTIONS)
    .chain((action) => fc.tuple(fc.constant(action), realisticParams(ctx, action), fc.constantFrom(...TAMPERS), transport, fc.nat(), hostileValue.filter((v) => !isFreshTimestamp(v))))
    .map(([action, params, tamper, how, pick, value]) =>
      kmsCase('mis-signed-v1', action, () => [{ wire: tamperV1(ctx, action, params, tamper, how, pick, value), expect: 'refused' }]),
    );

type TamperV3 = 'wrong-secret' | 'changed-query' | 'changed-action' | 'stale' | 'missing-header' | 'bad-authorization' | 'body-hash' | 'unsigned-header';
const TAMPERS_V3: TamperV3[] = ['wrong-secret', 'changed-query', 'changed-action', 'stale', 'missing-header', 'bad-authorization', 'body-hash', 'unsigned-header'];

const tamperV3 = (ctx: FuzzContext, action: string, params: Pairs, tamper: TamperV3, pick: number, value: string): HttpShape => {
  const inBody = pick % 2 === 1;
  if (tamper === 'wrong-secret') return signedV3(action, params, { id: ctx.root.id, secret: `${ctx.root.secret}x` }, ctx.host, inBody);
  if (tamper === 'stale') return signedV3(action, params, ctx.root, ctx.host, inBody, { at: Date.now() + (pick % 2 ? 1 : -1) * (16 * MINUTE + (pick % 5000) * MINUTE) });
  const shape = signedV3(action, params, ctx.root, ctx.host, inBody);
  const headers = { ...(shape.headers as Record<string, string>) };
  switch (tamper) {
    case 'changed-query':
      return { ...shape, path: `${shape.path}${shape.path.includes('?') ? '&' : '?'}${encodePairs([['SecretName', `${value}~`]])}` };
    case 'changed-action':
      headers['x-acs-action'] = ALL_ACTIONS[pick % ALL_ACTIONS.length] === action ? `${action}X` : ALL_ACTIONS[pick % ALL_ACTIONS.length]!;
      break;
    case 'missing-header': {
      const names = ['x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256', 'x-acs-action', 'x-acs-version', 'authorization'];
      delete headers[names[pick % names.length]!];
      break;
    }
    case 'bad-authorization': {
      const auth = headers.authorization ?? '';
      const variants = [
        auth.replace(/Signature=[0-9a-f]+/, `Signature=${value}`),
        auth.replace(/Credential=[^,]+/, `Credential=${value}`),
        auth.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=host'),
        // Names every JavaScript object answers to: a lookup must not find Object.prototype's.
        auth.replace(/SignedHeaders=([^,]+)/, `SignedHeaders=$1;${['constructor', 'tostring', '__proto__', 'hasownproperty', 'valueof'][pick % 5]}`),
        auth.replace(/,Signature=[0-9a-f]+/, ''),
        auth.replace('ACS3-HMAC-SHA256', 'ACS3-HMAC-SHA1'),
        `ACS3-HMAC-SHA256 ${value}`,
        'ACS3-HMAC-SHA256',
      ];
      headers.authorization = variants[pick % variants.length]!.replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '?');
      break;
    }
    case 'body-hash':
      return { ...shape, headers, body: `${shape.body ?? ''}&Extra=1` };
    case 'unsigned-header':
      headers['x-acs-action'] = action;
      headers.authorization = (headers.authorization ?? '').replace(/SignedHeaders=[^,]+/, 'SignedHeaders=host;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce');
      break;
  }
  return { ...shape, headers };
};

/** V3 requests to existing secrets that must fail authentication. */
const misSignedV3 = (ctx: FuzzContext) =>
  fc
    .constantFrom(...ALL_ACTIONS)
    .chain((action) => fc.tuple(fc.constant(action), realisticParams(ctx, action), fc.constantFrom(...TAMPERS_V3), fc.nat(), hostileValue))
    .map(([action, params, tamper, pick, value]) =>
      kmsCase('mis-signed-v3', action, () => [{ wire: tamperV3(ctx, action, params, tamper, pick, value), expect: 'refused' }]),
    );

/** The same signed request twice: the second is a replay. The first is root-safe, so it changes nothing. */
const replayed = (ctx: FuzzContext) =>
  fc
    .constantFrom(...rootActions)
    .chain((action) => fc.tuple(fc.constant(action), rootSafeParams(ctx, action), transport, fc.boolean()))
    .map(([action, params, how, v3]) =>
      kmsCase('replayed', action, () => {
        const wire = v3 ? signedV3(action, params, ctx.root, ctx.host, how === 'form') : signedV1(action, params, ctx.root, how);
        return [
          { wire, expect: expectationOf(action) },
          { wire, expect: 'refused', expectCode: ['SignatureNonceUsed'] },
        ];
      }),
    );

const FORM = 'application/x-www-form-urlencoded';

/** Bodies that no form decoder should accept quietly. */
const badBody = fc.oneof(
  fc.constantFrom('%', '%ZZ', 'a=%E0%A4', 'SecretName=%', '=&=&', '&&&', 'a=b=c', '%00=%00', 'SecretName=a%2', '+++=+++'),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.constantFrom(Buffer.from([0xc3, 0x28]), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from([0xc0, 0xaf]), Buffer.from('SecretName=\u0000\u0001')),
  hostileValue.map((v) => `SecretName=${v}`),
);

const CONTENT_TYPES = [FORM, `${FORM}; charset=utf-8`, 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/json', 'text/xml', 'multipart/form-data; boundary=x', 'text/plain', '', `${FORM};;;`, 'application/x-www-form-urlencoded\u00e9'];

/** Signed reads in the query with a hostile body beside them, and unsigned requests with raw escapes in the query. */
const encodings = (ctx: FuzzContext) =>
  fc.oneof(
    fc
      .tuple(fc.constantFrom(...READ_ACTIONS), fc.nat(), badBody, fc.constantFrom(...CONTENT_TYPES))
      .chain(([action, , body, type]) => fc.tuple(fc.constant(action), realisticParams(ctx, action), fc.constant(body), fc.constant(type)))
      .map(([action, params, body, type]) =>
        kmsCase('encoding', action, () => {
          const wire = signedV1(action, params, ctx.root, 'query-post');
          const headers: Record<string, string> = type ? { 'content-type': type.replace(/[^\t\x20-\x7e]/g, '?') } : {};
          return [{ wire: { ...wire, headers, body }, expect: 'any' }];
        }),
      ),
    fc
      .tuple(fc.constantFrom(...ALL_ACTIONS), fc.array(fc.constantFrom('%', '%Z', '%ZZ', '%C3%28', '%FF', '%00', '%E2%82', '%%', '+', '%2B', '%26', '%3D', ';', '%uD800'), { minLength: 1, maxLength: 5 }))
      .map(([action, escapes]) =>
        kmsCase('encoding', action, () => [
          { wire: { method: 'POST', path: `/?Action=${action}&SecretName=${escapes.join('')}&Version=2016-01-20&AccessKeyId=${escapes.join('')}`, headers: {} }, expect: 'refused' },
        ]),
      ),
  );

const PATHS = ['/..', '/../', '/../../etc/passwd', '//', '///', '/%2F', '/%2f%2f', '/%2e%2e/', '/.', '/./', '/fn/', '/fn', '/fn//', '/fn/api', '/fn/api/', '/fn/secret-rotor-api/../..', '/fn/%2e%2e', '/fn/%2F', '/fn/nosuch', '/fn/purge', '/fn/secret-rotor-purge/x', '/fn/secret-rotor-create', '/fn/secret-rotor-rotate/', '/fn/schedule-delete', '/fn/restore/a/b', '/fn/\u00e9', '/2023-03-30/functions', '/2023-03-30/functions/', '/2023-03-30/functions/api', '/2023-03-30/functions/api/invocations/../x', '/index.html', '/%00', '/a%00b', '/;', '/?', '/#'];

const INVOKE_PATH = /^\/2023-03-30\/functions\/([^/]+)\/invocations\/?$/;

/** Path tricks and methods, with well-signed (root-safe) or unsigned requests. */
const paths = (ctx: FuzzContext) =>
  fc
    .constantFrom(...rootActions)
    .chain((action) =>
      fc.tuple(
        fc.constant(action),
        rootSafeParams(ctx, action),
        fc.oneof(fc.constantFrom(...PATHS), fc.constantFrom(...ctx.functionNames).map((f) => `/fn/${f}`), fc.string({ maxLength: 12 }).map((s) => `/${encodeURIComponent(s)}`)),
        fc.constantFrom('GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        fc.boolean(),
      ),
    )
    .map(([action, params, rawPath, method, signed]) => {
      const path = encodeURI(rawPath).replace(/%25/g, '%');
      const wire = signed
        ? { ...signedV1(action, params, ctx.root, method === 'GET' ? 'query-get' : 'query-post', path), method }
        : { ...v1Shape([['Action', action], ...params], 'query-post', path), method };
      const onInvokePath = INVOKE_PATH.test(path.split('?')[0] ?? '');
      const expect: Expectation = onInvokePath ? 'any' : signed ? expectationOf(action) : 'refused';
      return {
        category: 'paths',
        action,
        front: onInvokePath ? 'invoke' : 'kms',
        steps: () => [{ wire, expect }],
      } satisfies FuzzCase;
    });

/** Header tricks: content types, huge and many headers, repeats, chunked bodies, odd Host and Authorization. */
const headers = (ctx: FuzzContext) =>
  fc
    .constantFrom(...rootActions)
    .chain((action) =>
      fc.tuple(fc.constant(action), rootSafeParams(ctx, action), fc.nat(), fc.constantFrom(...CONTENT_TYPES), fc.constantFrom('huge', 'too-huge', 'many', 'repeated-auth', 'repeated-type', 'chunked', 'content-type', 'host', 'authorization', 'acs-headers-on-v1')),
    )
    .map(([action, params, pick, type, trick]) =>
      kmsCase('headers', action, () => {
        const form = signedV1(action, params, ctx.root, 'form');
        const formHeaders = form.headers as Record<string, string>;
        switch (trick) {
          case 'huge':
            return [{ wire: { ...form, headers: { ...formHeaders, 'x-pad': 'a'.repeat(100_000 + (pick % 100_000)) } }, expect: expectationOf(action) }];
          case 'too-huge':
            return [{ wire: { ...form, headers: { ...formHeaders, 'x-pad': 'a'.repeat(300_000) } }, expect: 'refused' }];
          case 'many': {
            const many: Record<string, string> = { ...formHeaders };
            for (let i = 0; i < 500 + (pick % 2000); i++) many[`x-h-${i}`] = String(i);
            return [{ wire: { ...form, headers: many }, expect: expectationOf(action) }];
          }
          case 'repeated-auth':
            return [{ wire: { ...form, headers: { ...formHeaders, authorization: ['ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=00', 'Bearer x'] } }, expect: 'refused' }];
          case 'repeated-type':
            return [{ wire: { ...form, headers: { 'content-type': [FORM, 'application/json'] } }, expect: 'refused' }];
          case 'chunked':
            return [{ wire: { ...form, chunked: true }, expect: expectationOf(action) }];
          case 'content-type':
            return [{ wire: { ...form, headers: type ? { 'content-type': type.replace(/[^\t\x20-\x7e]/g, '?') } : {} }, expect: type.toLowerCase().startsWith(FORM) ? expectationOf(action) : 'refused' }];
          case 'host':
            return [{ wire: { ...form, headers: { ...formHeaders, host: ['', 'evil.example', 'a'.repeat(5000), '[::1]:0', 'kms.cn-hangzhou.aliyuncs.com'][pick % 5]! } }, expect: expectationOf(action) }];
          case 'authorization':
            return [{ wire: { ...form, headers: { ...formHeaders, authorization: ['ACS3-HMAC-SHA256', 'acs3-hmac-sha256 Credential=x', 'ACS1 x', 'ACS3-HMAC-SHA256 ,,,,,', `ACS3-HMAC-SHA256 Credential=${ctx.root.id},SignedHeaders=;;;,Signature=`][pick % 5]! } }, expect: 'refused' }];
          case 'acs-headers-on-v1':
            return [{ wire: { ...form, headers: { ...formHeaders, 'x-acs-action': 'DeleteSecret', 'x-acs-version': '1999-01-01', 'x-acs-signature-nonce': 'n' } }, expect: expectationOf(action) }];
        }
      }),
    );

const EVENT_BODIES: readonly string[] = [
  '',
  ' ',
  'not json',
  '{',
  'null',
  '1',
  '"text"',
  '[]',
  '{}',
  '[1,2]',
  '{"version":"v1"}',
  '{"version":"v1","requestContext":{}}',
  '{"version":"v1","rawPath":1,"requestContext":{"http":{"method":""}}}',
  '{"version":"v1","rawPath":"/","headers":{"a":1},"queryParameters":[],"body":5,"isBase64Encoded":"yes","requestContext":{"http":{"method":"POST","path":"/"}}}',
  '{"version":"v1","rawPath":"/","body":"%%%","isBase64Encoded":true,"requestContext":{"http":{"method":"POST","path":"/"}}}',
  '{"triggerTime":"","triggerName":""}',
  '{"triggerTime":5,"triggerName":["x"]}',
  '{"data":{"messageBody":"not json"}}',
  '{"data":{"messageBody":"eyJub3QiOiJhIHN0ZXAifQ=="}}',
  '{"messageBody":"{\\"secretName\\":\\"\\",\\"versionId\\":\\"v\\",\\"step\\":\\"nope\\"}"}',
  '[{"data":{}}]',
  '[{"messageBody":5}]',
  '{"TopicName":"t","Message":"bm90IGpzb24="}',
  '{"TopicName":"","Message":5}',
  '{"specversion":"1.0"}',
  '{"__proto__":{"polluted":true},"version":"v1"}',
  '['.repeat(5_000),
];

/** An HTTP v1 event carrying an unsigned KMS request with hostile parameters. */
const httpEventBody = (ctx: FuzzContext) =>
  fc
    .tuple(fc.constantFrom(...ALL_ACTIONS), fc.nat())
    .chain(([action]) => fc.tuple(fc.constant(action), realisticParams(ctx, action)))
    .map(([action, params]) =>
      JSON.stringify({
        version: 'v1',
        rawPath: '/',
        headers: { 'content-type': FORM },
        queryParameters: Object.fromEntries([['Action', action], ...params]),
        body: '',
        isBase64Encoded: false,
        requestContext: { accountId: '0', requestId: 'fz', http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: '' } },
      }),
    );

/**
 * The loopback invoke path with events no trigger sends, and KMS requests without a signature.
 * Mostly signed with the root key (the invoke path refuses anything else), so the events reach the handlers.
 */
const invoke = (ctx: FuzzContext) =>
  fc
    .tuple(
      fc.oneof(fc.constantFrom(...ctx.functionNames), fc.constantFrom('nosuch', '%2e%2e', 'api%2Finvocations', '%00', 'a'.repeat(300))),
      fc.oneof(fc.constantFrom(...EVENT_BODIES), httpEventBody(ctx), hostileValue),
      fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT'),
      fc.boolean(),
      fc.constantFrom(true, true, true, false),
    )
    .map(([fn, body, method, async, signed]) => ({
      category: 'invoke',
      action: '',
      front: 'invoke' as const,
      steps: () => {
        const path = `/2023-03-30/functions/${fn}/invocations`;
        const key = { accessKeyId: ctx.root.id, accessKeySecret: ctx.root.secret };
        const headers = signed
          ? fcSignedHeaders(key, path, Buffer.from(body, 'utf8'), { async }, method)
          : ((async ? { 'x-fc-invocation-type': 'Async' } : {}) as Record<string, string>);
        return [{ wire: { method, path, headers, body }, expect: 'any' as const }];
      },
    }));

const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'latin1');

const RAW_REQUESTS: readonly { bytes: Buffer; mayGoUnanswered?: boolean }[] = [
  { bytes: crlf('GARBAGE', '', '') },
  { bytes: crlf('GET / HTTP/1.1', 'Host: x', 'Bad Header: v', '', '') },
  { bytes: crlf('GET / HTTP/1.1', 'Host: x', 'NoColonHere', '', '') },
  { bytes: crlf('GET /\u0000 HTTP/1.1', 'Host: x', '', '') },
  { bytes: Buffer.concat([Buffer.from('GET /?SecretName='), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]) },
  { bytes: crlf('GET / HTTP/1.1', 'Host: x', 'X-A: a\u0000b', '', '') },
  { bytes: crlf('POST / HTTP/1.1', 'Host: x', 'Content-Length: -1', '', '') },
  { bytes: crlf('POST / HTTP/1.1', 'Host: x', 'Content-Length: abc', '', '') },
  { bytes: crlf('POST / HTTP/1.1', 'Host: x', 'Content-Length: 1', 'Content-Length: 2', '', 'ab') },
  { bytes: crlf('POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked', '', 'zz', 'abc', '0', '', '') },
  { bytes: crlf('POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked', 'Content-Length: 3', '', '0', '', '') },
  { bytes: crlf('POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: gzip, chunked', '', '0', '', '') },
  { bytes: crlf('GET / HTTP/2.0', 'Host: x', '', '') },
  { bytes: crlf('GET / HTTP/1.2', 'Host: x', '', '') },
  { bytes: crlf('GET /', '', '') },
  { bytes: crlf('FOO / HTTP/1.1', 'Host: x', '', '') },
  { bytes: crlf('GET http://evil.example/ HTTP/1.1', 'Host: x', 'Connection: close', '', '') },
  { bytes: crlf('OPTIONS * HTTP/1.1', 'Host: x', 'Connection: close', '', '') },
  { bytes: crlf('GET / HTTP/1.1', 'Host: x', 'X-Folded: a', ' continued', '', '') },
  { bytes: crlf('GET / HTTP/1.1', 'Host: x', 'X-A: a\rb', '', '') },
  { bytes: crlf(`GET /?${'a'.repeat(300_000)} HTTP/1.1`, 'Host: x', '', '') },
  { bytes: crlf('POST / HTTP/1.1', 'Host: x', 'Expect: 100-continue', 'Content-Length: 0', 'Connection: close', '', '') },
  { bytes: crlf('POST / HTTP/1.1', 'Host: x', 'Content-Length: 100', '', 'short'), mayGoUnanswered: true },
  { bytes: crlf('GET / HTTP/1.1', '', '') },
  { bytes: crlf('GET / HTTP/1.0', '', '') },
  { bytes: Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00]) },
];

/** Bytes no HTTP client sends: the server must answer (or, for an incomplete body, wait) and live on. */
const raw = () =>
  fc.constantFrom(...RAW_REQUESTS).map(({ bytes, mayGoUnanswered }) => ({
    category: 'raw-http',
    action: '',
    front: 'raw' as const,
    ...(mayGoUnanswered ? { mayGoUnanswered } : {}),
    steps: () => [{ wire: bytes, expect: 'any' as const }],
  }));

/** Category → (arbitrary, how many). */
export const fuzzPlan = (ctx: FuzzContext): { category: string; arbitrary: fc.Arbitrary<FuzzCase>; count: number }[] => [
  { category: 'signed-v1-root', arbitrary: signedV1Root(ctx), count: 2_600 },
  { category: 'signed-v3-root', arbitrary: signedV3Root(ctx), count: 1_800 },
  { category: 'signed-read-only-key', arbitrary: signedReadOnly(ctx), count: 1_000 },
  { category: 'unsigned', arbitrary: unsigned(ctx), count: 700 },
  { category: 'mis-signed-v1', arbitrary: misSignedV1(ctx), count: 1_000 },
  { category: 'mis-signed-v3', arbitrary: misSignedV3(ctx), count: 700 },
  { category: 'replayed', arbitrary: replayed(ctx), count: 300 },
  { category: 'encoding', arbitrary: encodings(ctx), count: 600 },
  { category: 'paths', arbitrary: paths(ctx), count: 600 },
  { category: 'headers', arbitrary: headers(ctx), count: 400 },
  { category: 'invoke', arbitrary: invoke(ctx), count: 400 },
  { category: 'raw-http', arbitrary: raw(), count: 120 },
];

