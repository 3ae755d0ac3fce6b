#!/usr/bin/env bash
# Makes sure the OpenSSH server binary the Linux-host driver tests use is on the machine, and sudo,
# which they use for a manager that is not root. Idempotent: when /usr/sbin/sshd and sudo exist it
# changes nothing; otherwise it installs what is missing of Debian's openssh-server and sudo. It
# starts nothing: the tests run their own sshd on 127.0.0.1 with a temporary config, host key and
# port, never the system service. Meant for throwaway CI machines and containers.
set -euo pipefail

SERVER=/usr/sbin/sshd

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "ensure-sshd: root is needed to run: $*" >&2
    exit 1
  fi
}

missing=()
[ -x "$SERVER" ] || missing+=(openssh-server)
command -v sudo >/dev/null 2>&1 || missing+=(sudo)

if [ "${#missing[@]}" -eq 0 ]; then
  echo "ensure-sshd: $SERVER and sudo are installed"
  exit 0
fi

echo "ensure-sshd: installing ${missing[*]}"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
# policy-rc.d 101 keeps the package's maintainer scripts from starting the system service in a
# container without an init system; the tests start their own sshd.
policy=/usr/sbin/policy-rc.d
created_policy=no
if [ ! -e "$policy" ]; then
  as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
  created_policy=yes
fi
status=0
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
if [ "$created_policy" = yes ]; then as_root rm -f "$policy"; fi
[ "$status" -eq 0 ] || exit "$status"

if [ ! -x "$SERVER" ]; then
  echo "ensure-sshd: $SERVER is still missing after the install" >&2
  exit 1
fi
if ! command -v sudo >/dev/null 2>&1; then
  echo "ensure-sshd: sudo is still missing after the install" >&2
  exit 1
fi
echo "ensure-sshd: $SERVER and sudo are installed"
