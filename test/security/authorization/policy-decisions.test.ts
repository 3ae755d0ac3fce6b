/**
 * Boundary: which key may do what to which secret.
 *
 * Attacker's goal: with a key whose policies do not allow an action on a secret (no Allow, or an
 * explicit Deny, or a condition that does not hold), perform it anyway: by choosing how the secret
 * is named, which signature version carries the request, or whether it goes to the API or the
 * console.
 *
 * The property, over generated policies (Allow/Deny, wildcards, conditions) and generated secret
 * references (plain, ARN, nested ARN, other region or account, case and percent-encoding
 * variants), through the real HTTP surface: a reference that names a secret gets exactly the
 * decision of the policy evaluated on that secret's canonical ARN, for every secret action; a
 * reference that names no secret here is never served; the audit record names the secret; and
 * nothing is changed by a refused request. Each generated reference carries the secret it means,
 * built by the generator, so the expectation does not come from the code under test.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatePolicies, parsePolicyDocument, type PolicyDocument } from '../../../shared/domain/policy/index.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { ACCOUNT, REGION, arnOf, canonicalArn, startBoundaryRuntime, type BoundaryRuntime, type KmsAnswer, type Signing } from '../support/boundary-runtime.js';
import { openConsoleSession } from '../support/console-session.js';
import type { Key, Pairs } from '../support/signed-requests.js';

const SECRETS = ['app-1', 'app/db', 'ops-db', 'team/x/y'] as const;
const ABSENT = ['app-9', 'ops-db2'] as const;
const valueOf = (name: string) => `policy-suite-value-of-${name.replace(/\W/g, '-')}`;

/**
 * For each action, parameters that make an authorized request fail after authorization without
 * changing anything (a missing or invalid parameter), or a request that changes nothing: the
 * state must stay as seeded for the next run.
 */
const ACTIONS: Readonly<Record<string, Pairs>> = {
  GetSecretValue: [],
  DescribeSecret: [],
  ListSecretVersionIds: [],
  RestoreSecret: [],
  PutSecretValue: [['SecretData', 'no-version-id']],
  UpdateSecretVersionStage: [['MoveToVersion', 'v1']],
  UpdateSecret: [['ExtendedConfig.CustomData', '{}']],
  UpdateSecretRotationPolicy: [['RotationInterval', '1d']],
  RotateSecret: [['SecretData', 'no-version-id']],
  DeleteSecret: [['RecoveryWindowInDays', '1']],
};
const READS = new Set(['GetSecretValue', 'DescribeSecret', 'ListSecretVersionIds', 'RestoreSecret']);

// ---- generated policies ----

const actionPattern = fc.constantFrom('kms:*', '*', 'kms:GetSecretValue', 'kms:Get*', 'kms:*Secret', 'kms:Describe*', 'kms:DeleteSecret', 'kms:*Secret*', 'kms:List*', 'rotor:*');
const resourcePattern = fc.constantFrom(
  '*',
  'acs:kms:*:*:secret/*',
  'acs:kms:*:*:secret/app-*',
  'acs:kms:*:*:secret/app*',
  'acs:kms:*:*:secret/ops-*',
  `acs:kms:${REGION}:${ACCOUNT}:secret/ops-db`,
  `acs:kms:${REGION}:*:secret/team/*`,
  'acs:kms:*:*:secret/acs:kms*',
  'acs:kms:*:*:secret/*ops-db*',
  'acs:kms:*:*:secret/app/?b',
  `acs:kms:cn-shanghai:${ACCOUNT}:secret/*`,
  `acs:kms:*:42:secret/*`,
  `acs:kms:*:*:secret`,
);
const someCondition = fc.constantFrom(
  { IpAddress: { 'acs:SourceIp': '127.0.0.0/8' } },
  { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '192.0.2.1'] } },
  { NotIpAddress: { 'acs:SourceIp': '127.0.0.1' } },
  { Bool: { 'acs:SecureTransport': 'true' } },
  { Bool: { 'acs:SecureTransport': 'false' } },
  { DateLessThan: { 'acs:CurrentTime': '2000-01-01T00:00:00Z' } },
  { DateGreaterThan: { 'acs:CurrentTime': '2000-01-01T00:00:00Z' } },
);
/** Mostly none, so that Allow statements often apply and the allowed side is exercised as much as the refused. */
const condition = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: someCondition });
const oneOrMany = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.array(a, { minLength: 1, maxLength: 3 }));
const statement = fc.record({
  Effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Deny'),
  Action: oneOrMany(actionPattern),
  Resource: oneOrMany(resourcePattern),
  Condition: condition,
});
const policyText = fc
  .array(statement, { minLength: 1, maxLength: 3 })
  .map((statements) => ({ Version: '1', Statement: statements.map((s) => (s.Condition ? s : { Effect: s.Effect, Action: s.Action, Resource: s.Resource })) }));

// ---- generated references, each with the secret it means (null: no secret of ours) ----

interface Reference {
  text: string;
  means: string | null;
}
const name = fc.constantFrom<string>(...SECRETS, ...ABSENT);
const reference: fc.Arbitrary<Reference> = fc.oneof(
  { weight: 5, arbitrary: name.map((n) => ({ text: n, means: n })) },
  { weight: 5, arbitrary: name.map((n) => ({ text: arnOf(n), means: n })) },
  fc.tuple(name, name).map(([a, b]) => ({ text: arnOf(`${arnOf(a, 'X', '')}:secret/${b}`), means: null })),
  fc.tuple(name, name).map(([a, b]) => ({ text: arnOf(`${a}:secret/${b}`), means: null })),
  name.map((n) => ({ text: arnOf(arnOf(n)), means: null })),
  name.map((n) => ({ text: arnOf(n, 'cn-shanghai'), means: null })),
  name.map((n) => ({ text: arnOf(n, REGION, '42'), means: null })),
  name.map((n) => ({ text: arnOf(n).toUpperCase(), means: null })),
  name.map((n) => ({ text: arnOf(n).replace('acs:kms', 'acs:KMS'), means: null })),
  name.map((n) => ({ text: encodeURIComponent(arnOf(n)), means: null })),
  name.filter((n) => n.includes('/')).map((n) => ({ text: n.replace('/', '%2F'), means: null })),
  name.map((n) => ({ text: `${n}:`, means: null })),
);

const signing = fc.constantFrom<Signing>('v1-query', 'v1-form', 'v3-query', 'v3-form');
const transportHeader = fc.constantFrom<Record<string, string>>({}, { 'x-forwarded-proto': 'https' }, { 'x-forwarded-proto': 'http' });

const tally = new BoundaryTally('authorization', import.meta.url);
let rt: BoundaryRuntime;
let key: Key;

const decide = (policy: PolicyDocument, action: string, secret: string, secureTransport: boolean): boolean =>
  evaluatePolicies([policy], {
    action: `kms:${action}`,
    resource: canonicalArn(secret),
    context: { sourceIp: '127.0.0.1', secureTransport, currentTime: Date.now() },
  }) === 'Allow';

const parsed = (text: unknown): PolicyDocument => {
  const result = parsePolicyDocument(JSON.stringify(text));
  if (!result.ok) throw new Error(`the generator wrote a policy the grammar refuses: ${JSON.stringify(result.problem)}`);
  return result.document;
};

/** What the answer must be; a description of the crossing when it is not. */
const judge = (answer: KmsAnswer, action: string, ref: Reference, allowed: boolean | null): string | null => {
  const body = JSON.stringify(answer.body);
  for (const s of SECRETS) if (s !== ref.means && body.includes(valueOf(s))) return `revealed ${s}`;
  if (ref.means === null) return answer.status === 200 || answer.status === 403 ? `served a reference to nothing: ${answer.status}` : null;
  if (!allowed) return answer.body.Code === 'Forbidden.NoPermission' && answer.status === 403 ? null : `not refused: ${answer.status} ${String(answer.body.Code)}`;
  if (answer.body.Code === 'Forbidden.NoPermission') return 'refused though allowed';
  const exists = (SECRETS as readonly string[]).includes(ref.means);
  if (READS.has(action) && exists) return answer.status === 200 && answer.body.SecretName === ref.means ? null : `allowed read failed: ${answer.status}`;
  if (!exists) return answer.status === 404 || answer.status === 400 ? null : `absent secret answered ${answer.status}`;
  return answer.status === 400 || answer.status === 409 ? null : `allowed write answered ${answer.status} ${String(answer.body.Code)}`;
};

beforeAll(async () => {
  rt = await startBoundaryRuntime('rotor-authz-');
  for (const s of SECRETS) await rt.createSecret(s, valueOf(s));
  key = await rt.createKey('policy under test');
}, 60_000);

afterAll(async () => {
  tally.write();
  await rt?.stop();
});

describe('authorization through the API', () => {
  it('equals the policy evaluated on the canonical ARN of the secret the reference names, for every secret action', async () => {
    const before = rt.secretState();
    const sent: { requestId: string; means: string | null; text: string }[] = [];
    const outcomes = { allowed: 0, refused: 0, nothingNamed: 0 };
    await fc.assert(
      fc.asyncProperty(policyText, fc.array(fc.tuple(fc.constantFrom(...Object.keys(ACTIONS)), reference, signing, transportHeader), { minLength: 4, maxLength: 8 }), async (policy, requests) => {
        const document = parsed(policy);
        expect((await rt.putPolicy(key, policy)).status).toBe(200);
        for (const [action, ref, how, headers] of requests) {
          const secure = headers['x-forwarded-proto'] === 'https';
          const allowed = ref.means === null ? null : decide(document, action, ref.means, secure);
          outcomes[allowed === null ? 'nothingNamed' : allowed ? 'allowed' : 'refused']++;
          const answer = await rt.call(action, [['SecretName', ref.text], ...(ACTIONS[action] ?? [])], key, how, headers);
          tally.tried();
          const crossing = judge(answer, action, ref, allowed);
          if (crossing) tally.crossed(`${action} ${how} ${JSON.stringify(ref.text)} under ${JSON.stringify(policy)}: ${crossing}`);
          expect(crossing, `${action} ${how} ${JSON.stringify(ref.text)} under ${JSON.stringify(policy)}`).toBeNull();
          sent.push({ requestId: String(answer.body.RequestId), means: ref.means, text: ref.text });
        }
      }),
      { numRuns: 300, seed: 20_261_206 },
    );
    expect(rt.secretState()).toEqual(before);
    // The generator reaches every kind of outcome, or the property would hold by default.
    console.log(`authorization property outcomes: ${JSON.stringify(outcomes)}`);
    for (const count of Object.values(outcomes)) expect(count).toBeGreaterThan(100);

    const audited = await rt.auditedSecretNames(key);
    for (const s of sent) {
      const recorded = audited.get(s.requestId);
      if (s.means !== null) expect(recorded, s.text).toBe(s.means);
      else expect(recorded, s.text).toBe(s.text.slice(0, 256));
    }
  }, 240_000);
});

describe('authorization through the console', () => {
  it('the details page and reveal follow the same decision as the API', async () => {
    const before = rt.secretState();
    let servedCount = 0;
    await fc.assert(
      fc.asyncProperty(policyText, fc.array(reference, { minLength: 2, maxLength: 5 }), async (policy, refs) => {
        const document = parsed(policy);
        expect((await rt.putPolicy(key, policy)).status).toBe(200);
        const session = await openConsoleSession(rt, key);
        for (const ref of refs) {
          const path = `/console/secrets/${encodeURIComponent(ref.text)}`;
          const details = await session.get(path);
          const reveal = await session.post(`${path}/reveal`, {});
          tally.tried(2);
          for (const [action, answer] of [['DescribeSecret', details], ['GetSecretValue', reveal]] as const) {
            const exists = ref.means !== null && (SECRETS as readonly string[]).includes(ref.means);
            const mayDescribe = exists && decide(document, 'DescribeSecret', ref.means as string, false);
            const mayAct = exists && decide(document, action, ref.means as string, false);
            // The reveal page shows the value on the details page: both permissions are needed.
            const served = action === 'DescribeSecret' ? mayDescribe : mayAct && mayDescribe;
            const shownValue = ref.means !== null && answer.body.includes(valueOf(ref.means));
            const otherValue = SECRETS.some((s) => s !== ref.means && answer.body.includes(valueOf(s)));
            if (served) servedCount++;
            const ok = !otherValue && (served ? answer.status === 200 : answer.status >= 400) && shownValue === (action === 'GetSecretValue' && served);
            if (!ok) tally.crossed(`console ${action} ${JSON.stringify(ref.text)} under ${JSON.stringify(policy)}: ${answer.status}`);
            expect(ok, `console ${action} ${JSON.stringify(ref.text)} under ${JSON.stringify(policy)}: ${answer.status}`).toBe(true);
          }
        }
      }),
      { numRuns: 100, seed: 20_261_207 },
    );
    expect(rt.secretState()).toEqual(before);
    console.log(`console property: ${servedCount} answers served`);
    expect(servedCount).toBeGreaterThan(20);
  }, 240_000);
});
