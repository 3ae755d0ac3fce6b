#!/usr/bin/env bash
# The console tests drive Debian's Chromium headless. Installs the `chromium` package when it is
# missing (needs root or sudo; meant for throwaway machines). Does nothing when it is there.
set -euo pipefail

if [ -x /usr/bin/chromium ] || [ -n "${ROTOR_TEST_CHROMIUM:-}" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: /usr/bin/chromium is missing and apt-get is not available; install Chromium or set ROTOR_TEST_CHROMIUM" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-chromium: installing chromium needs root or sudo" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium
