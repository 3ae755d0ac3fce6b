/** Where rotor connects and as whom: profiles file, environment, flags, --data-dir, and their precedence. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratch, startCliRuntime, type CliRuntime, type Scratch } from './harness.js';

let cli: CliRuntime;
let home: Scratch;
let live: string;
let key: { accessKeyId: string; accessKeySecret: string };
/** Nothing listens on port 1 of the loopback address. */
const DEAD = '127.0.0.1:1';
const WRONG = { accessKeyId: 'LTAIwrongwrongwrong1', accessKeySecret: 'wrong-secret-0123456789abcdef' };

const writeConfig = (path: string, config: unknown, mode = 0o600): string => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify(config), { mode });
  chmodSync(path, mode);
  return path;
};

/** `rotor list` with only the given environment (plus a clean HOME). */
const list = (env: Record<string, string>, extraArgs: string[] = [], cwd?: string) =>
  runCli(['list', ...extraArgs], home.path, { env, ...(cwd ? { cwd } : {}) });

beforeAll(async () => {
  cli = await startCliRuntime();
  home = scratch('rotor-cli-config-');
  live = cli.env.ROTOR_ENDPOINT as string;
  key = { accessKeyId: cli.env.ROTOR_ACCESS_KEY_ID as string, accessKeySecret: cli.env.ROTOR_ACCESS_KEY_SECRET as string };
  await cli.runtime.container.service.createSecret({ secretName: 'visible', versionId: 'v1', secretData: 'x' });
});

afterAll(async () => {
  await cli?.stop();
  home?.remove();
});

describe('credentials and endpoint without a profile', () => {
  it('--data-dir uses the local runtime root-credentials.json', async () => {
    const r = await list({}, ['--data-dir', cli.dataDir, '--endpoint', live]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^visible\s/m);
  });

  it('ROTOR_DATA_DIR is the fallback when nothing else names credentials', async () => {
    expect((await list({ ROTOR_DATA_DIR: cli.dataDir, ROTOR_ENDPOINT: live })).code).toBe(0);
  });

  it('./.rotor in the working directory is the last fallback', async () => {
    const project = scratch('rotor-cli-project-');
    try {
      mkdirSync(join(project.path, '.rotor'));
      copyFileSync(join(cli.dataDir, 'root-credentials.json'), join(project.path, '.rotor', 'root-credentials.json'));
      expect((await list({ ROTOR_ENDPOINT: live }, [], project.path)).code).toBe(0);
    } finally {
      project.remove();
    }
  });

  it('exits 2 without any credentials, or with only half of them in the environment', async () => {
    const none = await list({ ROTOR_ENDPOINT: live });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no credentials');
    const half = await list({ ROTOR_ENDPOINT: live, ROTOR_ACCESS_KEY_ID: key.accessKeyId });
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('set together');
  });

  it('a URL endpoint sets the protocol: https against the plain-HTTP runtime cannot connect (6)', async () => {
    expect((await list({ ...rename(key), ROTOR_ENDPOINT: `http://${live}` })).code).toBe(0);
    const tls = await list({ ...rename(key), ROTOR_ENDPOINT: `https://${live}` });
    expect(tls.code).toBe(6);
    expect(tls.stderr).toMatch(/^rotor: cannot reach 127\.0\.0\.1:\d+: \S+$/m);
    expect((await list({ ...rename(key), ROTOR_ENDPOINT: live }, ['--protocol', 'ftp'])).code).toBe(2);
  });
});

describe('failures that must not echo secrets', () => {
  it('exits 6 when the endpoint is unreachable, naming it and no value or signature', async () => {
    const value = 'do-not-print-this-value-5c1e';
    const r = await runCli(['put', 'visible', '--value', value], home.path, { env: { ...rename(key), ROTOR_ENDPOINT: DEAD } });
    expect(r.code).toBe(6);
    expect(r.stderr).toBe('rotor: cannot reach 127.0.0.1:1: ECONNREFUSED\n');
    expect(r.stderr).not.toContain(value);
  });

  it('exits 7 for a wrong secret or an unknown AccessKey, without echoing the secret', async () => {
    const wrongSecret = await list({ ROTOR_ENDPOINT: live, ROTOR_ACCESS_KEY_ID: key.accessKeyId, ROTOR_ACCESS_KEY_SECRET: WRONG.accessKeySecret });
    expect(wrongSecret.code).toBe(7);
    expect(wrongSecret.stderr).toContain('SignatureDoesNotMatch');
    expect(wrongSecret.stderr).not.toContain(WRONG.accessKeySecret);
    const unknownKey = await list({ ROTOR_ENDPOINT: live, ROTOR_ACCESS_KEY_ID: WRONG.accessKeyId, ROTOR_ACCESS_KEY_SECRET: WRONG.accessKeySecret });
    expect(unknownKey.code).toBe(7);
    expect(unknownKey.stderr).toContain('InvalidAccessKeyId.NotFound');
  });
});

describe('profiles', () => {
  it('--profile, ROTOR_PROFILE and defaultProfile pick a profile from ROTOR_CONFIG', async () => {
    const file = writeConfig(join(home.path, 'named.json'), {
      defaultProfile: 'broken',
      profiles: {
        local: { endpoint: `http://${live}`, ...key },
        broken: { endpoint: DEAD, ...key },
      },
    });
    expect((await list({ ROTOR_CONFIG: file }, ['--profile', 'local'])).code).toBe(0);
    expect((await list({ ROTOR_CONFIG: file, ROTOR_PROFILE: 'local' })).code).toBe(0);
    expect((await list({ ROTOR_CONFIG: file })).code).toBe(6);
    // The flag beats the environment.
    expect((await list({ ROTOR_CONFIG: file, ROTOR_PROFILE: 'broken' }, ['--profile', 'local'])).code).toBe(0);
  });

  it('reads ~/.config/rotor/config.json, or $XDG_CONFIG_HOME/rotor/config.json, and its "default" profile', async () => {
    const user = scratch('rotor-cli-user-');
    try {
      writeConfig(join(user.path, '.config', 'rotor', 'config.json'), { profiles: { default: { endpoint: live, ...key } } });
      expect((await runCli(['list'], user.path)).code).toBe(0);
      const xdg = join(user.path, 'xdg');
      writeConfig(join(xdg, 'rotor', 'config.json'), { profiles: { default: { endpoint: DEAD, ...key } } });
      expect((await runCli(['list'], user.path, { env: { XDG_CONFIG_HOME: xdg } })).code).toBe(6);
    } finally {
      user.remove();
    }
  });

  it('a profile dataDir is relative to the profiles file', async () => {
    const dir = scratch('rotor-cli-profiledir-');
    try {
      mkdirSync(join(dir.path, 'state'));
      copyFileSync(join(cli.dataDir, 'root-credentials.json'), join(dir.path, 'state', 'root-credentials.json'));
      const file = writeConfig(join(dir.path, 'config.json'), { profiles: { dev: { endpoint: live, dataDir: 'state' } } });
      expect((await list({ ROTOR_CONFIG: file, ROTOR_PROFILE: 'dev' })).code).toBe(0);
    } finally {
      dir.remove();
    }
  });

  it('the environment beats the profile, and flags beat the environment', async () => {
    const file = writeConfig(join(home.path, 'precedence.json'), { profiles: { p: { endpoint: DEAD, ...WRONG } } });
    const base = { ROTOR_CONFIG: file, ROTOR_PROFILE: 'p' };
    // Profile alone: its endpoint is dead.
    expect((await list(base)).code).toBe(6);
    // ROTOR_ENDPOINT beats the profile's endpoint; the profile's wrong key is then refused.
    expect((await list({ ...base, ROTOR_ENDPOINT: live })).code).toBe(7);
    // Environment credentials beat the profile's.
    expect((await list({ ...base, ROTOR_ENDPOINT: live, ...rename(key) })).code).toBe(0);
    // --endpoint beats ROTOR_ENDPOINT.
    expect((await list({ ...base, ROTOR_ENDPOINT: DEAD, ...rename(key) }, ['--endpoint', live])).code).toBe(0);
    // --data-dir beats environment credentials.
    expect((await list({ ...base, ROTOR_ENDPOINT: live, ...rename(WRONG) }, ['--data-dir', cli.dataDir])).code).toBe(0);
  });

  it('exits 2 for an unknown profile, listing the known ones', async () => {
    const file = writeConfig(join(home.path, 'known.json'), { profiles: { alpha: { endpoint: live }, beta: { endpoint: live } } });
    const r = await list({ ROTOR_CONFIG: file }, ['--profile', 'gamma']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no profile "gamma"');
    expect(r.stderr).toContain('profiles: alpha, beta');
  });

  it('exits 2 for a missing or invalid profiles file, naming fields but not values', async () => {
    expect((await list({ ROTOR_CONFIG: join(home.path, 'absent.json') })).code).toBe(2);
    const bad = writeConfig(join(home.path, 'bad.json'), {
      profiles: { x: { endpoint: live, protocol: 'gopher', accessKeySecret: 42, colour: 'blue', accessKeyId: WRONG.accessKeySecret } },
    });
    const r = await list({ ROTOR_CONFIG: bad });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('profiles.x.protocol');
    expect(r.stderr).toContain('profiles.x.accessKeySecret');
    expect(r.stderr).toContain('profiles.x.colour: unknown field');
    expect(r.stderr).not.toContain(WRONG.accessKeySecret);
    const notJson = join(home.path, 'not-json.json');
    writeFileSync(notJson, `{"profiles": {"x": {"accessKeySecret": "${WRONG.accessKeySecret}"`);
    const broken = await list({ ROTOR_CONFIG: notJson });
    expect(broken.code).toBe(2);
    expect(broken.stderr).not.toContain(WRONG.accessKeySecret);
  });

  it('warns when a file holding secrets is readable by others', async () => {
    const open = writeConfig(join(home.path, 'open.json'), { profiles: { default: { endpoint: live, ...key } } }, 0o644);
    const r = await list({ ROTOR_CONFIG: open });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('others can read it');
    const closed = writeConfig(join(home.path, 'closed.json'), { profiles: { default: { endpoint: live, ...key } } }, 0o600);
    expect((await list({ ROTOR_CONFIG: closed })).stderr).not.toContain('others can read it');
  });
});

/** The profile-file field names as environment variables. */
function rename(k: { accessKeyId: string; accessKeySecret: string }): Record<string, string> {
  return { ROTOR_ACCESS_KEY_ID: k.accessKeyId, ROTOR_ACCESS_KEY_SECRET: k.accessKeySecret };
}
