import { describe, expect, it } from 'vitest';
import { isPrivilegedName, parseManagedScope, scopeRefusal, type ManagingUse } from '../../shared/domain/deputy/index.js';
import { KmsError } from '../../shared/domain/errors.js';
import { evaluateExplicitly, parsePolicyDocument, type PolicyDocument } from '../../shared/domain/policy/index.js';

const policy = (statements: object[]): PolicyDocument => {
  const parsed = parsePolicyDocument(JSON.stringify({ Version: '1', Statement: statements }));
  if (!parsed.ok) throw new Error('bad test policy');
  return parsed.document;
};
const context = { sourceIp: '127.0.0.1', secureTransport: false, currentTime: 0 };
const explicit = (statements: object[], action = 'kms:RotatePrivilegedTarget', resource = 'acs:ram::1:user/root') =>
  evaluateExplicitly([policy(statements)], { action, resource, context });

describe('evaluateExplicitly', () => {
  it('allows only through a statement naming the action, in any case; wildcards never allow', () => {
    expect(explicit([{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }])).toBe('ImplicitDeny');
    expect(explicit([{ Effect: 'Allow', Action: '*', Resource: '*' }])).toBe('ImplicitDeny');
    expect(explicit([{ Effect: 'Allow', Action: 'kms:RotatePrivileged*', Resource: '*' }])).toBe('ImplicitDeny');
    expect(explicit([{ Effect: 'Allow', Action: ['kms:GetSecretValue', 'KMS:rotateprivilegedtarget'], Resource: '*' }])).toBe('Allow');
    expect(explicit([{ Effect: 'Allow', Action: 'kms:RotatePrivilegedTarget', Resource: 'acs:ram::1:user/alice' }])).toBe('ImplicitDeny');
  });

  it('a wildcard Deny still denies', () => {
    expect(explicit([{ Effect: 'Allow', Action: 'kms:RotatePrivilegedTarget', Resource: '*' }, { Effect: 'Deny', Action: 'kms:*', Resource: '*' }])).toBe('ExplicitDeny');
  });
});

describe('ManagedScope', () => {
  const use = (over: Partial<ManagingUse> = {}): ManagingUse => ({ reference: 'm', host: 'db.internal', port: 5432, accounts: ['app_1'], roles: [], ...over });
  const scope = parseManagedScope({ ManagedScope: { Hosts: ['DB.internal:5432'], Accounts: ['app_*', '*'], Roles: ['app_*'] } });

  it('is absent without the field, and refuses a malformed one naming the field', () => {
    expect(parseManagedScope(null)).toBeNull();
    expect(parseManagedScope({ SecretSubType: 'x' })).toBeNull();
    for (const [bad, field] of [
      [[], 'ExtendedConfig.ManagedScope'],
      [{ Hosts: ['db'], Accounts: ['a'] }, 'ExtendedConfig.ManagedScope.Hosts'],
      [{ Hosts: [], Accounts: ['a'] }, 'ExtendedConfig.ManagedScope.Hosts'],
      [{ Hosts: ['db:1'] }, 'ExtendedConfig.ManagedScope.Accounts'],
      [{ Hosts: ['db:1'], Accounts: ['a'], Roles: [1] }, 'ExtendedConfig.ManagedScope.Roles'],
      [{ Hosts: ['db:1'], Accounts: ['a'], Databases: [] }, 'ExtendedConfig.ManagedScope.Databases'],
    ] as const) {
      let error: unknown;
      try {
        parseManagedScope({ ManagedScope: bad });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KmsError);
      expect((error as KmsError).httpStatus).toBe(400);
      expect((error as KmsError).message).toContain(field);
    }
  });

  it('admits its hosts (host without case), account and role patterns; privileged names only when spelled out', () => {
    if (!scope) throw new Error('scope expected');
    expect(scopeRefusal(scope, use())).toBeNull();
    expect(scopeRefusal(scope, use({ port: 5433 }))).toContain('Hosts');
    expect(scopeRefusal(scope, use({ host: 'db.internal.evil' }))).toContain('Hosts');
    expect(scopeRefusal(scope, use({ accounts: ['postgres'] }))).toBe('Accounts does not admit postgres');
    expect(scopeRefusal(scope, use({ roles: ['app_reader'] }))).toBeNull();
    expect(scopeRefusal(scope, use({ roles: ['pg_execute_server_program'] }))).toContain('Roles');
    const spelled = parseManagedScope({ ManagedScope: { Hosts: ['db.internal:5432'], Accounts: ['postgres'], Roles: [] } });
    if (!spelled) throw new Error('scope expected');
    expect(scopeRefusal(spelled, use({ accounts: ['postgres'] }))).toBeNull();
    expect(scopeRefusal(spelled, use({ accounts: ['postgres'], roles: ['app_reader'] }))).toContain('Roles');
  });

  it('privileged names: administrators, superusers and predefined roles, without regard to case', () => {
    for (const name of ['root', 'Administrator', 'POSTGRES', 'pg_read_server_files', 'mysql.sys', 'rdsadmin']) expect(isPrivilegedName(name)).toBe(true);
    for (const name of ['app', 'rooted', 'postgres_clone', 'app_pg_reader']) expect(isPrivilegedName(name)).toBe(false);
  });
});
