#!/usr/bin/env bash
# Start-up time and peak memory of the built binary (issue 2's targets: a few
# ms, and 50x faster / 10x leaner than Twilio's CLI at ~1 s and ~140 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench BenchmarkStartup -benchtime 50x ./internal/sipctlcmd | grep -E 'Benchmark|ok'
