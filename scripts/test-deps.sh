#!/usr/bin/env bash
# Installs what the test suite's real peers need, when missing:
#   Debian: sip-tester (sipp), gnome-keyring + dbus + libsecret-tools (a real Secret Service)
#   npm (pinned by test/npm/package-lock.json): Prism, @twilio/cli-core (Twilio's OpenAPI document), twilio, telnyx
# It installs only as root; otherwise it says what is missing. Under CI=true anything
# still missing is an error, so CI never passes by skipping.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
declare -A apt_for=(
  [sipp]=sip-tester
  [gnome-keyring-daemon]=gnome-keyring
  [dbus-run-session]=dbus
  [dbus-daemon]=dbus-daemon
  [secret-tool]=libsecret-tools
)
for bin in "${!apt_for[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("${apt_for[$bin]}")
done

if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test-deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test-deps: missing Debian packages: ${missing[*]} (run as root to install)" >&2
  fi
fi

if [ -f test/npm/package-lock.json ]; then
  stamp=test/npm/node_modules/.package-lock.json
  if [ ! -f "$stamp" ] || [ test/npm/package-lock.json -nt "$stamp" ]; then
    if command -v npm >/dev/null; then
      echo "test-deps: npm ci in test/npm" >&2
      (cd test/npm && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    else
      echo "test-deps: npm is not installed" >&2
    fi
  fi
fi

fail=0
for bin in "${!apt_for[@]}"; do
  if ! command -v "$bin" >/dev/null 2>&1; then
    echo "test-deps: $bin is still missing" >&2
    fail=1
  fi
done
for bin in prism; do
  if [ -f test/npm/package.json ] && [ ! -x "test/npm/node_modules/.bin/$bin" ]; then
    echo "test-deps: npm package providing $bin is missing" >&2
    fail=1
  fi
done
if ((fail)) && [ "${CI:-}" = true ]; then
  echo "test-deps: CI=true and test peers are missing" >&2
  exit 1
fi
exit 0
