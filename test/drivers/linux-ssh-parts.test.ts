/**
 * The Linux-host driver's parts that need no SSH server: SHA-512 crypt against `openssl passwd -6`,
 * the key formats against ssh-keygen and ssh2, the config's refusals, and the host scripts run on
 * this machine as the current user (the awk edit of the managed block and the authorized_keys
 * editor with its lock, temp file, rename, modes and symlink refusals).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLinuxHostConfig } from '../../shared/adapters/drivers/ssh/config.js';
import { requireMatchingPublicKey } from '../../shared/adapters/drivers/ssh/credentials.js';
import { KEYS_SCRIPT, MANAGED_BLOCK_AWK, ROOT_COMMAND, shellQuote, stdinLines } from '../../shared/adapters/drivers/ssh/host-scripts.js';
import { LinuxHostDriver } from '../../shared/adapters/drivers/ssh/linux-host-driver.js';
import { isSha512CryptHash, randomCryptSalt, sha512Crypt } from '../../shared/adapters/drivers/ssh/sha512-crypt.js';
import {
  generateRsaKeyPair,
  parsePublicKeyLine,
  publicKeyOfPrivateKey,
  sha256Fingerprint,
} from '../../shared/adapters/drivers/ssh/ssh-keys.js';
import { KmsError, TargetError } from '../../shared/domain/errors.js';

const openssl = (password: string, salt: string, rounds: number): string =>
  execFileSync('openssl', ['passwd', '-6', '-salt', `rounds=${rounds}$${salt}`, '-stdin'], { input: `${password}\n` })
    .toString()
    .trim();

describe('SHA-512 crypt', () => {
  it('gives what `openssl passwd -6` gives, for short, long, multi-block and non-ASCII passwords', () => {
    const passwords = ['a', 'Aa1-short', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(65), `${'long'.repeat(40)}ü€`, `p'"\\;--$$ $(id) \`x\` ü€`];
    for (const password of passwords)
      for (const [salt, rounds] of [
        ['s', 1000],
        ['saltstring', 5000],
        [randomCryptSalt(), 50_000],
      ] as const)
        expect(sha512Crypt(password, salt, rounds)).toBe(openssl(password, salt, rounds));
  });

  it('uses a fresh 16-character salt each time and produces the shadow form it promises', () => {
    const a = sha512Crypt('Aa1-password');
    const b = sha512Crypt('Aa1-password');
    expect(a).not.toBe(b);
    for (const hash of [a, b]) {
      expect(isSha512CryptHash(hash)).toBe(true);
      const [, , rounds, salt] = hash.split('$');
      expect(rounds).toBe('rounds=50000');
      expect(salt).toHaveLength(16);
      expect(hash).toBe(openssl('Aa1-password', salt as string, 50_000));
    }
  });

  it('refuses salts outside the crypt alphabet and rounds out of range instead of weakening them', () => {
    expect(() => sha512Crypt('x', 'bad$salt')).toThrow(RangeError);
    expect(() => sha512Crypt('x', 'a'.repeat(17))).toThrow(RangeError);
    expect(() => sha512Crypt('x', 'salt', 999)).toThrow(RangeError);
  });
});

const hasSshKeygen = existsSync('/usr/bin/ssh-keygen');

describe('SSH keys', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rotor-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates an RSA-2048 pair: PKCS#1 PEM private key, OpenSSH public key of that private key', async () => {
    const pair = await generateRsaKeyPair('secret-rotor');
    expect(pair.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(pair.publicKey).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ secret-rotor$/);
    const parsed = ssh2.utils.parseKey(pair.privateKey);
    if (parsed instanceof Error || Array.isArray(parsed)) throw new Error('ssh2 cannot read the key');
    expect(parsed.type).toBe('ssh-rsa');
    expect(parsed.getPublicSSH().toString('base64')).toBe(pair.publicKey.split(' ')[1]);
    expect(await publicKeyOfPrivateKey(pair.privateKey)).toEqual(parsePublicKeyLine(pair.publicKey));
    expect(await requireMatchingPublicKey({ UserName: 'u', ...{ PublicKey: pair.publicKey, PrivateKey: pair.privateKey } }, 'v')).toEqual(
      parsePublicKeyLine(pair.publicKey),
    );
  });

  it.skipIf(!hasSshKeygen)('ssh-keygen derives the same public key and fingerprint (skipped where ssh-keygen is not installed)', async () => {
    const pair = await generateRsaKeyPair('secret-rotor');
    const file = join(dir, 'id_rsa');
    writeFileSync(file, pair.privateKey, { mode: 0o600 });
    const derived = execFileSync('ssh-keygen', ['-y', '-f', file]).toString().trim();
    expect(derived.split(' ').slice(0, 2)).toEqual(pair.publicKey.split(' ').slice(0, 2));
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file]).toString().split(' ')[1];
    expect(sha256Fingerprint(Buffer.from(pair.publicKey.split(' ')[1] as string, 'base64'))).toBe(fingerprint);
    const bits = execFileSync('ssh-keygen', ['-l', '-f', file]).toString().split(' ')[0];
    expect(bits).toBe('2048');
  });

  it('accepts only a bare public key line of a known type: no options, no second line, no type mismatch', async () => {
    const { publicKey } = await generateRsaKeyPair('c');
    const [type, blob] = publicKey.split(' ') as [string, string];
    expect(parsePublicKeyLine(`${type} ${blob} any comment 'with' "quotes" $(x)`)).toEqual({ type, blob });
    expect(parsePublicKeyLine(`command="rm -rf /" ${type} ${blob}`)).toBeNull();
    expect(parsePublicKeyLine(`${type} ${blob}\nssh-rsa AAAA`)).toBeNull();
    expect(parsePublicKeyLine(`ssh-ed25519 ${blob}`)).toBeNull();
    expect(parsePublicKeyLine(`ssh-dss ${blob}`)).toBeNull();
    expect(parsePublicKeyLine(`${type} not-base64!`)).toBeNull();
  });

  it('refuses a key pair whose public key does not belong to its private key, or an encrypted private key', async () => {
    const a = await generateRsaKeyPair('a');
    const b = await generateRsaKeyPair('b');
    const mismatch = () => requireMatchingPublicKey({ UserName: 'u', PublicKey: a.publicKey, PrivateKey: b.privateKey }, 'The value');
    await expect(mismatch()).rejects.toThrow(TargetError);
    await expect(mismatch()).rejects.toThrow(/does not belong/);
    const encrypted = ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256, passphrase: 'pw', cipher: 'aes256-ctr', rounds: 4 });
    await expect(requireMatchingPublicKey({ UserName: 'u', PublicKey: encrypted.public, PrivateKey: encrypted.private }, 'v')).rejects.toThrow(
      /not an unencrypted/,
    );
  });
});

describe('Linux host config', () => {
  const PIN = `SHA256:${'A'.repeat(43)}`;
  const base = { SecretSubType: 'LinuxSSHKey', Host: 'web-1.internal', UserName: 'deploy', ManagerSecretName: 'hosts/manager', HostKeyFingerprint: PIN };
  const field = (config: Record<string, unknown>): string | null => {
    try {
      parseLinuxHostConfig(config);
      return null;
    } catch (error) {
      return error instanceof KmsError ? error.message : 'not a KmsError';
    }
  };

  it('reads a minimal config with defaults', () => {
    const config = parseLinuxHostConfig(base);
    expect(config).toMatchObject({ subType: 'LinuxSSHKey', host: 'web-1.internal', port: 22, userName: 'deploy', hostKeyFingerprint: PIN });
  });

  it('refuses user names that would be options, expansions, paths, uids or several words', () => {
    for (const bad of ['a;rm -rf /', '-oProxyCommand=x', '$(id)', '`id`', 'a b', '../etc', '1000', 'x\ny', "o'brien", 'a"b', 'a\\b', '', 'x'.repeat(33), 'a$b']) {
      expect(field({ ...base, UserName: bad }), bad).toMatch(/ExtendedConfig\.UserName/);
    }
    for (const good of ['root', 'deploy', 'ec2-user', 'svc.app', '_apt', 'host$', 'Admin_1']) expect(field({ ...base, UserName: good }), good).toBeNull();
  });

  it('names the bad field for everything else', () => {
    expect(field({ ...base, SecretSubType: 'SSHKey' })).toMatch(/SecretSubType/);
    expect(field({ ...base, Host: 'a host' })).toMatch(/Host/);
    expect(field({ ...base, Host: '-oProxyCommand=x' })).toMatch(/Host/);
    expect(field({ ...base, Host: '[::1]' })).toBeNull();
    expect(field({ ...base, Port: 0 })).toMatch(/Port/);
    expect(field({ ...base, ManagerSecretName: undefined })).toMatch(/ManagerSecretName/);
    expect(field({ ...base, HostKeyFingerprint: 'MD5:aa:bb' })).toMatch(/HostKeyFingerprint/);
    expect(field({ ...base, HostKeyFingerprint: undefined })).toMatch(/HostKeyFingerprint.*required/);
    expect(field({ ...base, PasswordProfile: { PasswordLength: 20 } })).toMatch(/PasswordProfile/);
    expect(field({ ...base, SecretSubType: 'LinuxPassword', PasswordProfile: { PasswordLength: 7 } })).toMatch(/PasswordLength/);
  });

  it('validateConfig refuses a secret name that could not be a block marker', () => {
    const driver = new LinuxHostDriver({ resolveSecret: async () => '' });
    expect(() => driver.validateConfig({ name: 'bad name\n# END', type: 'Generic', extendedConfig: base })).toThrow(/SecretName/);
    expect(() => driver.validateConfig({ name: 'hosts/web-1', type: 'Generic', extendedConfig: base })).not.toThrow();
  });
});

describe('the host command line', () => {
  it('is one constant: every value goes on stdin, one line each, and a line break in a value is refused', () => {
    expect(ROOT_COMMAND).not.toMatch(/deploy|ssh-rsa|\$6\$rounds/);
    expect(stdinLines('apply-key', 'deploy', 'b', 'ssh-rsa AAAA', '')).toBe('apply-key\ndeploy\nb\nssh-rsa AAAA\n\n');
    expect(() => stdinLines('check', 'deploy\nroot')).toThrow();
  });

  it('quotes for a POSIX shell so each script arrives as one word, whatever quotes it holds', () => {
    const text = `it's a "test" $(id) \`id\` \\ ;`;
    expect(execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(text)}`]).toString()).toBe(text);
  });
});

// ------------------------------------------------------------ the managed-block edit (awk)

const BLOCK = 'hosts/web-1';
const BEGIN = `# BEGIN secret-rotor ${BLOCK}`;
const END = `# END secret-rotor ${BLOCK}`;
const K = (n: number) => `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${String(n).padStart(3, '0')}xyz`;

const runAwk = (input: string, op: 'apply-key' | 'finalize-key', key: string, adopt = ''): { status: number; output: string } => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-awk-'));
  try {
    writeFileSync(join(dir, 'keys'), input);
    const result = spawnSync('awk', [MANAGED_BLOCK_AWK, join(dir, 'keys')], {
      env: { PATH: process.env.PATH, LC_ALL: 'C', ROTOR_OP: op, ROTOR_BLOCK: BLOCK, ROTOR_KEY: key, ROTOR_ADOPT: adopt },
    });
    return { status: result.status ?? -1, output: result.stdout.toString() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('the managed-block edit', () => {
  it('apply adds the key in a new block at the end and leaves every other line as it was', () => {
    const input = `# mine\r\n${K(1)} me@laptop\r\n\ncommand="backup" ${K(2)} backup\n`;
    const { status, output } = runAwk(input, 'apply-key', K(3));
    expect(status).toBe(0);
    expect(output).toBe(`${input}${BEGIN}\n${K(3)}\n${END}\n`);
  });

  it('apply is idempotent and keeps the keys already in the block; comments and duplicates inside it go', () => {
    const input = `${K(1)}\n${BEGIN}\n# note\n${K(5)}\n${K(5)} dup\n${END}\n${K(2)}\n`;
    const once = runAwk(input, 'apply-key', K(6)).output;
    expect(once).toBe(`${K(1)}\n${BEGIN}\n${K(5)}\n${K(6)}\n${END}\n${K(2)}\n`);
    expect(runAwk(once, 'apply-key', K(6)).output).toBe(once);
  });

  it('apply moves the adopted key (ACSCurrent) into the block, wherever it stood, with its options', () => {
    const input = `${K(1)} other\nfrom="10.0.0.0/8" ${K(2)} current\n${K(2)} again\n`;
    const { output } = runAwk(input, 'apply-key', K(3), K(2));
    expect(output).toBe(`${K(1)} other\n${BEGIN}\nfrom="10.0.0.0/8" ${K(2)} current\n${K(3)}\n${END}\n`);
  });

  it('finalize keeps only the current key in the block and nothing outside changes; twice is the same', () => {
    const input = `${K(1)}\n${BEGIN}\n${K(2)}\n${K(3)}\n${K(4)}\n${END}\n${K(9)} after\n`;
    const once = runAwk(input, 'finalize-key', K(3)).output;
    expect(once).toBe(`${K(1)}\n${BEGIN}\n${K(3)}\n${END}\n${K(9)} after\n`);
    expect(runAwk(once, 'finalize-key', K(3)).output).toBe(once);
  });

  it('finalize restores the current key when the block lost it, so the promoted value always logs in', () => {
    const { output } = runAwk(`${K(1)}\n${BEGIN}\n${K(2)}\n${END}\n`, 'finalize-key', K(7));
    expect(output).toBe(`${K(1)}\n${BEGIN}\n${K(7)}\n${END}\n`);
  });

  it("never touches another secret's block", () => {
    const other = `# BEGIN secret-rotor hosts/other\n${K(8)}\n# END secret-rotor hosts/other\n`;
    const { output } = runAwk(`${other}${BEGIN}\n${K(2)}\n${END}\n`, 'finalize-key', K(3));
    expect(output).toBe(`${other}${BEGIN}\n${K(3)}\n${END}\n`);
  });

  it('reports a malformed block by its exit status (the editor then keeps the file)', () => {
    expect(runAwk(`${BEGIN}\n${K(1)}\n`, 'apply-key', K(2)).status).toBe(5);
    expect(runAwk(`${K(1)}\n${END}\n`, 'apply-key', K(2)).status).toBe(4);
    expect(runAwk(`${BEGIN}\n${BEGIN}\n${END}\n`, 'finalize-key', K(2)).status).toBe(3);
  });
});

// ------------------------------------------------------------ the authorized_keys editor (sh)

describe('the authorized_keys editor, run here as the current user', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'rotor-home-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const edit = (op: 'apply-key' | 'finalize-key', key: string) =>
    spawnSync('/bin/sh', ['-c', KEYS_SCRIPT, 'secret-rotor-keys'], {
      env: { PATH: process.env.PATH, HOME: home, LC_ALL: 'C', ROTOR_OP: op, ROTOR_BLOCK: BLOCK, ROTOR_KEY: key, ROTOR_ADOPT: '', ROTOR_AWK: MANAGED_BLOCK_AWK },
    });
  const keysFile = () => join(home, '.ssh', 'authorized_keys');
  const mode = (path: string) => lstatSync(path).mode & 0o777;

  it('creates ~/.ssh (700) and authorized_keys (600), then reports no change when applied again', () => {
    const first = edit('apply-key', K(1));
    expect(first.status).toBe(0);
    expect(first.stdout.toString()).toBe('changed\n');
    expect(mode(join(home, '.ssh'))).toBe(0o700);
    expect(mode(keysFile())).toBe(0o600);
    expect(readFileSync(keysFile(), 'utf8')).toBe(`${BEGIN}\n${K(1)}\n${END}\n`);
    expect(edit('apply-key', K(1)).stdout.toString()).toBe('unchanged\n');
  });

  it('tightens loose modes, and removes the temporary file a killed edit left behind', () => {
    mkdirSync(join(home, '.ssh'), { mode: 0o755 });
    writeFileSync(keysFile(), `${K(9)}\n`, { mode: 0o644 });
    writeFileSync(join(home, '.ssh', '.authorized_keys.secret-rotor.AbC123'), `${BEGIN}\n${K(1)}\n`);
    expect(edit('apply-key', K(1)).status).toBe(0);
    expect(mode(join(home, '.ssh'))).toBe(0o700);
    expect(mode(keysFile())).toBe(0o600);
    expect(readdirSync(join(home, '.ssh'))).toEqual(['authorized_keys']);
    expect(readFileSync(keysFile(), 'utf8')).toBe(`${K(9)}\n${BEGIN}\n${K(1)}\n${END}\n`);
  });

  it('refuses a symlinked authorized_keys or ~/.ssh and leaves the link target alone', () => {
    const target = join(home, 'elsewhere');
    writeFileSync(target, 'precious\n');
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    symlinkSync(target, keysFile());
    const refused = edit('apply-key', K(1));
    expect(refused.status).toBe(69);
    expect(refused.stderr.toString()).toMatch(/^secret-rotor: .*symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');

    rmSync(join(home, '.ssh'), { recursive: true });
    mkdirSync(join(home, 'real-ssh'));
    symlinkSync(join(home, 'real-ssh'), join(home, '.ssh'));
    expect(edit('apply-key', K(1)).status).toBe(69);
    expect(readdirSync(join(home, 'real-ssh'))).toEqual([]);
  });

  it('leaves a file with a malformed block exactly as it was and says why', () => {
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    const text = `${K(9)}\n${BEGIN}\n${K(1)}\n`;
    writeFileSync(keysFile(), text, { mode: 0o600 });
    const refused = edit('finalize-key', K(1));
    expect(refused.status).toBe(73);
    expect(refused.stderr.toString()).toMatch(/is never closed/);
    expect(readFileSync(keysFile(), 'utf8')).toBe(text);
    expect(readdirSync(join(home, '.ssh'))).toEqual(['authorized_keys']);
  });
});
