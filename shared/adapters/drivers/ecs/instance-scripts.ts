/**
 * The shell scripts a managed ECS secret sends through Cloud Assistant. They are the Linux-host
 * driver's fixed host scripts (../ssh/host-scripts.ts), plus one read-only script for verify. The
 * values (operation, user name, password hash, public keys) never become program text: they are
 * joined one per line, Base64-encoded (an alphabet that cannot leave a single-quoted word) and
 * decoded into the script's stdin on the instance. Cloud Assistant runs scripts as root.
 */
import { HostExit, ROOT_COMMAND, USER_SCRIPT_PRELUDE, shellQuote, stdinLines } from '../ssh/host-scripts.js';

/** A script that feeds `values` (one a line) to `command` on stdin. */
const withStdin = (command: string, values: string[]): string => {
  const encoded = Buffer.from(stdinLines(...values), 'utf8').toString('base64');
  return `printf '%s' '${encoded}' | base64 -d | ( ${command} )\n`;
};

/** Runs the Linux-host driver's root script (set-password, apply-key, finalize-key, check). */
export const rootScript = (...values: string[]): string => withStdin(ROOT_COMMAND, values);

/**
 * Says whether `key` (`type blob`) is in this secret's managed block of the user's
 * authorized_keys. Same block markers and key matching as the editing awk program.
 */
const KEY_IN_BLOCK_AWK = `
function keyof(line,    n, f, i) {
  n = split(line, f, /[ \\t]+/)
  for (i = 1; i < n; i++)
    if (f[i] ~ /^(ssh-|ecdsa-|sk-)/ && f[i + 1] ~ /^AAAA[A-Za-z0-9+\\/]+=*$/) return f[i] " " f[i + 1]
  return ""
}
BEGIN {
  begin = "# BEGIN secret-rotor " ENVIRON["ROTOR_BLOCK"]
  end = "# END secret-rotor " ENVIRON["ROTOR_BLOCK"]
  key = ENVIRON["ROTOR_KEY"]; inside = 0; found = 0
}
{
  bare = $0
  sub(/\\r$/, "", bare)
  sub(/[ \\t]+$/, "", bare)
  if (bare == begin) { inside = 1; next }
  if (bare == end) { inside = 0; next }
  if (inside && key != "" && keyof(bare) == key) found = 1
}
END { print (found ? "key-in-block=yes" : "key-in-block=no") }
`;


/**
 * Read-only proof of an applied change. `password-hash` prints the user's shadow hash (what apply
 * sent, so nothing new crosses the wire); `key-in-block` says whether the key is in the block.
 * $1 is KEY_IN_BLOCK_AWK.
 */
export const VERIFY_SCRIPT = `set -u
${USER_SCRIPT_PRELUDE}case $op in
  password-hash)
    shadow=$(getent shadow "$user") || fail ${HostExit.noSuchUser} 'the user has no shadow entry'
    case $shadow in
      "$user":*) ;;
      *) fail ${HostExit.noSuchUser} 'the user has no shadow entry' ;;
    esac
    rest=\${shadow#*:}
    printf 'hash=%s\\n' "\${rest%%:*}"
    ;;
  key-in-block)
    IFS= read -r block || fail ${HostExit.protocol} 'no block name on stdin'
    IFS= read -r key || fail ${HostExit.protocol} 'no key on stdin'
    rest=\${entry#*:}; rest=\${rest#*:}; rest=\${rest#*:}; rest=\${rest#*:}; rest=\${rest#*:}
    home=\${rest%%:*}
    keys="$home/.ssh/authorized_keys"
    [ -L "$home/.ssh" ] && fail ${HostExit.symlink} '~/.ssh is a symbolic link; it is not followed'
    [ -L "$keys" ] && fail ${HostExit.symlink} '~/.ssh/authorized_keys is a symbolic link; it is not followed'
    if [ ! -f "$keys" ]; then echo key-in-block=no; exit 0; fi
    ROTOR_BLOCK="$block" ROTOR_KEY="$key" LC_ALL=C awk "$1" "$keys" || fail ${HostExit.awkFailed} 'awk could not read ~/.ssh/authorized_keys'
    ;;
  *) fail ${HostExit.protocol} 'unknown operation' ;;
esac
`;

const VERIFY_COMMAND = `exec /bin/sh -c ${shellQuote(VERIFY_SCRIPT)} secret-rotor ${shellQuote(KEY_IN_BLOCK_AWK)}`;

export const verifyScript = (...values: string[]): string => withStdin(VERIFY_COMMAND, values);
