/**
 * The PowerShell scripts a managed ECS password secret sends to a Windows instance (Cloud
 * Assistant RunPowerShellScript; it runs them as SYSTEM unless Username/WindowsPasswordName say
 * otherwise, and we never set those). Windows cannot set a password from a hash, so the password
 * has to reach the instance; Cloud Assistant keeps every command's text and output in its
 * invocation history, so it must not travel readable. Two contracts:
 *
 * 1. prepare-key: the instance makes a one-time RSA-3072 key in its machine key store (CNG,
 *    Microsoft Software Key Storage Provider, machine key, not exportable) under a slot named for
 *    the secret, replacing whatever an abandoned run left there, and prints the public modulus,
 *    exponent and a SHA-256 fingerprint of the modulus.
 * 2. use-key: carries the password RSA-OAEP (SHA-256) encrypted to that key, with the fingerprint;
 *    the instance decrypts it into a SecureString and sets it (set-password, Set-LocalUser) or
 *    checks it with a network logon (check-password, ValidateCredentials), and destroys the key
 *    whatever happens. One command cannot do both: the encryption needs the public key before the
 *    command carrying the ciphertext is written.
 *
 * Plus discard-key (best-effort cleanup after a use-key run that never reported) and inspect
 * (read-only, for preflight). Each script is one fixed template; the only part that changes is the
 * single-quoted `$Payload` literal, Base64 of a JSON request — an alphabet that cannot end a
 * PowerShell single-quoted string — so no value ever becomes program text. The templates are
 * ASCII (Windows PowerShell 5.1 reads a BOM-less script in the ANSI code page) and use no
 * backtick escapes. Needs Windows PowerShell 5.1 (Get-LocalUser, Set-LocalUser) and .NET 4.6+
 * (RSACng): Windows Server 2016 and later.
 */

/**
 * Exit codes of the scripts' own refusals (all at or above 64, like the Linux host scripts'). A
 * refusal also prints `secret-rotor-exit=<code>` and `secret-rotor: <fixed text>`.
 */
export const WindowsExit = {
  noSuchUser: 70,
  invalidRequest: 71,
  keyMissing: 72,
  decryptFailed: 73,
  passwordRefused: 74,
  missingTool: 75,
  keyStore: 76,
  unexpected: 77,
} as const;

export type WindowsOperation = 'prepare-key' | 'set-password' | 'check-password' | 'discard-key' | 'inspect';

/** The JSON request inside `$Payload`. `ciphertext` is the only field derived from a secret. */
export interface WindowsRequest {
  v: 1;
  op: WindowsOperation;
  user: string;
  slot: string;
  /** use-key only: lowercase hex SHA-256 of the one-time key's modulus. */
  fingerprint?: string;
  /** use-key only: Base64 RSA-OAEP (SHA-256) ciphertext of the password in UTF-16LE. */
  ciphertext?: string;
}

export const PAYLOAD_PLACEHOLDER = '__ROTOR_PAYLOAD__';
export const ONE_TIME_KEY_BITS = 3072;
/** Windows takes at most 127 characters (UTF-16 code units) in a local account password. */
export const MAX_WINDOWS_PASSWORD_UNITS = 127;
export const KEY_SLOT = /^secret-rotor-[0-9a-f]{32}$/;
/** A local account name: 1-20 characters, none of "/\[]:;|=,+*?<>@ or control characters, not only dots and spaces. */
const WINDOWS_USER_NAME = /^[^"/\\[\]:;|=,+*?<>@\u0000-\u001f]{1,20}$/;

export const isValidWindowsUserName = (name: string): boolean => WINDOWS_USER_NAME.test(name) && name.replace(/[ .]/g, '') !== '';

const PRELUDE = String.raw`# secret-rotor: managed ECS password on Windows. Cloud Assistant runs this as SYSTEM.
# Only the $Payload line changes between runs: Base64 of a JSON request. A password is never in
# it; set-password and check-password carry it RSA-OAEP (SHA-256) encrypted to a one-time key
# that prepare-key made in this instance's machine key store.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Payload = '__ROTOR_PAYLOAD__'

# The code is printed too, in case the way the agent starts PowerShell does not pass it on.
function Stop-Rotor([int]$Code, [string]$Message) {
  Write-Output ('secret-rotor-exit=' + $Code)
  Write-Output ('secret-rotor: ' + $Message)
  exit $Code
}

trap {
  Stop-Rotor 77 ('unexpected ' + $_.Exception.GetType().Name)
}

try {
  $Request = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Payload)) | ConvertFrom-Json
} catch {
  Stop-Rotor 71 'the request is not Base64-encoded JSON'
}
if ($Request.v -ne 1) { Stop-Rotor 71 'the request has an unknown version' }
$UserName = [string]$Request.user
if ($UserName -notmatch '^[^"/\\\[\]:;|=,+*?<>@\x00-\x1f]{1,20}\z' -or ($UserName -replace '[ .]', '') -eq '') {
  Stop-Rotor 71 'the user name is not a Windows user name'
}
$Slot = [string]$Request.slot
if ($Slot -cnotmatch '^secret-rotor-[0-9a-f]{32}\z') { Stop-Rotor 71 'the key slot name is malformed' }

$Ksp = [Security.Cryptography.CngProvider]::MicrosoftSoftwareKeyStorageProvider
$MachineKey = [Security.Cryptography.CngKeyOpenOptions]::MachineKey

function Get-RotorAccount {
  if (-not (Get-Command Get-LocalUser -ErrorAction SilentlyContinue)) {
    Stop-Rotor 75 'Get-LocalUser is missing; Windows PowerShell 5.1 is needed'
  }
  $found = Get-LocalUser | Where-Object { $_.Name -eq $UserName } | Select-Object -First 1
  if ($null -eq $found) { Stop-Rotor 70 'the user does not exist on this instance' }
  return $found
}

function Remove-RotorKey {
  if ([Security.Cryptography.CngKey]::Exists($Slot, $Ksp, $MachineKey)) {
    [Security.Cryptography.CngKey]::Open($Slot, $Ksp, $MachineKey).Delete()
    return 'yes'
  }
  return 'absent'
}

function Get-RotorFingerprint([Security.Cryptography.RSA]$Rsa) {
  $hash = [Security.Cryptography.SHA256]::Create().ComputeHash($Rsa.ExportParameters($false).Modulus)
  return ([BitConverter]::ToString($hash) -replace '-', '').ToLowerInvariant()
}
`;

/** Contract 1. Output: key-modulus=, key-exponent= (Base64, big-endian) and key-fingerprint= (hex). */
const PREPARE_KEY = String.raw`
if ($Request.op -cne 'prepare-key') { Stop-Rotor 71 'this script only prepares keys' }
$Account = Get-RotorAccount
try {
  Remove-RotorKey | Out-Null
  $create = New-Object Security.Cryptography.CngKeyCreationParameters
  $create.Provider = $Ksp
  $create.KeyCreationOptions = [Security.Cryptography.CngKeyCreationOptions]::MachineKey
  $create.ExportPolicy = [Security.Cryptography.CngExportPolicies]::None
  $create.KeyUsage = [Security.Cryptography.CngKeyUsages]::Decryption
  $length = New-Object Security.Cryptography.CngProperty('Length', [BitConverter]::GetBytes([int]3072), [Security.Cryptography.CngPropertyOptions]::None)
  $create.Parameters.Add($length)
  $key = [Security.Cryptography.CngKey]::Create([Security.Cryptography.CngAlgorithm]::Rsa, $Slot, $create)
  $rsa = New-Object Security.Cryptography.RSACng($key)
  $public = $rsa.ExportParameters($false)
  $fingerprint = Get-RotorFingerprint $rsa
} catch {
  Stop-Rotor 76 ('the one-time key could not be made (' + $_.Exception.GetType().Name + ')')
}
Write-Output ('key-modulus=' + [Convert]::ToBase64String($public.Modulus))
Write-Output ('key-exponent=' + [Convert]::ToBase64String($public.Exponent))
Write-Output ('key-fingerprint=' + $fingerprint)
`;

/** Contract 2. Output: password-set=yes, or password-valid=yes|no. The key is gone afterwards in every case. */
const USE_KEY = String.raw`
$Op = [string]$Request.op
$Plain = $null
$Failure = $null
try {
  if ($Op -cne 'set-password' -and $Op -cne 'check-password') {
    $Failure = @(71, 'this script only sets or checks passwords')
  } elseif (-not [Security.Cryptography.CngKey]::Exists($Slot, $Ksp, $MachineKey)) {
    $Failure = @(72, 'there is no one-time key for this request; it was used or replaced')
  } else {
    $rsa = New-Object Security.Cryptography.RSACng([Security.Cryptography.CngKey]::Open($Slot, $Ksp, $MachineKey))
    if ((Get-RotorFingerprint $rsa) -cne [string]$Request.fingerprint) {
      $Failure = @(72, 'the one-time key was replaced after the request was made')
    } else {
      try {
        $Plain = $rsa.Decrypt([Convert]::FromBase64String([string]$Request.ciphertext), [Security.Cryptography.RSAEncryptionPadding]::OaepSHA256)
      } catch {
        $Failure = @(73, 'the ciphertext does not decrypt with the one-time key')
      }
    }
    $rsa.Dispose()
  }
} finally {
  Remove-RotorKey | Out-Null
}
if ($null -ne $Failure) { Stop-Rotor $Failure[0] $Failure[1] }
$Account = Get-RotorAccount
if ($Plain.Length -lt 2 -or $Plain.Length -gt 254 -or $Plain.Length % 2 -ne 0) {
  [Array]::Clear($Plain, 0, $Plain.Length)
  Stop-Rotor 73 'the decrypted password is not 1 to 127 UTF-16 characters'
}
if ($Op -ceq 'check-password') {
  Add-Type -AssemblyName System.DirectoryServices.AccountManagement
  $context = New-Object DirectoryServices.AccountManagement.PrincipalContext([DirectoryServices.AccountManagement.ContextType]::Machine)
  $valid = $context.ValidateCredentials($Account.Name, [Text.Encoding]::Unicode.GetString($Plain))
  [Array]::Clear($Plain, 0, $Plain.Length)
  if ($valid) { Write-Output 'password-valid=yes' } else { Write-Output 'password-valid=no' }
  exit 0
}
$Secure = New-Object Security.SecureString
for ($i = 0; $i -lt $Plain.Length; $i += 2) { $Secure.AppendChar([char][BitConverter]::ToUInt16($Plain, $i)) }
[Array]::Clear($Plain, 0, $Plain.Length)
$Secure.MakeReadOnly()
$Refused = $null
try {
  Set-LocalUser -SID $Account.SID -Password $Secure
} catch {
  $Refused = $_.Exception.GetType().Name
}
$Secure.Dispose()
if ($null -ne $Refused) { Stop-Rotor 74 ('Windows refused the password (' + $Refused + ')') }
Write-Output 'password-set=yes'
`;

/** Output: key-discarded=yes|absent. Needs no user: it only empties the slot. */
const DISCARD_KEY = String.raw`
if ($Request.op -cne 'discard-key') { Stop-Rotor 71 'this script only discards keys' }
Write-Output ('key-discarded=' + (Remove-RotorKey))
`;

/** Read-only. Output: user-enabled=, set-localuser=, rsacng= (yes|no each). */
const INSPECT = String.raw`
if ($Request.op -cne 'inspect') { Stop-Rotor 71 'this script only inspects' }
$Account = Get-RotorAccount
if ($Account.Enabled) { Write-Output 'user-enabled=yes' } else { Write-Output 'user-enabled=no' }
if (Get-Command Set-LocalUser -ErrorAction SilentlyContinue) { Write-Output 'set-localuser=yes' } else { Write-Output 'set-localuser=no' }
if ('System.Security.Cryptography.RSACng' -as [type]) { Write-Output 'rsacng=yes' } else { Write-Output 'rsacng=no' }
`;

export type WindowsTemplateName = 'prepare-key' | 'use-key' | 'discard-key' | 'inspect';

/** Every script the driver can send: PRELUDE and one body, with the payload placeholder still in. */
export const WINDOWS_TEMPLATES: Readonly<Record<WindowsTemplateName, string>> = {
  'prepare-key': PRELUDE + PREPARE_KEY,
  'use-key': PRELUDE + USE_KEY,
  'discard-key': PRELUDE + DISCARD_KEY,
  inspect: PRELUDE + INSPECT,
};

export const templateFor = (op: WindowsOperation): WindowsTemplateName =>
  op === 'set-password' || op === 'check-password' ? 'use-key' : op;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The script for a request: its template with the one placeholder replaced by the Base64 request. */
export const windowsScript = (request: WindowsRequest): string => {
  const payload = Buffer.from(JSON.stringify(request), 'utf8').toString('base64');
  if (!BASE64.test(payload)) throw new Error('The Windows request did not encode as Base64.');
  const [before, after] = WINDOWS_TEMPLATES[templateFor(request.op)].split(PAYLOAD_PLACEHOLDER) as [string, string];
  return `${before}${payload}${after}`;
};

/** The template and request of a script built by windowsScript, or null for any other text. */
export const parseWindowsScript = (script: string): { template: WindowsTemplateName; payload: string; request: unknown } | null => {
  for (const [template, text] of Object.entries(WINDOWS_TEMPLATES) as [WindowsTemplateName, string][]) {
    const [before, after] = text.split(PAYLOAD_PLACEHOLDER) as [string, string];
    if (!script.startsWith(before) || !script.endsWith(after) || script.length < before.length + after.length) continue;
    const payload = script.slice(before.length, script.length - after.length);
    if (!BASE64.test(payload)) return null;
    try {
      return { template, payload, request: JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as unknown };
    } catch {
      return null;
    }
  }
  return null;
};

/** `name=value` status lines of a script's output (Windows ends them with CRLF). */
export const statusLines = (output: string): Map<string, string> => {
  const lines = new Map<string, string>();
  for (const line of output.split(/\r?\n/)) {
    const match = /^([a-z-]+)=([A-Za-z0-9+/=]*)$/.exec(line.trimEnd());
    if (match) lines.set(match[1] as string, match[2] as string);
  }
  return lines;
};
