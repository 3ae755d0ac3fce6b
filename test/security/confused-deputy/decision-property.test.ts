/**
 * Boundary: the deputy decision at CreateSecret, as a function of the caller's policy and the config.
 *
 * Attacker's goal: find a policy and an ExtendedConfig for which CreateSecret accepts a secret that
 * uses a managing secret, or acts on an account or role, the policy does not allow; or a privileged
 * account or role (postgres, root, pg_*) under a policy that allows it only through a wildcard.
 *
 * The property, over generated policies (Allow/Deny, wildcard and exact actions and resources) and
 * generated PostgreSQL configs (host, port, strategy, account, role, managing secret), through the
 * real HTTP API: CreateSecret succeeds exactly when the policy allows kms:CreateSecret on the
 * container, kms:UseManagingSecret on the managing secret, and for each target the config names
 * kms:RotateTarget (kms:RotatePrivilegedTarget, from a statement naming it, for a privileged one).
 * The managing secrets' ManagedScope admits everything generated, so only the policy decides. The
 * expected resources are built here, from what the generator chose, not by the code under test.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { evaluatePolicies, parsePolicyDocument, type PolicyDocument, type RequestContext } from '../../../shared/domain/policy/index.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { ACCOUNT, REGION, arnOf, startBoundaryRuntime, type BoundaryRuntime } from '../support/boundary-runtime.js';
import type { Key } from '../support/signed-requests.js';

const tally = new BoundaryTally('confused-deputy', import.meta.url);
let rt: BoundaryRuntime;
let key: Key;

const MANAGERS = ['mgr/a', 'mgr/b'] as const;
const HOSTS = ['127.0.0.1', 'db2.internal'] as const;
const PORTS = [5432, 6432] as const;
const PRIVILEGED = new Set(['postgres', 'root', 'pg_read_server_files']);

const actionPattern = fc.constantFrom(
  'kms:*',
  '*',
  'kms:CreateSecret',
  'kms:UseManagingSecret',
  'kms:RotateTarget',
  'kms:RotatePrivilegedTarget',
  'kms:Rotate*',
  'kms:*Target',
);
const resourcePattern = fc.constantFrom(
  '*',
  'acs:kms:*:*:secret',
  'acs:kms:*:*:secret/mgr/*',
  arnOf('mgr/a'),
  'acs:rotor:*:*:database/127.0.0.1:*',
  'acs:rotor:*:*:database/*/account/app_*',
  'acs:rotor:*:*:database/*:5432/*',
  'acs:rotor:*:*:database/*/role/*',
  'acs:rotor:*:*:database/*/account/postgres',
  'acs:rotor:*:*:database/*/account/root*',
  'acs:rotor:*:*:database/*/role/pg_*',
);
const oneOrMany = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.array(a, { minLength: 1, maxLength: 3 }));
const statement = fc.record({
  Effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Allow', 'Deny'),
  Action: oneOrMany(actionPattern),
  Resource: oneOrMany(resourcePattern),
});
const policyText = fc.array(statement, { minLength: 1, maxLength: 5 }).map((statements) => ({ Version: '1', Statement: statements }));

interface Config {
  manager: string;
  host: string;
  port: number;
  strategy: 'SingleUser' | 'DoubleUsers';
  account: string;
  role: string;
}
const config: fc.Arbitrary<Config> = fc.record({
  manager: fc.constantFrom(...MANAGERS),
  host: fc.constantFrom(...HOSTS),
  port: fc.constantFrom(...PORTS),
  strategy: fc.constantFrom('SingleUser' as const, 'DoubleUsers' as const),
  account: fc.constantFrom('app_a', 'app_b', 'postgres', 'root'),
  role: fc.constantFrom('app_reader', 'postgres', 'pg_read_server_files'),
});

// ---- the expectation, built from the generator's choices ----

const CONTEXT: RequestContext = { sourceIp: '127.0.0.1', secureTransport: false, currentTime: Date.now() };
const allows = (policy: PolicyDocument, action: string, resource: string): boolean =>
  evaluatePolicies([policy], { action, resource, context: CONTEXT }) === 'Allow';
/** A Deny anywhere counts; an Allow only from a statement that lists the action without a wildcard. */
const allowsByName = (policy: PolicyDocument, action: string, resource: string): boolean => {
  const named: PolicyDocument = { version: '1', statements: policy.statements.filter((s) => s.effect === 'Deny' || s.actions.some((a) => a.toLowerCase() === action.toLowerCase())) };
  return evaluatePolicies([named], { action, resource, context: CONTEXT }) === 'Allow';
};

const targetsOf = (c: Config): { resource: string; privileged: boolean }[] => {
  const base = `acs:rotor:${REGION}:${ACCOUNT}:database/${c.host}:${c.port}`;
  const accounts = c.strategy === 'DoubleUsers' ? [c.account, `${c.account}_clone`] : [c.account];
  return [
    ...accounts.map((a) => ({ resource: `${base}/account/${a}`, privileged: PRIVILEGED.has(a) })),
    ...(c.strategy === 'DoubleUsers' ? [{ resource: `${base}/role/${c.role}`, privileged: PRIVILEGED.has(c.role) }] : []),
  ];
};

const expectedAllowed = (policy: PolicyDocument, c: Config): boolean =>
  allows(policy, 'kms:CreateSecret', `acs:kms:${REGION}:${ACCOUNT}:secret`) &&
  allows(policy, 'kms:UseManagingSecret', arnOf(c.manager)) &&
  targetsOf(c).every((t) => (t.privileged ? allowsByName(policy, 'kms:RotatePrivilegedTarget', t.resource) : allows(policy, 'kms:RotateTarget', t.resource)));

beforeAll(async () => {
  rt = await startBoundaryRuntime('rotor-deputy-property-');
  // Admits every host, account and role generated, privileged names spelled out: the scope never decides here.
  const scope = {
    Hosts: HOSTS.flatMap((h) => PORTS.map((p) => `${h}:${p}`)),
    Accounts: ['*', 'postgres', 'root'],
    Roles: ['*', 'postgres', 'pg_read_server_files'],
  };
  for (const name of MANAGERS)
    await rt.setup('CreateSecret', [
      ['SecretName', name],
      ['VersionId', 'm1'],
      ['SecretData', JSON.stringify({ AccountName: 'manager', AccountPassword: 'not-a-real-password-1' })],
      ['ExtendedConfig', JSON.stringify({ ManagedScope: scope })],
    ]);
  key = await rt.createKey('confused-deputy property');
}, 60_000);

afterAll(async () => {
  tally.write();
  await rt?.stop();
  expect(tally.crossedCount).toBe(0);
});

let serial = 0;

it('CreateSecret is allowed exactly when the policy allows every resource the config names', async () => {
  const seen = { allowed: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(policyText, config, async (text, c) => {
      const parsed = parsePolicyDocument(JSON.stringify(text));
      if (!parsed.ok) return;
      expect((await rt.putPolicy(key, text)).status).toBe(200);
      const extended = { SecretSubType: 'PostgreSQL', Strategy: c.strategy, Host: c.host, Port: c.port, ManagerSecretName: c.manager, ...(c.strategy === 'DoubleUsers' ? { Role: c.role } : {}) };
      const name = `prop/${++serial}`;
      tally.tried();
      const answer = await rt.call(
        'CreateSecret',
        [['SecretName', name], ['VersionId', 'v1'], ['SecretData', JSON.stringify({ AccountName: c.account, AccountPassword: 'Initial-Pass-1' })], ['ExtendedConfig', JSON.stringify(extended)]],
        key,
      );
      const expected = expectedAllowed(parsed.document, c);
      if (answer.status === 200 && !expected) tally.crossed(`created ${JSON.stringify(c)} under ${JSON.stringify(text)}`);
      expect({ status: answer.status, code: answer.body.Code }).toEqual(expected ? { status: 200, code: undefined } : { status: 403, code: 'Forbidden.NoPermission' });
      seen[expected ? 'allowed' : 'refused']++;
    }),
    { numRuns: 300 },
  );
  // Both sides of the decision were exercised, or the property says little.
  expect(seen.allowed).toBeGreaterThan(5);
  expect(seen.refused).toBeGreaterThan(5);
}, 300_000);
