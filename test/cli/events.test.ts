/** rotor events: the local runtime's event log, printed and followed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/e2e.js';
import { parseJson, runCli, scratch, spawnCli, startCliRuntime, type CliRuntime } from './harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

let cli: CliRuntime;
const VALUE = 'event-test-value-4b7f0d';

const ndjson = (stdout: string): Record<string, unknown>[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  cli = await startCliRuntime();
  const { service } = cli.runtime.container;
  for (const name of ['alpha', 'beta', 'gamma']) await service.createSecret({ secretName: name, versionId: 'v1', secretData: VALUE });
  await service.deleteSecret({ secretName: secretIdOf('beta'), recoveryWindowInDays: 7 });
});

afterAll(async () => {
  await cli?.stop();
});

describe('rotor events', () => {
  it('prints the stored events, one line each: time, type, secret, details', async () => {
    const r = await cli.rotor(['events', '--data-dir', cli.dataDir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z\s+secret\.created\s+alpha\s+versionId=v1/);
    expect(lines[3]).toMatch(/^\S+Z\s+secret\.deletion\.scheduled\s+beta\s+.*recoveryWindowInDays=7/);
    expect(r.stdout).not.toContain(VALUE);
  });

  it('--json prints NDJSON CloudEvents; -n keeps the last ones', async () => {
    const r = await cli.rotor(['events', '--data-dir', cli.dataDir, '--json', '-n', '2']);
    const events = ndjson(r.stdout);
    expect(events.map((e) => e.subject)).toEqual(['gamma', 'beta']);
    expect(events[0]).toMatchObject({
      specversion: '1.0',
      id: expect.any(String),
      source: 'secret-rotor',
      type: 'com.secretrotor.secret.created',
      subject: 'gamma',
      time: expect.any(String),
      data: { secretName: 'gamma', versionId: 'v1' },
    });
  });

  it('--secret and --type filter; ROTOR_DATA_DIR names the data dir', async () => {
    const bySecret = await cli.rotor(['events', '--secret', 'beta', '--json'], { env: { ROTOR_DATA_DIR: cli.dataDir } });
    expect(ndjson(bySecret.stdout).map((e) => e.type)).toEqual(['com.secretrotor.secret.created', 'com.secretrotor.secret.deletion.scheduled']);
    const byType = await cli.rotor(['events', '--type', 'deletion', '--json', '--all'], { env: { ROTOR_DATA_DIR: cli.dataDir } });
    expect(ndjson(byType.stdout).map((e) => e.subject)).toEqual(['beta']);
  });

  it('--follow prints each new event as it is written, until interrupted', async () => {
    const follower = spawnCli(['events', '--data-dir', cli.dataDir, '--follow', '-n', '0', '--json', '--poll-interval', '20ms'], cli.home);
    try {
      // Nothing old is printed with -n 0; the notice says the follower is now watching.
      await eventually(async () => (follower.stderr().includes('following ') ? true : undefined), 'the follower to start');
      await cli.runtime.container.service.createSecret({ secretName: 'delta', versionId: 'v1', secretData: VALUE });
      await eventually(async () => (follower.stdout().includes('"delta"') ? true : undefined), 'the follower to print delta');
      await cli.runtime.container.service.deleteSecret({ secretName: secretIdOf('delta'), forceDeleteWithoutRecovery: true });
      await eventually(async () => (follower.stdout().includes('secret.deleted') ? true : undefined), 'the follower to print the delete');
      follower.child.kill('SIGTERM');
      const r = await follower.exited;
      expect(r.code).toBe(0);
      expect(ndjson(r.stdout).map((e) => [e.type, e.subject])).toEqual([
        ['com.secretrotor.secret.created', 'delta'],
        ['com.secretrotor.secret.deleted', 'delta'],
      ]);
      expect(r.stdout).not.toContain(VALUE);
    } finally {
      follower.child.kill('SIGKILL');
    }
  });

  it('says there are no events yet when the data dir has no log', async () => {
    const empty = scratch('rotor-cli-noevents-');
    try {
      const r = await runCli(['events', '--data-dir', empty.path], cli.home);
      expect(r).toMatchObject({ code: 0, stdout: '' });
      expect(r.stderr).toContain('no events yet');
    } finally {
      empty.remove();
    }
  });

  it('exits 3 without a data dir, pointing at the MNS topic for the cloud', async () => {
    const r = await runCli(['events', '--data-dir', 'no-such-dir'], cli.home);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no local data dir');
    expect(r.stderr).toContain('MNS topic');
  });

  it('exits 2 for --lines with --all or a bad count', async () => {
    expect((await cli.rotor(['events', '--data-dir', cli.dataDir, '--all', '-n', '3'])).code).toBe(2);
    expect((await cli.rotor(['events', '--data-dir', cli.dataDir, '-n', 'many'])).code).toBe(2);
  });

  it('the JSON of one event is the stored line', async () => {
    const r = await cli.rotor(['events', '--data-dir', cli.dataDir, '--json', '-n', '1']);
    expect(parseJson({ ...r, stdout: r.stdout.trim() })).toMatchObject({ specversion: '1.0' });
  });
});
