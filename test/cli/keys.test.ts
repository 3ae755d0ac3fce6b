/**
 * rotor keys: AccessKeys and their policies through the admin API, and what the keys may then do,
 * checked by using them with the CLI itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson, startCliRuntime, type CliResult, type CliRuntime } from './harness.js';

let cli: CliRuntime;
let appKey: { id: string; secret: string };

const READ_APP_POLICY = {
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['kms:GetSecretValue'], Resource: ['acs:kms:*:*:secret/app-*'] }],
};

/** rotor signed with the application key instead of the root key. */
const asApp = (args: string[]): Promise<CliResult> =>
  cli.rotor(args, { env: { ROTOR_ACCESS_KEY_ID: appKey.id, ROTOR_ACCESS_KEY_SECRET: appKey.secret } });

beforeAll(async () => {
  cli = await startCliRuntime();
  const { service } = cli.runtime.container;
  await service.createSecret({ secretName: 'app-db', versionId: 'v1', secretData: 'app-db-value' });
  await service.createSecret({ secretName: 'ops-db', versionId: 'v1', secretData: 'ops-db-value' });
});

afterAll(async () => {
  await cli?.stop();
});

describe('rotor keys', () => {
  it('create prints the new key and its secret once; --json gives the CreateAccessKey response', async () => {
    const r = await cli.rotor(['keys', 'create', '--description', 'orders service', '--json']);
    expect(r.code).toBe(0);
    const json = parseJson<{ AccessKey: Record<string, string> }>(r);
    expect(json).toEqual({
      RequestId: expect.any(String),
      AccessKey: {
        AccessKeyId: expect.any(String),
        AccessKeySecret: expect.any(String),
        Status: 'Active',
        CreateDate: expect.stringMatching(/Z$/),
        Description: 'orders service',
      },
    });
    appKey = { id: json.AccessKey.AccessKeyId as string, secret: json.AccessKey.AccessKeySecret as string };

    const table = await cli.rotor(['keys', 'create', '--description', 'spare']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^AccessKeyId:\s+\S+\nAccessKeySecret:\s+\S+\nStatus:\s+Active\n/);
    expect(table.stderr).toContain('cannot be shown again');
  });

  it('list shows keys, status and policies, never a secret', async () => {
    const r = await cli.rotor(['keys', 'list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ACCESS KEY ID\s+STATUS\s+CREATED\s+POLICIES\s+DESCRIPTION$/);
    expect(lines.find((l) => l.startsWith(appKey.id))).toMatch(new RegExp(`^${appKey.id}\\s+Active\\s+\\S+Z\\s+-\\s+orders service$`));
    expect(r.stdout).not.toContain(appKey.secret);

    const json = parseJson<{ AccessKeys: { AccessKey: Record<string, unknown>[] } }>(await cli.rotor(['keys', 'list', '--json']));
    expect(json.AccessKeys.AccessKey).toContainEqual({
      AccessKeyId: appKey.id,
      Status: 'Active',
      CreateDate: expect.any(String),
      Description: 'orders service',
      Policies: { Policy: [] },
    });
    expect(JSON.stringify(json)).not.toContain(appKey.secret);
  });

  it('a key with no policy may do nothing', async () => {
    const r = await asApp(['get', 'app-db']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('Forbidden.NoPermission');
  });

  it('policy put from a file lets the key read app-* and nothing else', async () => {
    const file = join(cli.home, 'read-app.json');
    writeFileSync(file, JSON.stringify(READ_APP_POLICY, null, 2));
    const put = await cli.rotor(['keys', 'policy', 'put', appKey.id, 'read-app', '--file', file]);
    expect(put.code).toBe(0);
    expect(put.stdout).toMatch(/^AccessKey:\s+\S+\nPolicy:\s+read-app\n$/);

    expect(await asApp(['get', 'app-db'])).toMatchObject({ code: 0, stdout: 'app-db-value\n' });
    const denied = await asApp(['get', 'ops-db']);
    expect(denied.code).toBe(7);
    expect(denied.stderr).toContain('Forbidden.NoPermission');
    expect(denied.stderr).not.toContain('ops-db-value');
    expect((await asApp(['keys', 'list'])).code).toBe(7);

    expect((await cli.rotor(['keys', 'list'])).stdout).toMatch(new RegExp(`^${appKey.id}\\s+Active\\s+\\S+\\s+read-app\\s`, 'm'));
  });

  it('policy get prints the document; --json gives the response', async () => {
    const r = await cli.rotor(['keys', 'policy', 'get', appKey.id, 'read-app']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(READ_APP_POLICY);
    const json = parseJson(await cli.rotor(['keys', 'policy', 'get', appKey.id, 'read-app', '--json']));
    expect(json).toMatchObject({ PolicyName: 'read-app' });
    expect(JSON.parse(json.PolicyDocument as string)).toEqual(READ_APP_POLICY);
  });

  it('policy put replaces a policy of the same name', async () => {
    const appDbOnly = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: 'acs:kms:*:*:secret/app-db' }] };
    expect((await cli.rotor(['keys', 'policy', 'put', appKey.id, 'read-app', '--document', JSON.stringify(appDbOnly)])).code).toBe(0);
    expect(JSON.parse((await cli.rotor(['keys', 'policy', 'get', appKey.id, 'read-app'])).stdout)).toEqual(appDbOnly);
    expect((await cli.rotor(['keys', 'list', '--json'])).stdout.match(/"read-app"/g)).toHaveLength(1);
    expect((await asApp(['get', 'app-db'])).code).toBe(0);
  });

  it('policy put from stdin adds a policy, Deny wins over Allow, and a bad document is refused naming the field', async () => {
    const denyOps = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Action: 'kms:*', Resource: 'acs:kms:*:*:secret/ops-*' }] };
    expect((await cli.rotor(['keys', 'policy', 'put', appKey.id, 'broad', '--file', '-'], { input: JSON.stringify(denyOps) })).code).toBe(0);
    // Deny wins over the broader Allow.
    expect((await asApp(['get', 'ops-db'])).code).toBe(7);
    expect((await asApp(['list', '--json'])).code).toBe(0);

    const bad = await cli.rotor(['keys', 'policy', 'put', appKey.id, 'bad', '--document', '{"Version":"1","Statement":[{"Effect":"Maybe","Action":"kms:*","Resource":"*"}]}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('InvalidParameter');
    expect(bad.stderr).toContain('PolicyDocument.Statement[0].Effect');

    const notJson = await cli.rotor(['keys', 'policy', 'put', appKey.id, 'bad', '--document', '{nope']);
    expect(notJson.code).toBe(2);
    expect((await cli.rotor(['keys', 'policy', 'put', appKey.id, 'bad'])).code).toBe(2);
    expect((await cli.rotor(['keys', 'policy', 'delete', appKey.id, 'broad'])).code).toBe(0);
  });

  it('disable refuses the key until enable', async () => {
    expect((await cli.rotor(['keys', 'disable', appKey.id])).stdout).toMatch(/^AccessKey:\s+\S+\nStatus:\s+Inactive\n$/);
    expect((await asApp(['get', 'app-db'])).code).toBe(7);
    expect((await cli.rotor(['keys', 'list', '--json'])).stdout).toContain('"Inactive"');
    expect((await cli.rotor(['keys', 'enable', appKey.id])).code).toBe(0);
    expect((await asApp(['get', 'app-db'])).code).toBe(0);
  });

  it('policy delete takes the permission away; the policy is then not found (3)', async () => {
    const r = await cli.rotor(['keys', 'policy', 'delete', appKey.id, 'read-app']);
    expect(r.code).toBe(0);
    expect((await asApp(['get', 'app-db'])).code).toBe(7);
    expect((await cli.rotor(['keys', 'policy', 'get', appKey.id, 'read-app'])).code).toBe(3);
  });

  it('delete removes the key; unknown keys exit 3', async () => {
    expect((await cli.rotor(['keys', 'delete', appKey.id])).code).toBe(0);
    const again = await cli.rotor(['keys', 'delete', appKey.id]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('EntityNotExist.AccessKey');
    expect((await cli.rotor(['keys', 'disable', 'LTAInosuchkey0000000000'])).code).toBe(3);
    expect((await asApp(['get', 'app-db'])).code).toBe(7);
  });
});
