/**
 * Boundary: secret values leaving the process other than in an authorized answer.
 *
 * Attacker's goal: read a secret value (or an AccessKey secret, a generated password, a private key)
 * from a log line, an error message, an event, a test snapshot, or a file at rest in plaintext.
 * The setup file (../secret-scan/setup.ts) scans every test file's output, events, error bodies,
 * data directories and test-server rows for every value that file handled; this file tests the scan.
 *
 * The secret scan itself: what it finds and where, what it leaves out and why, and that the
 * setup file's wiring is live in every test file (generators observed, output captured).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateAccessKey } from '../../../shared/domain/access-key.js';
import { DEFAULT_PASSWORD_PROFILE, generatePassword } from '../../../shared/domain/password.js';
import { generateRsaKeyPair } from '../../../shared/adapters/drivers/ssh/ssh-keys.js';
import { MIN_SCANNED_LENGTH, SecretScanner, exclusionReason } from '../secret-scan/scanner.js';
import { scanner as activeScanner } from '../secret-scan/setup.js';

const VALUE = 'pl4nted-Secret-v4lue';

describe('SecretScanner', () => {
  it('finds a registered value in captured output, as is or JSON-escaped, naming the source and not the value', () => {
    const s = new SecretScanner();
    s.register(VALUE, 'a test');
    s.register('multi\n"quoted" line value', 'a test');
    s.capture(`{"msg":"oops ${VALUE}"}\n`, 'stdout');
    s.capture(JSON.stringify({ error: 'multi\n"quoted" line value' }), 'events');
    s.scanPending();
    expect(s.hits).toEqual([
      { where: 'stdout', valueSource: 'a test', valueLength: VALUE.length },
      { where: 'events', valueSource: 'a test', valueLength: 'multi\n"quoted" line value'.length },
    ]);
    expect(JSON.stringify(s.summary())).not.toContain(VALUE);
  });

  it('looks for output captured before the value was registered too', () => {
    const s = new SecretScanner();
    s.capture(`logged early: ${VALUE}`, 'stderr');
    s.register(VALUE, 'later');
    s.scanPending();
    expect(s.hits).toHaveLength(1);
  });

  it('finds a private key by its lines, even when only one line leaked', async () => {
    const s = new SecretScanner();
    const { privateKey } = await generateRsaKeyPair('scan-test');
    s.register(privateKey, 'key pair');
    const line = privateKey.split('\n')[5] ?? '';
    s.capture(`partial: ${line}`, 'stdout');
    s.scanPending();
    expect(s.hits.map((h) => h.where)).toEqual(['stdout']);
  });

  it('finds plaintext in files under a data dir, skipping the root credentials file with its reason', () => {
    // Not tempDir(): its removal is scanned, and this dir holds a planted value on purpose.
    const dir = { path: mkdtempSync(join(tmpdir(), 'rotor-scan-self-test-')) };
    try {
      mkdirSync(join(dir.path, 'nested'));
      writeFileSync(join(dir.path, 'nested', 'secrets.db'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(VALUE), Buffer.from([3])]));
      writeFileSync(join(dir.path, 'root-credentials.json'), JSON.stringify({ accessKeySecret: VALUE }));
      writeFileSync(join(dir.path, 'events.ndjson'), '{"type":"nothing to see"}\n');
      const s = new SecretScanner();
      s.register(VALUE, 'a test');
      s.scanDirectory(dir.path, 'data dir');
      expect(s.hits).toEqual([{ where: 'data dir/nested/secrets.db', valueSource: 'a test', valueLength: VALUE.length }]);
      expect(s.filesScanned).toBe(2);
      expect(Object.keys(s.filesSkipped)).toEqual([expect.stringContaining('root AccessKey')]);
    } finally {
      rmSync(dir.path, { recursive: true, force: true });
    }
  });

  it('finds plaintext in stored rows, binary columns included', () => {
    const s = new SecretScanner();
    s.register(VALUE, 'a test');
    s.scanRows([{ primaryKey: { name: 'a' }, attributes: { envelope: Buffer.from(`xx${VALUE}xx`) } }], 'rows');
    s.scanRows([{ primaryKey: { name: 1n }, attributes: { envelope: 'sealed' } }], 'other rows');
    expect(s.hits.map((h) => h.where)).toEqual(['rows']);
  });

  it('scans many values over much data in one pass, finding what one search per value finds', () => {
    const s = new SecretScanner();
    const values = Array.from({ length: 5_000 }, (_, i) => `value-${i}-${generatePassword({ ...DEFAULT_PASSWORD_PROFILE, length: 16 })}`);
    for (const v of values) s.register(v, 'bulk');
    const filler = Buffer.alloc(12 * 1024 * 1024, 'log line without secrets\n');
    const planted = Buffer.concat([filler, Buffer.from(values[4_321]!), filler, Buffer.from(`tail ${values[7]!}`)]);
    const started = performance.now();
    s.scanBytes(planted, 'big');
    const ms = performance.now() - started;
    expect(s.hits.map((h) => h.valueLength).sort()).toEqual([values[4_321]!.length, values[7]!.length].sort());
    expect(s.hits).toHaveLength(2);
    // One pass over 24 MB, not 5,000 searches over it.
    expect(ms).toBeLessThan(5_000);
  });

  it('leaves out values too short or too plain to tell a leak from chance, counting them by reason', () => {
    const s = new SecretScanner();
    for (const v of ['short', 'aaaaaaaaaaaa', '1700000000000', 'x'.repeat(MIN_SCANNED_LENGTH - 1)]) s.register(v, 'a test');
    s.register(VALUE, 'a test');
    expect(s.valueCount).toBe(1);
    expect(Object.values(s.excluded).reduce((a, b) => a + b, 0)).toBe(4);
    expect(exclusionReason(VALUE)).toBeNull();
  });
});

describe('the scan wiring in this file', () => {
  it('watches every generated password, AccessKey secret and sealed value', () => {
    const password = generatePassword();
    const { accessKeySecret } = generateAccessKey();
    expect(activeScanner.isWatching(password)).toBe(true);
    expect(activeScanner.isWatching(accessKeySecret)).toBe(true);
  });

  it('captures what the worker writes to stdout', () => {
    const before = activeScanner.capturedBytes;
    process.stdout.write('secret-scan self-test: a line with no secret in it\n');
    expect(activeScanner.capturedBytes).toBeGreaterThan(before);
  });
});
