#!/usr/bin/env bash
# Installs what the test suite's real peers need, when missing:
#   Debian: sip-tester (sipp), tmux (a real terminal for table tests), gnome-keyring + dbus + libsecret-tools (a real Secret Service),
#           kamailio with its sqlite/postgres/mysql/extra modules, postgresql, mariadb-server,
#           kamcli (+ python3-psycopg2, its PostgreSQL driver),
#           linphone-cli (linphonec: a real softphone for the provisioning end-to-end test)
#   npm (pinned by test/npm/package-lock.json): Prism, @twilio/cli-core (Twilio's OpenAPI document), twilio, telnyx
# It installs only as root; otherwise it says what is missing. Under CI=true anything
# still missing is an error, so CI never passes by skipping.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
declare -A apt_for=(
  [sipp]=sip-tester
  [tmux]=tmux
  [gnome-keyring-daemon]=gnome-keyring
  [dbus-run-session]=dbus
  [dbus-daemon]=dbus-daemon
  [secret-tool]=libsecret-tools
  [/usr/sbin/kamailio]=kamailio
  [/usr/lib/postgresql/15/bin/initdb]=postgresql
  [mariadbd]=mariadb-server
  [mariadb-install-db]=mariadb-server
  [kamcli]=kamcli
  [linphonec]=linphone-cli
)
# Files (Kamailio's modules, a Python driver) rather than commands.
declare -A apt_file=(
  [/usr/lib/x86_64-linux-gnu/kamailio/modules/db_sqlite.so]=kamailio-sqlite-modules
  [/usr/lib/x86_64-linux-gnu/kamailio/modules/db_postgres.so]=kamailio-postgres-modules
  [/usr/lib/x86_64-linux-gnu/kamailio/modules/db_mysql.so]=kamailio-mysql-modules
  [/usr/lib/x86_64-linux-gnu/kamailio/modules/jsonrpcs.so]=kamailio
  [/usr/lib/x86_64-linux-gnu/kamailio/modules/xhttp.so]=kamailio
  [/usr/share/kamailio/db_sqlite/auth_db-create.sql]=kamailio-sqlite-modules
  [/usr/share/kamailio/postgres/auth_db-create.sql]=kamailio-postgres-modules
  [/usr/share/kamailio/mysql/auth_db-create.sql]=kamailio-mysql-modules
  [/usr/lib/python3/dist-packages/psycopg2/__init__.py]=python3-psycopg2
)
have() { if [[ $1 == /* ]]; then [ -e "$1" ]; else command -v "$1" >/dev/null 2>&1; fi; }
for bin in "${!apt_for[@]}"; do
  have "$bin" || missing+=("${apt_for[$bin]}")
done
for f in "${!apt_file[@]}"; do
  [ -e "$f" ] || missing+=("${apt_file[$f]}")
done
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
fi

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
  if ! have "$bin"; then
    echo "test-deps: $bin is still missing" >&2
    fail=1
  fi
done
for f in "${!apt_file[@]}"; do
  if [ ! -e "$f" ]; then
    echo "test-deps: $f (${apt_file[$f]}) is still missing" >&2
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
