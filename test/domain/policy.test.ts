/** The RAM policy engine: grammar, wildcards, case rules, conditions and the Deny-wins evaluation. */
import { describe, expect, it } from 'vitest';
import {
  evaluatePolicies,
  parsePolicyDocument,
  resourceMatches,
  actionMatches,
  wildcardMatch,
  type Decision,
  type PolicyDocument,
  type RequestContext,
} from '../../shared/domain/policy/index.js';

const SECRET = (name: string) => `acs:kms:cn-hangzhou:123456:secret/${name}`;
const CONTAINER = 'acs:kms:cn-hangzhou:123456:secret';
const NOW = Date.UTC(2026, 4, 1, 12, 0, 0);
const CONTEXT: RequestContext = { sourceIp: '10.1.2.3', secureTransport: true, currentTime: NOW };

type RawStatement = Record<string, unknown>;

/** A policy from statements, through the real parser (so the table also exercises the grammar). */
const policy = (...statements: RawStatement[]): PolicyDocument => {
  const parsed = parsePolicyDocument(JSON.stringify({ Version: '1', Statement: statements }));
  if (!parsed.ok) throw new Error(`test policy is invalid: ${parsed.problem.path} ${parsed.problem.message}`);
  return parsed.document;
};

const allow = (Action: unknown, Resource: unknown, Condition?: unknown): RawStatement => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});
const deny = (Action: unknown, Resource: unknown, Condition?: unknown): RawStatement => ({
  Effect: 'Deny',
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});

describe('wildcards', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything:at/all', true],
    ['app-*', 'app-db', true],
    ['app-*', 'app-', true],
    ['app-*', 'ap-db', false],
    ['app-?b', 'app-db', true],
    ['app-?b', 'app-b', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['*-db', 'app/x-db', true],
    ['a**', 'a', true],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000), false],
  ])('%s ~ %s is %s', (pattern, value, expected) => {
    expect(wildcardMatch(pattern, value)).toBe(expected);
  });

  it('compares actions without case, resources with case', () => {
    expect(actionMatches('kms:getsecretvalue', 'kms:GetSecretValue')).toBe(true);
    expect(actionMatches('KMS:Get*', 'kms:GetSecretValue')).toBe(true);
    expect(resourceMatches(SECRET('App-*'), SECRET('app-db'))).toBe(false);
    expect(resourceMatches(SECRET('app-*'), SECRET('app-db'))).toBe(true);
  });
});

describe('evaluation', () => {
  const appReader = policy(allow('kms:GetSecretValue', SECRET('app-*')));

  const cases: Array<[string, PolicyDocument[], string, string, Decision]> = [
    ['no policy: default deny', [], 'kms:GetSecretValue', SECRET('app-db'), 'ImplicitDeny'],
    ['allowed action on a matching secret', [appReader], 'kms:GetSecretValue', SECRET('app-db'), 'Allow'],
    ['same action, secret outside the pattern', [appReader], 'kms:GetSecretValue', SECRET('ops-db'), 'ImplicitDeny'],
    ['other action on a matching secret', [appReader], 'kms:DeleteSecret', SECRET('app-db'), 'ImplicitDeny'],
    ['action names ignore case', [policy(allow('KMS:getSECRETvalue', SECRET('app-*')))], 'kms:GetSecretValue', SECRET('app-db'), 'Allow'],
    ['resource names keep case', [policy(allow('kms:GetSecretValue', SECRET('APP-*')))], 'kms:GetSecretValue', SECRET('app-db'), 'ImplicitDeny'],
    ['kms:Get* covers GetSecretValue', [policy(allow('kms:Get*', '*'))], 'kms:GetSecretValue', SECRET('x'), 'Allow'],
    ['kms:Get* does not cover DescribeSecret', [policy(allow('kms:Get*', '*'))], 'kms:DescribeSecret', SECRET('x'), 'ImplicitDeny'],
    ['kms:* does not cover rotor actions', [policy(allow('kms:*', '*'))], 'rotor:CreateAccessKey', '*', 'ImplicitDeny'],
    ['rotor:* on * covers admin actions', [policy(allow('rotor:*', '*'))], 'rotor:CreateAccessKey', '*', 'Allow'],
    ['a secret pattern does not cover the admin resource', [policy(allow('rotor:*', SECRET('*')))], 'rotor:ListAccessKeys', '*', 'ImplicitDeny'],
    ['the container is not a secret', [policy(allow('kms:ListSecrets', SECRET('*')))], 'kms:ListSecrets', CONTAINER, 'ImplicitDeny'],
    ['the container by name', [policy(allow('kms:ListSecrets', CONTAINER))], 'kms:ListSecrets', CONTAINER, 'Allow'],
    ['a wildcard region and account', [policy(allow('kms:*', 'acs:kms:*:*:secret/*'))], 'kms:PutSecretValue', SECRET('a/b'), 'Allow'],
    ['"*" action and resource allow everything', [policy(allow('*', '*'))], 'rotor:DeleteAccessKey', '*', 'Allow'],
    ['one of several actions and resources', [policy(allow(['kms:DescribeSecret', 'kms:GetSecretValue'], [SECRET('a'), SECRET('b')]))], 'kms:GetSecretValue', SECRET('b'), 'Allow'],
    ['Deny overrides Allow in the same policy', [policy(allow('kms:*', '*'), deny('kms:GetSecretValue', SECRET('ops-*')))], 'kms:GetSecretValue', SECRET('ops-db'), 'ExplicitDeny'],
    ['Deny overrides Allow from another policy, in either order', [policy(deny('kms:*', SECRET('ops-*'))), policy(allow('*', '*'))], 'kms:GetSecretValue', SECRET('ops-db'), 'ExplicitDeny'],
    ['a Deny elsewhere leaves the Allow alone', [policy(allow('kms:*', '*'), deny('kms:GetSecretValue', SECRET('ops-*')))], 'kms:GetSecretValue', SECRET('app-db'), 'Allow'],
    ['a Deny alone is still a deny', [policy(deny('kms:DeleteSecret', '*'))], 'kms:DeleteSecret', SECRET('a'), 'ExplicitDeny'],
  ];

  it.each(cases)('%s', (_what, policies, action, resource, expected) => {
    expect(evaluatePolicies(policies, { action, resource, context: CONTEXT })).toBe(expected);
  });
});

describe('conditions', () => {
  const withCondition = (condition: unknown) => [policy(allow('kms:GetSecretValue', '*', condition))];
  const decide = (condition: unknown, context: Partial<RequestContext> = {}): Decision =>
    evaluatePolicies(withCondition(condition), {
      action: 'kms:GetSecretValue',
      resource: SECRET('app-db'),
      context: { ...CONTEXT, ...context },
    });

  const cases: Array<[string, unknown, Partial<RequestContext>, Decision]> = [
    ['IpAddress: inside the block', { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } }, {}, 'Allow'],
    ['IpAddress: outside the block', { IpAddress: { 'acs:SourceIp': '192.168.0.0/16' } }, {}, 'ImplicitDeny'],
    ['IpAddress: one of several values', { IpAddress: { 'acs:SourceIp': ['192.168.0.0/16', '10.1.2.3'] } }, {}, 'Allow'],
    ['IpAddress: an IPv4-mapped IPv6 source', { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } }, { sourceIp: '::ffff:10.9.9.9' }, 'Allow'],
    ['IpAddress: IPv6 block', { IpAddress: { 'acs:SourceIp': '2001:db8::/32' } }, { sourceIp: '2001:db8::1' }, 'Allow'],
    ['IpAddress: an unknown source is in no block', { IpAddress: { 'acs:SourceIp': '0.0.0.0/0' } }, { sourceIp: '' }, 'ImplicitDeny'],
    ['NotIpAddress: outside the block', { NotIpAddress: { 'acs:SourceIp': '192.168.0.0/16' } }, {}, 'Allow'],
    ['NotIpAddress: inside the block', { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } }, {}, 'ImplicitDeny'],
    ['NotIpAddress: an unknown source is outside', { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } }, { sourceIp: 'garbage' }, 'Allow'],
    ['Bool SecureTransport true over HTTPS', { Bool: { 'acs:SecureTransport': 'true' } }, {}, 'Allow'],
    ['Bool SecureTransport true over HTTP', { Bool: { 'acs:SecureTransport': true } }, { secureTransport: false }, 'ImplicitDeny'],
    ['Bool SecureTransport false over HTTP', { Bool: { 'acs:SecureTransport': 'false' } }, { secureTransport: false }, 'Allow'],
    ['DateLessThan: before', { DateLessThan: { 'acs:CurrentTime': '2026-05-01T12:00:01Z' } }, {}, 'Allow'],
    ['DateLessThan: at the instant', { DateLessThan: { 'acs:CurrentTime': '2026-05-01T12:00:00Z' } }, {}, 'ImplicitDeny'],
    ['DateLessThanEquals: at the instant', { DateLessThanEquals: { 'acs:CurrentTime': '2026-05-01T20:00:00+08:00' } }, {}, 'Allow'],
    ['DateGreaterThan: after', { DateGreaterThan: { 'acs:CurrentTime': '2026-05-01T11:59:59Z' } }, {}, 'Allow'],
    ['DateGreaterThan: before', { DateGreaterThan: { 'acs:CurrentTime': '2026-06-01T00:00:00Z' } }, {}, 'ImplicitDeny'],
    ['keys are case-insensitive', { ipaddress: { 'ACS:sourceip': '10.0.0.0/8' } }, {}, 'Allow'],
    [
      'every operator must hold (AND)',
      { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' }, Bool: { 'acs:SecureTransport': 'true' } },
      { secureTransport: false },
      'ImplicitDeny',
    ],
    [
      'a time window: both bounds hold',
      { DateGreaterThan: { 'acs:CurrentTime': '2026-01-01T00:00:00Z' }, DateLessThan: { 'acs:CurrentTime': '2027-01-01T00:00:00Z' } },
      {},
      'Allow',
    ],
  ];

  it.each(cases)('%s', (_what, condition, context, expected) => {
    expect(decide(condition, context)).toBe(expected);
  });

  it('applies a Deny only when its condition holds', () => {
    const policies = [
      policy(allow('kms:*', '*'), deny('kms:*', '*', { NotIpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '172.16.0.0/12'] } })),
    ];
    const request = (sourceIp: string) => ({ action: 'kms:GetSecretValue', resource: SECRET('a'), context: { ...CONTEXT, sourceIp } });
    expect(evaluatePolicies(policies, request('10.20.30.40'))).toBe('Allow');
    expect(evaluatePolicies(policies, request('203.0.113.9'))).toBe('ExplicitDeny');
  });
});

describe('policy grammar', () => {
  const statement = { Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: '*' };
  const doc = (patch: Record<string, unknown>) => JSON.stringify({ Version: '1', Statement: [{ ...statement, ...patch }] });

  it('normalizes single values to arrays and conditions to clauses', () => {
    const parsed = parsePolicyDocument(
      doc({ Condition: { Bool: { 'acs:securetransport': true }, IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } } }),
    );
    expect(parsed).toEqual({
      ok: true,
      document: {
        version: '1',
        statements: [
          {
            effect: 'Allow',
            actions: ['kms:GetSecretValue'],
            resources: ['*'],
            conditions: [
              { operator: 'Bool', key: 'acs:SecureTransport', values: ['true'] },
              { operator: 'IpAddress', key: 'acs:SourceIp', values: ['10.0.0.0/8'] },
            ],
          },
        ],
      },
    });
  });

  const refused: Array<[string, string, string, RegExp]> = [
    ['not JSON', '{"Version":', '', /not valid JSON/],
    ['not an object', '[]', '', /JSON object/],
    ['wrong version', JSON.stringify({ Version: '2012-10-17', Statement: [statement] }), 'Version', /"1"/],
    ['no statements', JSON.stringify({ Version: '1', Statement: [] }), 'Statement', /at least one/],
    ['missing Effect', JSON.stringify({ Version: '1', Statement: [{ Action: 'kms:*', Resource: '*' }] }), 'Statement[0].Effect', /required/],
    ['bad Effect', doc({ Effect: 'allow' }), 'Statement[0].Effect', /"Allow" or "Deny"/],
    ['missing Action', JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Resource: '*' }] }), 'Statement[0].Action', /required/],
    ['empty Action list', doc({ Action: [] }), 'Statement[0].Action', /empty/],
    ['Action without a service', doc({ Action: 'GetSecretValue' }), 'Statement[0].Action', /<service>:<action>/],
    ['Resource not an ARN', doc({ Resource: 'secret/app' }), 'Statement[0].Resource', /acs:/],
    ['NotAction is not supported', JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', NotAction: 'kms:*', Resource: '*' }] }), 'Statement[0].NotAction', /not a supported/],
    ['unknown top-level field', JSON.stringify({ Version: '1', Statement: [statement], Id: 'x' }), 'Id', /not a supported/],
    ['unknown operator', doc({ Condition: { StringEquals: { 'acs:SourceIp': '1.2.3.4' } } }), 'Statement[0].Condition.StringEquals', /operator/],
    ['unknown key', doc({ Condition: { IpAddress: { 'acs:UserAgent': '1.2.3.4' } } }), 'Statement[0].Condition.IpAddress.acs:UserAgent', /key/],
    ['key of the wrong kind', doc({ Condition: { Bool: { 'acs:SourceIp': 'true' } } }), 'Statement[0].Condition.Bool.acs:SourceIp', /cannot be tested with Bool/],
    ['bad CIDR', doc({ Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '10.0.0.0/33'] } } }), 'Statement[0].Condition.IpAddress.acs:SourceIp[1]', /CIDR/],
    ['bad boolean', doc({ Condition: { Bool: { 'acs:SecureTransport': 'yes' } } }), 'Statement[0].Condition.Bool.acs:SecureTransport', /"true" or "false"/],
    ['time without a zone', doc({ Condition: { DateLessThan: { 'acs:CurrentTime': '2026-01-01T00:00:00' } } }), 'Statement[0].Condition.DateLessThan.acs:CurrentTime', /ISO 8601/],
    ['too long', JSON.stringify({ Version: '1', Statement: [statement], pad: 'x'.repeat(7000) }), '', /longer than 6144/],
  ];

  it.each(refused)('refuses %s, naming the path', (_what, text, path, message) => {
    const parsed = parsePolicyDocument(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem.path).toBe(path);
    expect(parsed.problem.message).toMatch(message);
  });

  it('never quotes the offending value in a problem message', () => {
    const parsed = parsePolicyDocument(doc({ Condition: { IpAddress: { 'acs:SourceIp': 'SENTINEL-VALUE' } } }));
    expect(JSON.stringify(parsed)).not.toContain('SENTINEL-VALUE');
  });
});
