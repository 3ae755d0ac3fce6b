/** create, get, put, list, describe, versions, policy, delete, restore: through `rotor` as a child process. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson, startCliRuntime, type CliResult, type CliRuntime } from './harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

let cli: CliRuntime;
/** Every result, to check at the end that no secret value ever reached stderr. */
const results: CliResult[] = [];
const rotor = async (args: string[], input?: string): Promise<CliResult> => {
  const result = await cli.rotor(args, input === undefined ? {} : { input });
  results.push(result);
  return result;
};

const FIRST = 'first-Value-9f3c1a';
const SECOND = 'second-Value-77d2e0';

beforeAll(async () => {
  cli = await startCliRuntime();
});

afterAll(async () => {
  await cli?.stop();
});

describe('rotor create', () => {
  it('creates a secret from stdin and prints a table without the value', async () => {
    const r = await rotor(['create', 'app-db', '--value-file', '-', '--description', 'orders database', '--tag', 'team=pay'], FIRST);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Created:\s+app-db$/m);
    expect(r.stdout).toMatch(/^ARN:\s+acs:kms:[a-z0-9-]+:\d+:secret\/app-db$/m);
    expect(r.stdout).toMatch(/^Version:\s+v1$/m);
    expect(r.stdout).not.toContain(FIRST);
    const stored = await cli.runtime.container.service.describeSecret(secretIdOf('app-db'));
    expect(stored.description).toBe('orders database');
    expect(stored.tags).toEqual([{ key: 'team', value: 'pay' }]);
  });

  it('--json prints the CreateSecret response', async () => {
    const r = await rotor(['create', 'json-db', '--value', FIRST, '--version-id', 'first', '--json']);
    expect(r.code).toBe(0);
    expect(parseJson(r)).toEqual({
      RequestId: expect.any(String),
      Arn: expect.stringMatching(/:secret\/json-db$/),
      SecretName: 'json-db',
      VersionId: 'first',
      SecretType: 'Generic',
    });
  });

  it('--generate makes a generated-password secret with a random first value and a rotation policy', async () => {
    const r = await rotor(['create', 'gen-token', '--generate', '--rotation-interval', '7d', '--json']);
    expect(r.code).toBe(0);
    expect(parseJson(r)).toMatchObject({ SecretName: 'gen-token', VersionId: 'v1' });
    const secret = await cli.runtime.container.service.describeSecret(secretIdOf('gen-token'));
    expect(secret.extendedConfig).toBe('{"SecretSubType":"GeneratedPassword"}');
    expect(secret.rotation).toMatchObject({ enabled: true, intervalSeconds: 604_800 });
    const value = await cli.runtime.container.service.getSecretValue({ secretName: secretIdOf('gen-token') });
    expect(value.secretData.length).toBeGreaterThanOrEqual(16);
    expect(r.stdout).not.toContain(value.secretData);
  });

  it('reads a file byte for byte', async () => {
    const file = join(cli.home, 'value.txt');
    writeFileSync(file, 'line one\nline two\n');
    expect((await rotor(['create', 'file-db', '--value-file', file])).code).toBe(0);
    expect((await cli.runtime.container.service.getSecretValue({ secretName: secretIdOf('file-db') })).secretData).toBe('line one\nline two\n');
  });

  it('exits 8 when the secret exists, and 2 without a value', async () => {
    const exists = await rotor(['create', 'app-db', '--value-file', '-'], SECOND);
    expect(exists.code).toBe(8);
    expect(exists.stderr).toMatch(/^rotor: Rejected\.ResourceExist: .*\(RequestId [\w-]+\)$/m);
    expect(exists.stdout).toBe('');

    const noValue = await rotor(['create', 'no-value']);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toContain('the value is missing');
    await expect(cli.runtime.container.service.describeSecret(secretIdOf('no-value'))).rejects.toMatchObject({ code: 'Forbidden.ResourceNotFound' });
  });

  it('exits 2 for a malformed --rotation-interval, --tag or --extended-config before sending anything', async () => {
    const cases = [
      ['--rotation-interval', 'weekly'],
      ['--tag', 'novalue'],
      ['--extended-config', '[1]'],
      ['--data-type', 'yaml'],
    ];
    const runs = await Promise.all(cases.map((args) => rotor(['create', 'bad-args', '--value', FIRST, ...args])));
    runs.forEach((r, i) => expect(r.code, cases[i]?.join(' ')).toBe(2));
    await expect(cli.runtime.container.service.describeSecret(secretIdOf('bad-args'))).rejects.toMatchObject({ code: 'Forbidden.ResourceNotFound' });
  });
});

describe('rotor get and put', () => {
  it('get prints the value and a newline to stdout, nothing to stderr', async () => {
    const r = await rotor(['get', 'app-db']);
    expect(r).toMatchObject({ code: 0, stdout: `${FIRST}\n`, stderr: '' });
  });

  it('get --raw prints the value exactly', async () => {
    const r = await rotor(['get', 'file-db', '--raw']);
    expect(r.stdout).toBe('line one\nline two\n');
  });

  it('put stores a new ACSCurrent; the old one becomes ACSPrevious', async () => {
    const r = await rotor(['put', 'app-db', '--value-file', '-', '--version-id', 'v2', '--json'], SECOND);
    expect(r.code).toBe(0);
    expect(parseJson(r)).toEqual({
      RequestId: expect.any(String),
      SecretName: 'app-db',
      VersionId: 'v2',
      VersionStages: { VersionStage: ['ACSCurrent'] },
    });
    expect((await rotor(['get', 'app-db'])).stdout).toBe(`${SECOND}\n`);
    expect((await rotor(['get', 'app-db', '--stage', 'ACSPrevious'])).stdout).toBe(`${FIRST}\n`);
    expect((await rotor(['get', 'app-db', '--version-id', 'v1'])).stdout).toBe(`${FIRST}\n`);
  });

  it('put prints a table and generates a VersionId when none is given', async () => {
    const r = await rotor(['put', 'json-db', '--value', SECOND]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Secret:\s+json-db\nVersion:\s+rotor-[0-9a-f]{8}\nStages:\s+ACSCurrent\n$/);
  });

  it('get --json prints the GetSecretValue response', async () => {
    const r = await rotor(['get', 'app-db', '--json']);
    expect(parseJson(r)).toMatchObject({
      SecretName: 'app-db',
      VersionId: 'v2',
      SecretData: SECOND,
      SecretDataType: 'text',
      VersionStages: { VersionStage: ['ACSCurrent'] },
    });
  });

  it('round-trips binary values through --data-type binary', async () => {
    const file = join(cli.home, 'blob.bin');
    const bytes = Buffer.from([0, 1, 2, 250, 251, 255, 10]);
    writeFileSync(file, bytes);
    expect((await rotor(['create', 'blob', '--value-file', file, '--data-type', 'binary'])).code).toBe(0);
    const raw = await rotor(['get', 'blob']);
    expect(raw.code).toBe(0);
    expect(raw.stdoutBytes).toEqual(bytes);
    const json = parseJson(await rotor(['get', 'blob', '--json']));
    expect(Buffer.from(json.SecretData as string, 'base64')).toEqual(bytes);
  });

  it('exits 3 for a secret or a version that does not exist, with stdout empty', async () => {
    const cases = [['get', 'missing'], ['get', 'app-db', '--version-id', 'v99'], ['put', 'missing', '--value', SECOND]];
    const runs = await Promise.all(cases.map((args) => rotor(args)));
    runs.forEach((r, i) => {
      expect(r.code, cases[i]?.join(' ')).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^rotor: Forbidden\.ResourceNotFound: /);
    });
  });

  it('exits 2 for --stage with --version-id, and for a value given twice', async () => {
    expect((await rotor(['get', 'app-db', '--stage', 'ACSCurrent', '--version-id', 'v1'])).code).toBe(2);
    expect((await rotor(['put', 'app-db', '--value', 'x', '--value-file', '-'], 'y')).code).toBe(2);
  });
});

describe('rotor list, describe, versions', () => {
  it('list prints a table of every secret', async () => {
    const r = await rotor(['list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+CREATED\s+UPDATED\s+DELETION$/);
    const names = lines.slice(1).map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual(expect.arrayContaining(['app-db', 'json-db', 'gen-token', 'file-db', 'blob']));
    expect(lines.find((l) => l.startsWith('app-db '))).toMatch(/^app-db\s+Generic\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+-$/);
  });

  it('list --json --filter --tags prints KMS-shaped secrets', async () => {
    const r = await rotor(['list', '--json', '--filter', 'SecretName=app-', '--tags']);
    expect(parseJson(r)).toEqual({
      TotalCount: 1,
      SecretList: {
        Secret: [
          {
            SecretName: 'app-db',
            SecretType: 'Generic',
            CreateTime: expect.any(String),
            UpdateTime: expect.any(String),
            Tags: { Tag: [{ TagKey: 'team', TagValue: 'pay' }] },
          },
        ],
      },
    });
  });

  it('list reads every page; --page reads one', async () => {
    for (let i = 0; i < 105; i++) {
      await cli.runtime.container.service.createSecret({ secretName: `bulk-${String(i).padStart(3, '0')}`, versionId: 'v1', secretData: 'x' });
    }
    const all = parseJson<{ TotalCount: number; SecretList: { Secret: { SecretName: string }[] } }>(
      await rotor(['list', '--json', '--filter', 'SecretName=bulk-']),
    );
    expect(all.TotalCount).toBe(105);
    expect(new Set(all.SecretList.Secret.map((s) => s.SecretName)).size).toBe(105);

    const page = parseJson(await rotor(['list', '--json', '--filter', 'SecretName=bulk-', '--page', '2', '--page-size', '10']));
    expect(page).toMatchObject({ PageNumber: 2, PageSize: 10, TotalCount: 105 });
    expect((page.SecretList as { Secret: unknown[] }).Secret).toHaveLength(10);
  });

  it('list says so on stderr when nothing matches', async () => {
    const r = await rotor(['list', '--filter', 'SecretName=nothing-like-this']);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toContain('No secrets.');
  });

  it('list exits 1 for a filter key the service does not know', async () => {
    const r = await rotor(['list', '--filter', 'Colour=red']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('InvalidParameter');
  });

  it('describe prints metadata and rotation state, never the value', async () => {
    const r = await rotor(['describe', 'gen-token']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+gen-token$/m);
    expect(r.stdout).toMatch(/^Automatic rotation:\s+every 7d$/m);
    expect(r.stdout).toMatch(/^Rotation status:\s+Normal$/m);
    expect(r.stdout).toMatch(/^Extended config:\s+\{"SecretSubType":"GeneratedPassword"\}$/m);
    const value = await cli.runtime.container.service.getSecretValue({ secretName: secretIdOf('gen-token') });
    expect(r.stdout).not.toContain(value.secretData);

    const json = parseJson(await rotor(['describe', 'app-db', '--json']));
    expect(json).toMatchObject({
      SecretName: 'app-db',
      Description: 'orders database',
      Tags: { Tag: [{ TagKey: 'team', TagValue: 'pay' }] },
      RotationStatus: 'Normal',
    });
    expect(JSON.stringify(json)).not.toContain(SECOND);
  });

  it('versions prints each version with its stages', async () => {
    const r = await rotor(['versions', 'app-db']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+STAGES\s+CREATED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual(
      expect.arrayContaining([
        ['v1', 'ACSPrevious'],
        ['v2', 'ACSCurrent'],
      ]),
    );
    const json = parseJson(await rotor(['versions', 'app-db', '--json']));
    expect(json).toEqual({
      SecretName: 'app-db',
      TotalCount: 2,
      VersionIds: {
        VersionId: expect.arrayContaining([
          { VersionId: 'v1', CreateTime: expect.any(String), VersionStages: { VersionStage: ['ACSPrevious'] } },
          { VersionId: 'v2', CreateTime: expect.any(String), VersionStages: { VersionStage: ['ACSCurrent'] } },
        ]),
      },
    });
  });

  it('describe and versions exit 3 for a missing secret', async () => {
    expect((await rotor(['describe', 'missing'])).code).toBe(3);
    expect((await rotor(['versions', 'missing'])).code).toBe(3);
  });
});

describe('rotor policy', () => {
  it('--enable --interval sets automatic rotation; without flags shows it; --disable turns it off', async () => {
    await cli.runtime.container.service.createSecret({
      secretName: 'pol-token',
      versionId: 'v1',
      secretData: 'initial-value',
      extendedConfig: '{"SecretSubType":"GeneratedPassword"}',
    });
    const enabled = await rotor(['policy', 'pol-token', '--enable', '--interval', '12h']);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toMatch(/^Automatic rotation:\s+enabled, every 12h$/m);

    const shown = parseJson(await rotor(['policy', 'pol-token', '--json']));
    expect(shown).toMatchObject({ SecretName: 'pol-token', AutomaticRotation: 'Enabled', RotationInterval: '43200s', NextRotationDate: expect.any(String) });
    const table = await rotor(['policy', 'pol-token']);
    expect(table.stdout).toMatch(/^Interval:\s+12h$/m);

    const disabled = await rotor(['policy', 'pol-token', '--disable', '--json']);
    expect(parseJson(disabled)).toEqual({ RequestId: expect.any(String), SecretName: 'pol-token' });
    expect((await cli.runtime.container.service.describeSecret(secretIdOf('pol-token'))).rotation.enabled).toBe(false);
  });

  it('exits 2 for contradictory or malformed flags, 3 for a missing secret', async () => {
    const codes = await Promise.all(
      [
        ['policy', 'pol-token', '--enable', '--disable'],
        ['policy', 'pol-token', '--disable', '--interval', '7d'],
        ['policy', 'pol-token', '--enable', '--interval', 'weekly'],
        ['policy', 'missing', '--enable', '--interval', '7d'],
      ].map(async (args) => (await rotor(args)).code),
    );
    expect(codes).toEqual([2, 2, 2, 3]);
  });

  it('exits 1 when the service refuses the interval', async () => {
    const r = await rotor(['policy', 'pol-token', '--enable', '--interval', '1h']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/InvalidParameter/);
  });
});

describe('rotor delete and restore', () => {
  it('schedules a deletion with a recovery window; the secret is then refused (8) until restored', async () => {
    const r = await rotor(['delete', 'json-db', '--recovery-window', '7', '--json']);
    expect(r.code).toBe(0);
    const planned = Date.parse(parseJson(r).PlannedDeleteTime as string);
    expect(planned - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(planned - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);

    const refused = await rotor(['get', 'json-db']);
    expect(refused.code).toBe(8);
    expect(refused.stderr).toContain('Rejected.ResourceInDeleteWindow');

    const listed = await rotor(['list', '--filter', 'SecretName=json-db']);
    expect(listed.stdout).toMatch(/^json-db\s+Generic\s+\S+\s+\S+\s+\d{4}-\d\d-\d\dT[\d:]+Z$/m);

    const restored = await rotor(['restore', 'json-db']);
    expect(restored).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Restored:\s+json-db$/m) });
    expect((await rotor(['get', 'json-db'])).code).toBe(0);
  });

  it('prints the planned deletion as a table and explains restore on stderr', async () => {
    const r = await rotor(['delete', 'file-db']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Scheduled for deletion:\s+file-db\nPurged at:\s+\S+Z$/m);
    expect(r.stderr).toContain("rotor restore file-db");
  });

  it('--force deletes at once: the secret is gone (3) and cannot be restored', async () => {
    const r = await rotor(['delete', 'blob', '--force']);
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Deleted:\s+blob$/m) });
    expect((await rotor(['get', 'blob'])).code).toBe(3);
    expect((await rotor(['restore', 'blob'])).code).toBe(3);
  });

  it('exits 2 for --force with a window, 1 for a window the service refuses, 3 for a missing secret', async () => {
    expect((await rotor(['delete', 'app-db', '--force', '--recovery-window', '7'])).code).toBe(2);
    expect((await rotor(['delete', 'app-db', '--recovery-window', 'soon'])).code).toBe(2);
    const refused = await rotor(['delete', 'app-db', '--recovery-window', '3']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('InvalidParameter');
    expect((await rotor(['delete', 'missing'])).code).toBe(3);
  });
});

describe('secrecy', () => {
  it('no secret value ever reached stderr', () => {
    expect(results.length).toBeGreaterThan(30);
    for (const r of results) {
      expect(r.stderr).not.toContain(FIRST);
      expect(r.stderr).not.toContain(SECOND);
      expect(r.stderr).not.toContain(cli.env.ROTOR_ACCESS_KEY_SECRET);
    }
  });
});
