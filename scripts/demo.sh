#!/usr/bin/env bash
# The main job, end to end, against the built-in sandbox (no provider account):
# create a SIP domain and accounts with generated passwords, list them, prove
# with a real SIP REGISTER that a phone can log in, rotate every password on
# the domain into a handover file, and prove the old password now fails and
# the new one works. Everything lives in a temporary directory, removed at exit.
#
# Usage: scripts/demo.sh [path/to/sipctl]      (make demo builds it first)
set -euo pipefail

bin=${1:-./bin/sipctl}
[ -x "$bin" ] || { echo "demo: $bin not found; run \`make demo\`" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d "${TMPDIR:-/tmp}/sipctl-demo.XXXXXX")
serve_pid=""
cleanup() {
	if [ -n "$serve_pid" ]; then
		kill "$serve_pid" 2>/dev/null
		# The serve is not this shell's child: wait until it has let go of
		# the state directory before removing it.
		for _ in $(seq 100); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.05; done
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# A private sandbox: no config, state or credentials of the caller leak in,
# and the sandbox is named (under CI=true sipctl uses it only when named).
for v in $(env | sed -n 's/^\(SIPCTL_[A-Z_]*\|TWILIO_[A-Z_]*\|TELNYX_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export SIPCTL_CONFIG_DIR="$work/config" SIPCTL_STATE_DIR="$work/state" SIPCTL_PROFILE=sandbox
cd "$work"

if [ -t 1 ]; then bold=$'\033[1m' dim=$'\033[2m' off=$'\033[0m'; else bold="" dim="" off=""; fi
# The commands as typed go to the demo's own output (fd 3), so a command
# whose output is redirected into a file does not take them along.
exec 3>&1
say() { printf '\n%s# %s%s\n' "$dim" "$*" "$off" >&3; }
run() { printf '%s$ sipctl %s%s\n' "$bold" "$*" "$off" >&3; "$bin" "$@"; }
# expect CODE args...: run a command that must exit with CODE.
expect() {
	local want=$1 got=0
	shift
	printf '%s$ sipctl %s%s\n' "$bold" "$*" "$off" >&3
	"$bin" "$@" || got=$?
	if [ "$got" != "$want" ]; then
		echo "demo: expected exit $want, got $got" >&2
		exit 1
	fi
	printf '%s(exit %s, as expected)%s\n' "$dim" "$got" "$off"
}

say "A SIP domain that phones register to (a bare name becomes office.sip.twilio.com)"
run domains create office --sip-registration

say "SIP accounts with generated passwords; sipctl creates and attaches the domain's credential list"
run accounts create alice --domain office --json > alice.json
cat alice.json
run accounts create bob --domain office
run accounts list --domain office

say "Start the sandbox's API and SIP registrar on free loopback ports, in the background"
run sandbox serve --background --http-addr 127.0.0.1:0 --sip-addr 127.0.0.1:0
serve_pid=$("$bin" -q sandbox status --jq '.pid')
registrar=$("$bin" -q sandbox status --jq '.sip_addr')

say "Can alice's phone log in? A real SIP REGISTER with digest authentication"
# alice's password, from the JSON that accounts create printed (kept 0600).
(umask 077 && sed -n 's/.*"password": *"\([^"]*\)".*/\1/p' alice.json > alice.pw)
run accounts check alice@office.sip.twilio.com --registrar "$registrar" --password-stdin < alice.pw

say "Rotate every password on the domain; new passwords go to a 0600 handover file"
run password rotate --domain office --yes --output handover.json
ls -l handover.json | awk '{print $1, $NF}'

say "The old password no longer works (exit 5: rejected) ..."
expect 5 accounts check alice@office.sip.twilio.com --registrar "$registrar" --password-stdin < alice.pw
say "... and the new one from the handover file does"
run accounts check alice@office.sip.twilio.com --registrar "$registrar" --from-handover handover.json

say "What a support desk would check by hand"
run domains check office

printf '\n%sDone: the sandbox lived in %s and is removed now.%s\n' "$bold" "$work" "$off"
