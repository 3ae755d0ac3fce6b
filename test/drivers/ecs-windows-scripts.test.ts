/**
 * The structure of the PowerShell scripts the ECS driver sends to Windows instances, checked by
 * tokenizing them (no PowerShell here; see powershell-tokens.ts): each script is one fixed
 * template whose only varying part is one single-quoted Base64 literal; no string in any template
 * expands anything; the request fields read are the documented ones; the decrypted password only
 * ever reaches the SecureString, the logon check and the buffer wipe — never output; exit codes
 * are the documented ones; the scripts fit Cloud Assistant's size limit. When `pwsh` is on the
 * PATH, PowerShell's own parser must also accept every template.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keySlotFor } from '../../shared/adapters/drivers/ecs/windows-password.js';
import {
  PAYLOAD_PLACEHOLDER,
  WINDOWS_TEMPLATES,
  WindowsExit,
  parseWindowsScript,
  templateFor,
  windowsScript,
  type WindowsOperation,
  type WindowsRequest,
} from '../../shared/adapters/drivers/ecs/windows-scripts.js';
import { bracketsBalance, statements, tokenize, type Token } from '../support/powershell-tokens.js';

const OPERATIONS: WindowsOperation[] = ['prepare-key', 'set-password', 'check-password', 'discard-key', 'inspect'];
const DOCUMENTED_FIELDS = ['v', 'op', 'user', 'slot', 'fingerprint', 'ciphertext'];
/** Cmdlets and constructs that could echo, log or evaluate a value. */
const FORBIDDEN = /Invoke-Expression|\biex\b|Add-Type\s+-TypeDefinition|ConvertTo-SecureString|AsPlainText|Write-Host|Write-Verbose|Write-Debug|Start-Transcript|Set-PSDebug|Out-File|Set-Content|Add-Content|\[scriptblock\]::Create|net\s+user/i;
/** Variables that hold the decrypted password, or a SecureString of it. */
const SECRET_VARIABLES = new Set(['$Plain', '$Secure']);
const OUTPUT_WORDS = new Set(['Write-Output', 'Stop-Rotor', 'Write-Error', 'Write-Warning', 'Write-Information', 'Out-String', 'Out-Host', 'throw']);

const HOSTILE_USER = "o'b $(x)&{y}%`n\u2019\"";
const requestFor = (op: WindowsOperation, user = 'Administrator'): WindowsRequest => ({
  v: 1,
  op,
  user,
  slot: keySlotFor('acs/ecs/web-1/admin'),
  ...(op === 'set-password' || op === 'check-password' ? { fingerprint: 'f'.repeat(64), ciphertext: randomBytes(384).toString('base64') } : {}),
});

const meaningful = (tokens: Token[]) => tokens.filter((t) => t.kind !== 'comment' && t.kind !== 'newline');

describe('the Windows PowerShell templates', () => {
  for (const [name, template] of Object.entries(WINDOWS_TEMPLATES)) {
    describe(name, () => {
      const tokens = tokenize(template);

      it('are ASCII, without backtick escapes, here-strings or expandable strings, and brackets balance', () => {
        expect(template).toMatch(/^[\x09\x0a\x20-\x7e]*$/);
        expect(template).not.toContain('`');
        expect(tokens.filter((t) => t.kind === 'here-string' || t.kind === 'expandable-string')).toEqual([]);
        expect(bracketsBalance(tokens)).toBe(true);
      });

      it('hold the payload placeholder once, as the whole single-quoted literal assigned to $Payload', () => {
        expect(template.split(PAYLOAD_PLACEHOLDER)).toHaveLength(2);
        const holders = tokens.filter((t) => t.text.includes(PAYLOAD_PLACEHOLDER));
        expect(holders).toEqual([expect.objectContaining({ kind: 'verbatim-string', value: PAYLOAD_PLACEHOLDER })]);
        const assignment = statements(tokens).find((s) => s.some((t) => t.value === PAYLOAD_PLACEHOLDER));
        expect(assignment?.map((t) => t.text)).toEqual(['$Payload', '=', `'${PAYLOAD_PLACEHOLDER}'`]);
        expect(tokens.filter((t) => t.text === '$Payload')).toHaveLength(2); // assigned, then decoded once
      });

      it('use no cmdlet that echoes, logs or evaluates text', () => {
        const code = meaningful(tokens)
          .filter((t) => t.kind !== 'verbatim-string')
          .map((t) => t.text)
          .join(' ');
        expect(code).not.toMatch(FORBIDDEN);
      });

      it('read only the documented request fields', () => {
        const fields = tokens.filter((t) => t.kind === 'variable' && t.text === '$Request').map((t) => tokens[tokens.indexOf(t) + 1]?.text);
        const read = fields.filter((f): f is string => typeof f === 'string' && f.startsWith('.')).map((f) => f.slice(1));
        expect(read.length).toBeGreaterThan(0);
        for (const field of read) expect(DOCUMENTED_FIELDS).toContain(field);
      });

      it('never put the decrypted password in output: $Plain and $Secure only reach the SecureString, the logon check and the wipe', () => {
        for (const statement of statements(tokens)) {
          const texts = statement.map((t) => t.text);
          if (!texts.some((t) => SECRET_VARIABLES.has(t))) continue;
          expect(texts.filter((t) => OUTPUT_WORDS.has(t))).toEqual([]);
          expect(statement.some((t) => t.kind === 'verbatim-string' && /=$/.test(t.value ?? ''))).toBe(false); // no 'name=' + value
        }
      });

      it('exit only with 0 or a documented code', () => {
        const codes = new Set<number>([0, ...Object.values(WindowsExit)]);
        const used = statements(tokens).flatMap((s) =>
          s.flatMap((t, i) => ((t.text === 'exit' || t.text === 'Stop-Rotor' || t.text === '@') && s[i + 1]?.kind === 'number' ? [Number(s[i + 1]?.text)] : [])),
        );
        const stops = [...template.matchAll(/(?:Stop-Rotor|exit|@\()\s*([0-9]+)/g)].map((m) => Number(m[1]));
        expect(stops.length).toBeGreaterThan(0);
        for (const code of [...used, ...stops]) expect(codes.has(code)).toBe(true);
      });
    });
  }

  it('make the one-time key non-exportable in the machine store, decrypt with OAEP SHA-256, and destroy it in a finally', () => {
    const prepare = WINDOWS_TEMPLATES['prepare-key'];
    expect(prepare).toContain('[Security.Cryptography.CngExportPolicies]::None');
    expect(prepare).toContain('[Security.Cryptography.CngKeyCreationOptions]::MachineKey');
    expect(prepare).toContain('[BitConverter]::GetBytes([int]3072)');
    const use = WINDOWS_TEMPLATES['use-key'];
    expect(use).toContain('[Security.Cryptography.RSAEncryptionPadding]::OaepSHA256');
    expect(use).toMatch(/\} finally \{\n\s+Remove-RotorKey \| Out-Null\n\}/);
    expect(use.indexOf('} finally {')).toBeLessThan(use.indexOf('Get-RotorAccount\n'));
    expect(use).toContain('Set-LocalUser -SID $Account.SID -Password $Secure');
  });
});

describe('a generated script', () => {
  it('is its template with only the payload literal changed, whatever the user name', () => {
    for (const op of OPERATIONS) {
      for (const user of ['Administrator', HOSTILE_USER]) {
        const request = requestFor(op, user);
        const script = windowsScript(request);
        const template = WINDOWS_TEMPLATES[templateFor(op)];
        const [got, want] = [meaningful(tokenize(script)), meaningful(tokenize(template))];
        expect(got.map((t) => t.kind)).toEqual(want.map((t) => t.kind));
        const changed = got.filter((t, i) => t.text !== want[i]?.text);
        expect(changed).toHaveLength(1);
        expect(changed[0]?.kind).toBe('verbatim-string');
        expect(changed[0]?.value).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
        expect(JSON.parse(Buffer.from(changed[0]?.value as string, 'base64').toString('utf8'))).toEqual(request);
        expect(parseWindowsScript(script)).toMatchObject({ template: templateFor(op), request });
        expect(script).not.toContain(user === HOSTILE_USER ? '$(x)' : '"user"');
      }
    }
  });

  it('fits RunCommand: Base64 of the largest one is under 16 KB, the strictest documented limit', () => {
    const longest = Math.max(...OPERATIONS.map((op) => Buffer.from(windowsScript(requestFor(op, 'u'.repeat(20))), 'utf8').toString('base64').length));
    expect(longest).toBeLessThan(16 * 1024);
  });

  it('is not recognised once anything outside the payload is changed', () => {
    const script = windowsScript(requestFor('set-password'));
    expect(parseWindowsScript(script.replace('Set-LocalUser -SID', 'Set-LocalUser -Name'))).toBeNull();
    expect(parseWindowsScript(`${script}\nWrite-Output $Plain\n`)).toBeNull();
    expect(parseWindowsScript(script.replace(/\$Payload = '([A-Za-z0-9+/=]+)'/, "$Payload = '$1' + $x"))).toBeNull();
  });
});

const pwsh = spawnSync('pwsh', ['-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.Major'], { encoding: 'utf8' });
const pwshMissing = pwsh.error !== undefined || pwsh.status !== 0;

// PowerShell is not packaged by the registries this project installs from (the npm `pwsh` package
// downloads it at install time), so this runs only where someone has put pwsh on the PATH. Even
// then only parsing is possible: CngKey and RSACng are Windows-only in .NET.
describe.skipIf(pwshMissing)(`PowerShell's own parser${pwshMissing ? ' (skipped: pwsh is not on the PATH)' : ''}`, () => {
  it('accepts every template without a syntax error', () => {
    for (const [name, template] of Object.entries(WINDOWS_TEMPLATES)) {
      const check =
        '$errors = $null; [void][System.Management.Automation.Language.Parser]::ParseInput([Console]::In.ReadToEnd(), [ref]$null, [ref]$errors); $errors.Count';
      const run = spawnSync('pwsh', ['-NoProfile', '-NonInteractive', '-Command', check], { input: template, encoding: 'utf8' });
      expect({ name, errors: run.stdout.trim() }).toEqual({ name, errors: '0' });
    }
  });
});
