/**
 * The fixed programs the driver runs on a Linux host. The command line is built from these
 * constants only; every value (operation, user name, password hash, keys) travels on stdin, one
 * per line, and reaches the programs as shell variables or environment, never as program text.
 *
 * The root part looks the user up and changes the password hash with `chpasswd -e`. The
 * authorized_keys part runs as the user (setpriv drops root first), so a symbolic link the user
 * planted in ~/.ssh can never make root write elsewhere, and every file it creates belongs to the
 * user. It edits under a lock into a temporary file that replaces authorized_keys by rename: a
 * run killed at any point leaves the old file or the new one, never half of one.
 */

/** Exit codes of the scripts (64 and up, clear of sudo's 1 and the shell's 126/127). */
export const HostExit = {
  protocol: 64,
  invalidInput: 65,
  noSuchUser: 66,
  missingTool: 67,
  noHome: 68,
  symlink: 69,
  chpasswdFailed: 70,
  notWritable: 71,
  locked: 72,
  malformedBlock: 73,
  awkFailed: 74,
} as const;

const fail = `fail() { status=$1; shift; printf 'secret-rotor: %s\\n' "$*" >&2; exit "$status"; }`;

/**
 * The start every host script shares: a fixed PATH, `fail`, the operation and the user name read
 * from stdin, the name checked, and the user's passwd entry in $entry.
 */
export const USER_SCRIPT_PRELUDE = `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
${fail}
IFS= read -r op || fail ${HostExit.protocol} 'no operation on stdin'
IFS= read -r user || fail ${HostExit.protocol} 'no user name on stdin'
case $user in
  ''|[!A-Za-z_]*|*[!-A-Za-z0-9._$]*) fail ${HostExit.invalidInput} 'the user name is not valid' ;;
esac
entry=$(getent passwd "$user") || fail ${HostExit.noSuchUser} 'the user does not exist'
case $entry in
  "$user":*) ;;
  *) fail ${HostExit.noSuchUser} 'the user does not exist' ;;
esac
`;

/** Runs as root (directly or through `sudo -n`). $1 is KEYS_SCRIPT and $2 is MANAGED_BLOCK_AWK. */
export const ROOT_SCRIPT = `set -u
${USER_SCRIPT_PRELUDE}rest=\${entry#*:}; rest=\${rest#*:}
uid=\${rest%%:*}; rest=\${rest#*:}
gid=\${rest%%:*}; rest=\${rest#*:}; rest=\${rest#*:}
home=\${rest%%:*}
has() { command -v "$1" >/dev/null 2>&1; }
case $op in
  check)
    printf 'uid=%s\\n' "$uid"
    if [ -d "$home" ]; then echo home=yes; else echo home=no; fi
    for tool in chpasswd setpriv flock awk mktemp; do
      if has "$tool"; then printf '%s=yes\\n' "$tool"; else printf '%s=no\\n' "$tool"; fi
    done
    ;;
  set-password)
    IFS= read -r hash || fail ${HostExit.protocol} 'no password hash on stdin'
    case $hash in
      '$6$'*) ;;
      *) fail ${HostExit.invalidInput} 'the password hash is not SHA-512 crypt' ;;
    esac
    case $hash in
      *[!./0-9A-Za-z$=]*) fail ${HostExit.invalidInput} 'the password hash is not SHA-512 crypt' ;;
    esac
    has chpasswd || fail ${HostExit.missingTool} 'chpasswd is not installed'
    printf '%s:%s\\n' "$user" "$hash" | chpasswd -e >/dev/null 2>&1 || fail ${HostExit.chpasswdFailed} 'chpasswd -e failed to set the password hash'
    ;;
  apply-key|finalize-key)
    IFS= read -r block || fail ${HostExit.protocol} 'no block name on stdin'
    IFS= read -r key || fail ${HostExit.protocol} 'no key on stdin'
    IFS= read -r adopt || fail ${HostExit.protocol} 'no adopted key on stdin'
    [ -d "$home" ] || fail ${HostExit.noHome} 'the home directory of the user does not exist'
    has setpriv || fail ${HostExit.missingTool} 'setpriv (util-linux) is not installed'
    has awk || fail ${HostExit.missingTool} 'awk is not installed'
    exec env -i PATH="$PATH" HOME="$home" LC_ALL=C ROTOR_OP="$op" ROTOR_BLOCK="$block" ROTOR_KEY="$key" ROTOR_ADOPT="$adopt" ROTOR_AWK="$2" \\
      setpriv --reuid="$uid" --regid="$gid" --init-groups -- /bin/sh -c "$1" secret-rotor-keys
    ;;
  *) fail ${HostExit.protocol} 'unknown operation' ;;
esac
`;

/**
 * Runs as the target user, with the edit described by ROTOR_* in its environment. Its messages
 * avoid words a PEM key holds (BEGIN, END, PRIVATE): the redaction decorator would cut them out.
 */
export const KEYS_SCRIPT = `set -u
${fail}
umask 077
cd "$HOME" 2>/dev/null || fail ${HostExit.noHome} 'the home directory is not accessible to the user'
[ -L .ssh ] && fail ${HostExit.symlink} '~/.ssh is a symbolic link; it is not followed'
if [ ! -d .ssh ]; then mkdir .ssh 2>/dev/null || fail ${HostExit.notWritable} 'cannot create ~/.ssh'; fi
chmod 700 .ssh 2>/dev/null || fail ${HostExit.notWritable} 'cannot set the mode of ~/.ssh (is it owned by the user?)'
if command -v flock >/dev/null 2>&1; then
  exec 9<.ssh
  flock -w 30 9 || fail ${HostExit.locked} 'another edit of ~/.ssh/authorized_keys holds the lock'
fi
keys=.ssh/authorized_keys
[ -L "$keys" ] && fail ${HostExit.symlink} '~/.ssh/authorized_keys is a symbolic link; it is not followed'
if [ -e "$keys" ] && [ ! -f "$keys" ]; then fail ${HostExit.symlink} '~/.ssh/authorized_keys is not a regular file'; fi
rm -f .ssh/.authorized_keys.secret-rotor.*
tmp=$(mktemp .ssh/.authorized_keys.secret-rotor.XXXXXX 2>/dev/null) || fail ${HostExit.notWritable} 'cannot create a file in ~/.ssh (is it owned by the user?)'
source=$keys
[ -e "$keys" ] || source=/dev/null
status=0
awk "$ROTOR_AWK" "$source" >"$tmp" || status=$?
case $status in
  0) ;;
  3) rm -f "$tmp"; fail ${HostExit.malformedBlock} 'the managed block in ~/.ssh/authorized_keys is opened twice; fix it by hand' ;;
  4) rm -f "$tmp"; fail ${HostExit.malformedBlock} 'the managed block in ~/.ssh/authorized_keys is closed without being opened; fix it by hand' ;;
  5) rm -f "$tmp"; fail ${HostExit.malformedBlock} 'the managed block in ~/.ssh/authorized_keys is never closed; fix it by hand' ;;
  *) rm -f "$tmp"; fail ${HostExit.awkFailed} 'awk could not edit ~/.ssh/authorized_keys' ;;
esac
chmod 600 "$tmp" || { rm -f "$tmp"; fail ${HostExit.notWritable} 'cannot set the mode of the new authorized_keys'; }
if [ -f "$keys" ] && [ -O "$keys" ] && cmp -s "$tmp" "$keys"; then
  rm -f "$tmp"
  chmod 600 "$keys" || fail ${HostExit.notWritable} 'cannot set the mode of ~/.ssh/authorized_keys'
  echo unchanged
else
  mv -f "$tmp" "$keys" || { rm -f "$tmp"; fail ${HostExit.notWritable} 'cannot replace ~/.ssh/authorized_keys'; }
  echo changed
fi
`;

/**
 * Rewrites authorized_keys (read from the file argument) to stdout. Lines outside this secret's
 * block are copied byte for byte, except, on apply, the lines holding ROTOR_ADOPT (the key in
 * ACSCurrent), which move into the block so the finalize after the next promotion can retire
 * them; never from inside another secret's block, whose lines are only ever copied. Inside the block: one line per key, no comments. apply-key adds ROTOR_KEY and keeps the
 * rest; finalize-key keeps ROTOR_KEY alone. Exits 3, 4 or 5 on a malformed block, writing nothing
 * useful; the shell then leaves the file as it was.
 */
export const MANAGED_BLOCK_AWK = `
function keyof(line,    n, f, i) {
  n = split(line, f, /[ \\t]+/)
  for (i = 1; i < n; i++)
    if (f[i] ~ /^(ssh-|ecdsa-|sk-)/ && f[i + 1] ~ /^AAAA[A-Za-z0-9+\\/]+=*$/) return f[i] " " f[i + 1]
  return ""
}
function keep(line, k) {
  if (k == "" || (k in kept)) return
  kept[k] = 1
  block[++nblock] = line
  blockkey[nblock] = k
}
BEGIN {
  begin = "# BEGIN secret-rotor " ENVIRON["ROTOR_BLOCK"]
  end = "# END secret-rotor " ENVIRON["ROTOR_BLOCK"]
  op = ENVIRON["ROTOR_OP"]; key = ENVIRON["ROTOR_KEY"]; adopt = ENVIRON["ROTOR_ADOPT"]
  inside = 0; found = 0; at = 0; nout = 0; nblock = 0; nadopted = 0; bad = 0
  marker = "# BEGIN secret-rotor "; other = ""
}
bad { next }
{
  bare = $0
  sub(/\\r$/, "", bare)
  sub(/[ \\t]+$/, "", bare)
  if (bare == begin) {
    if (inside) { bad = 3; next }
    inside = 1
    if (!found) { found = 1; at = nout + 1 }
    next
  }
  if (bare == end) {
    if (!inside) { bad = 4; next }
    inside = 0
    next
  }
  if (inside) { keep(bare, keyof(bare)); next }
  if (other == "" && index(bare, marker) == 1) other = substr(bare, length(marker) + 1)
  else if (other != "" && bare == "# END secret-rotor " other) other = ""
  else if (op == "apply-key" && adopt != "" && other == "" && keyof(bare) == adopt) { adopted[++nadopted] = bare; next }
  out[++nout] = $0
}
END {
  if (bad) exit bad
  if (inside) exit 5
  if (op == "finalize-key") {
    current = key
    for (i = 1; i <= nblock; i++) if (blockkey[i] == key) current = block[i]
    nblock = 1
    block[1] = current
  } else {
    for (i = 1; i <= nadopted; i++) keep(adopted[i], keyof(adopted[i]))
    keep(key, key)
  }
  if (!found) at = nout + 1
  for (i = 1; i <= nout + 1; i++) {
    if (i == at) {
      print begin
      for (j = 1; j <= nblock; j++) print block[j]
      print end
    }
    if (i <= nout) print out[i]
  }
}
`;

/** POSIX single quoting: the manager's login shell passes each constant through as one word. */
export const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * The one command line the driver sends to run an operation as root: directly when the manager is
 * root, through `sudo -n` otherwise (never prompting). A constant: the scripts are its only text.
 */
export const ROOT_COMMAND =
  'if [ "$(id -u)" -eq 0 ]; then set -- /bin/sh; else set -- sudo -n /bin/sh; fi; ' +
  `exec "$@" -c ${shellQuote(ROOT_SCRIPT)} secret-rotor ${shellQuote(KEYS_SCRIPT)} ${shellQuote(MANAGED_BLOCK_AWK)}`;

/** stdin for ROOT_SCRIPT: one value a line. Callers validate that no value holds a line break. */
export const stdinLines = (...values: string[]): string => {
  if (values.some((v) => /[\r\n\u0000]/.test(v))) throw new TypeError('A value for the host script holds a line break.');
  return values.map((v) => `${v}\n`).join('');
};
