/**
 * rotor rotate, with and without --wait. The runtime retries a failed step only after an hour, so
 * a rotation against an unreachable database stays in flight for the whole test (the timeout case)
 * whatever the speed of the machine; a database secret whose managing secret is not account JSON
 * fails at once (the failure case); a generated-password secret rotates to the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/e2e.js';
import { parseJson, startCliRuntime, type CliRuntime } from './harness.js';
import { secretIdOf } from '../../shared/domain/secret-id.js';

let cli: CliRuntime;

const postgresConfig = JSON.stringify({
  SecretSubType: 'PostgreSQL',
  Strategy: 'SingleUser',
  Host: '127.0.0.1',
  Port: 1,
  ManagerSecretName: 'pg-manager',
});

beforeAll(async () => {
  cli = await startCliRuntime({ ROTOR_RETRY_BASE_SECONDS: '3600', ROTOR_RETRY_MAX_SECONDS: '3600' });
  const { service } = cli.runtime.container;
  await service.createSecret({ secretName: 'token', versionId: 'v1', secretData: 'initial-token', extendedConfig: '{"SecretSubType":"GeneratedPassword"}' });
  await service.createSecret({ secretName: 'pg-manager', versionId: 'v1', secretData: '{"AccountName":"admin","AccountPassword":"admin-pass-1"}' });
  await service.createSecret({
    secretName: 'broken-db',
    versionId: 'v1',
    secretData: '{"AccountName":"app","AccountPassword":"app-pass-1"}',
    // DoubleUsers leaves ACSCurrent alone at apply, so the failure is plainly the step's own.
    extendedConfig: JSON.stringify({ ...JSON.parse(postgresConfig), Strategy: 'DoubleUsers', Role: 'app_group', ManagerSecretName: 'plain' }),
  });
  await service.createSecret({
    secretName: 'unreachable-db',
    versionId: 'v1',
    secretData: '{"AccountName":"app","AccountPassword":"app-pass-1"}',
    extendedConfig: postgresConfig,
  });
  await service.createSecret({ secretName: 'plain', versionId: 'v1', secretData: 'plain-value' });
});

afterAll(async () => {
  await cli?.stop();
});

describe('rotor rotate --wait', () => {
  it('waits until the new version is ACSCurrent and exits 0', async () => {
    const r = await cli.rotor(['rotate', 'token', '--wait', '--version-id', 'r1', '--poll-interval', '50ms']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Rotated:\s+token\nVersion:\s+r1\n$/);
    expect(r.stderr).toMatch(/rotation of token finished in [\d.]+s: version r1 is ACSCurrent/);
    const current = await cli.runtime.container.service.getSecretValue({ secretName: secretIdOf('token') });
    expect(current.version.versionId).toBe('r1');
    expect(r.stdout + r.stderr).not.toContain(current.secretData);
  });

  it('--json adds the outcome to the RotateSecret response', async () => {
    const r = await cli.rotor(['rotate', 'token', '--wait', '--version-id', 'r2', '--poll-interval', '50ms', '--json']);
    expect(r.code).toBe(0);
    expect(parseJson(r)).toEqual({
      RequestId: expect.any(String),
      Arn: expect.stringMatching(/:secret\/token$/),
      SecretName: 'token',
      VersionId: 'r2',
      Rotation: { Status: 'Succeeded', ElapsedMs: expect.any(Number) },
    });
  });

  it('exits 4 with the rotation error when the rotation fails', async () => {
    const r = await cli.rotor(['rotate', 'broken-db', '--wait', '--version-id', 'f1', '--poll-interval', '50ms', '--json']);
    expect(r.code).toBe(4);
    expect(parseJson(r)).toMatchObject({
      SecretName: 'broken-db',
      VersionId: 'f1',
      Rotation: { Status: 'Failed', Error: { Code: 'Target.InvalidSecretData', Message: expect.any(String) } },
    });
    expect(r.stderr).toMatch(/^rotor: rotation of broken-db failed: Target\.InvalidSecretData: /m);
    expect(r.stderr).not.toContain('plain-value');
  });

  it('exits 5 when --timeout passes first, showing the step it was at on stderr', async () => {
    const r = await cli.rotor(['rotate', 'unreachable-db', '--wait', '--version-id', 't1', '--timeout', '1s', '--poll-interval', '100ms']);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^rotor: rotating unreachable-db \(version t1\): step \w+ \[[\d.]+s\]$/m);
    expect(r.stderr).toMatch(/^rotor: gave up waiting after [\d.]+s; the rotation of unreachable-db is still at step \w+$/m);
    expect(r.stderr).not.toContain('app-pass-1');
    // The rotation goes on without the CLI.
    expect((await cli.runtime.container.service.describeSecret(secretIdOf('unreachable-db'))).job?.versionId).toBe('t1');
  });

  it('--json on timeout reports the step', async () => {
    const r = await cli.rotor(['rotate', 'unreachable-db', '--wait', '--version-id', 't1', '--timeout', '200ms', '--poll-interval', '50ms', '--json']);
    expect(r.code).toBe(5);
    expect(parseJson(r)).toMatchObject({ VersionId: 't1', Rotation: { Status: 'TimedOut', Step: expect.any(String) } });
  });
});

describe('rotor rotate', () => {
  it('without --wait prints the started rotation and returns at once', async () => {
    const r = await cli.rotor(['rotate', 'token', '--version-id', 'r3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Rotating:\s+token\nVersion:\s+r3\n$/);
    const json = await cli.rotor(['rotate', 'token', '--version-id', 'r3', '--json']);
    expect(parseJson(json)).toEqual({ RequestId: expect.any(String), Arn: expect.any(String), SecretName: 'token', VersionId: 'r3' });
    // The next tests start their own rotations of this secret: let this one finish first.
    await eventually(async () => ((await cli.runtime.container.service.describeSecret(secretIdOf('token'))).job === null ? true : undefined), 'rotation r3 to end');
  });

  it('rotates to a custom value given on stdin', async () => {
    const r = await cli.rotor(['rotate', 'token', '--value-file', '-', '--version-id', 'custom1', '--wait', '--poll-interval', '50ms'], {
      input: 'my-custom-token-value',
    });
    expect(r.code).toBe(0);
    expect((await cli.rotor(['get', 'token'])).stdout).toBe('my-custom-token-value\n');
    expect(r.stderr).not.toContain('my-custom-token-value');
  });

  it('exits 8 while another rotation runs, 3 for a missing secret, 1 for a secret that cannot rotate', async () => {
    const busy = await cli.rotor(['rotate', 'unreachable-db', '--version-id', 'another']);
    expect(busy.code).toBe(8);
    expect(busy.stderr).toContain('Rejected.RotationInProgress');
    expect((await cli.rotor(['rotate', 'missing'])).code).toBe(3);
    const plain = await cli.rotor(['rotate', 'plain']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('Rejected.Unavailable');
  });

  it('exits 2 for --timeout without --wait or a malformed duration, before starting anything', async () => {
    expect((await cli.rotor(['rotate', 'token', '--timeout', '1m'])).code).toBe(2);
    expect((await cli.rotor(['rotate', 'token', '--wait', '--timeout', 'soon', '--version-id', 'never'])).code).toBe(2);
    expect((await cli.runtime.container.service.describeSecret(secretIdOf('token'))).job).toBeNull();
    expect(await cli.runtime.container.store.getVersion('token', 'never')).toBeNull();
  });

  it('describe shows the rotation in flight', async () => {
    const r = await cli.rotor(['describe', 'unreachable-db']);
    expect(r.stdout).toMatch(/^Rotation status:\s+Rotating \(step \w+\)$/m);
    const json = parseJson(await cli.rotor(['describe', 'unreachable-db', '--json']));
    expect(json).toMatchObject({ RotationStatus: 'Rotating', RotationStep: expect.any(String) });
  });
});
